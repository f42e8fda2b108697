"""The per-member command limit: five a minute, one warning, then silence."""

from __future__ import annotations

from bot.throttle import CommandThrottle, Verdict


def test_five_answers_one_warning_then_silence_until_the_minute_passes() -> None:
    throttle = CommandThrottle()
    verdicts = [throttle.check(-1, 7, now=float(i)) for i in range(8)]
    assert verdicts == [Verdict.ANSWER] * 5 + [Verdict.SLOW_DOWN, Verdict.IGNORE, Verdict.IGNORE]
    assert throttle.check(-1, 8, now=7.0) is Verdict.ANSWER  # someone else is not affected
    assert throttle.check(-1, 7, now=60.5) is Verdict.ANSWER  # the first one aged out
