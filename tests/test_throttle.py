"""The per-member command limit: a burst, then one every few seconds, a short queue."""

from __future__ import annotations

from bot.throttle import CommandThrottle, Verdict


def test_a_burst_then_a_steady_rate_then_a_short_queue() -> None:
    throttle = CommandThrottle(burst=10, every=6.0, queue=3)
    decisions = [throttle.check(-1, 7, now=0.0) for _ in range(15)]
    verdicts = [d.verdict for d in decisions]
    assert verdicts == [Verdict.ANSWER] * 10 + [Verdict.WAIT] * 3 + [Verdict.DROP] * 2
    assert [d.wait for d in decisions[10:13]] == [6.0, 12.0, 18.0]
    assert [d.warn for d in decisions[10:13]] == [True, False, False]  # said once
    assert [d.warn for d in decisions[13:]] == [True, False]  # "not done" told once too
    assert throttle.check(-1, 8, now=0.0).verdict is Verdict.ANSWER  # someone else is not
    # The queue drains at one every 6 s: at 24 s the first token after the queue is free.
    assert throttle.check(-1, 7, now=23.0).verdict is Verdict.WAIT
    assert throttle.check(-1, 7, now=120.0).verdict is Verdict.ANSWER


def test_a_member_who_slows_down_is_never_waiting() -> None:
    throttle = CommandThrottle(burst=10, every=6.0)
    assert all(
        throttle.check(-1, 7, now=i * 6.0).verdict is Verdict.ANSWER for i in range(100)
    )
    assert not throttle.empty(-1, 7, now=600.0)
