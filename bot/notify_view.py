"""Rendering what the scheduler posts: reminders, the day-before roster, gap and no-show
alerts, the daily summary."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from babel.dates import format_skeleton
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import chunk_lines, esc, join_names, mention, spacer
from bot.roster_view import ShiftLine, day_label, locale_of, window_label
from bot.service_view import hours_label, kg_label, numbers_line
from storage.daybook import DayBook, Period
from storage.models import Duty, Shift

Person = tuple[int, str]  # (telegram user id, display name)


def _shift(t: Translator, shift: Shift, duty: Duty, zone: str) -> str:
    place = f" @{esc(duty.place)}" if duty.place else ""
    return f"{esc(duty.name)} {window_label(t, shift.start_at, shift.end_at, zone)}{place}"


def _people(t: Translator, people: Sequence[Person]) -> str:
    return t.gettext(", ").join(mention(uid, name) for uid, name in people)


def reminder(
    t: Translator, lead: int, shifts: Sequence[tuple[Shift, Duty, Sequence[Person]]], zone: str
) -> str:
    """⏰ The duty starting soon, everyone on it mentioned."""
    lines = [t.ngettext(
        "⏰ Duty starts in {n} minute:", "⏰ Duty starts in {n} minutes:", lead
    ).format(n=lead)]
    for shift, duty, people in shifts:
        who = _people(t, people) if people else t.gettext("nobody yet: /shift to claim")
        lines.append(f"{_shift(t, shift, duty, zone)} — {who}")
    lines.append(t.gettext("Check in when you arrive: /checkin"))
    return "\n".join(lines)


def day_before(t: Translator, day: date, lines: Sequence[ShiftLine], zone: str) -> list[str]:
    """📋 Tomorrow's shifts and who is on them."""
    out = [t.gettext("📋 Tomorrow, {day}:").format(day=day_label(t, day))]
    for line in lines:
        who = join_names(t, line.names) if line.names else t.gettext("nobody yet")
        short = max(0, line.shift.need_min - len(line.names))
        extra = spacer(t) + t.gettext("(needs {n} more)").format(n=short) if short else ""
        out.append(f"#{line.shift.id} {_shift(t, line.shift, line.duty, zone)} — {who}{extra}")
    return chunk_lines(out)


def gap_alert(
    t: Translator, shift: Shift, duty: Duty, have: int, leaders: Sequence[Person], zone: str
) -> str:
    """🆘 A shift still below its minimum; the leaders mentioned."""
    text = t.gettext(
        "🆘 {shift} on {day} still needs {n} more (has {have} of {need}). Who can come? "
        "Tap below."
    ).format(shift=_shift(t, shift, duty, zone), day=day_label(t, shift.local_date),
             n=shift.need_min - have, have=have, need=shift.need_min)
    if leaders:
        text += "\n" + t.gettext("Leaders: {names}").format(names=_people(t, leaders))
    return text


def claim_button(t: Translator, shift: Shift) -> InlineKeyboardMarkup:
    """One Claim button."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        t.gettext("🙋 I can come"), callback_data=f"claim:{shift.id}"
    )]])


def noshow_private(
    t: Translator, group: str, shift: Shift, duty: Duty, came: int, missing: Sequence[str],
    zone: str,
) -> str:
    """⚠️ To a leader: who has not checked in."""
    text = t.gettext("⚠️ {group}: {shift} — checked in {came}/{need}.").format(
        group=esc(group), shift=_shift(t, shift, duty, zone), came=came, need=shift.need_min
    )
    if missing:
        text += "\n" + t.gettext("Not checked in yet: {names}").format(
            names=join_names(t, missing)
        )
    return text


def noshow_group(t: Translator, shift: Shift, duty: Duty, came: int, zone: str) -> str:
    """⚠️ In the group: numbers only, no names."""
    return t.gettext("⚠️ {shift}: checked in {came}/{need}.").format(
        shift=_shift(t, shift, duty, zone), came=came, need=shift.need_min
    )


def noshow_button(t: Translator, shift: Shift) -> InlineKeyboardMarkup:
    """The leaders' button under the group line (names shown to leaders only)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        t.gettext("Leaders: who is missing?"), callback_data=f"absent:{shift.id}"
    )]])


GUIDES = Path(__file__).resolve().parent.parent / "docs"


def guide(language: str) -> str:
    """The leader guide (docs/leader-guide.*.md) as Telegram HTML: headings bold, code kept."""
    name = "leader-guide.zh-CN.md" if language == "zh_CN" else "leader-guide.en.md"
    lines = []
    for raw in (GUIDES / name).read_text(encoding="utf-8").splitlines():
        text = esc(raw.lstrip("#").strip()) if raw.startswith("#") else esc(raw)
        text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
        lines.append(f"<b>{text}</b>" if raw.startswith("#") else text)
    return "\n".join(lines)[:4096]


def remindme_usage(t: Translator) -> str:
    """How /remindme is used."""
    return t.gettext(
        "/remindme on: I also remind you privately before your duty. /remindme off stops it."
    )


def remindme_done(t: Translator, on: bool, started: bool, bot_username: str) -> str:
    """The answer to /remindme."""
    if not on:
        return t.gettext("Private reminders are off. The group is still reminded.")
    if started:
        return t.gettext("🔔 I will also remind you privately before each of your duties.")
    return t.gettext(
        "🔔 Private reminders are on, but I can only write to you once you open a chat with "
        "me: t.me/{bot} and press Start."
    ).format(bot=bot_username)


def topic_chosen(t: Translator, topic: bool) -> str:
    """The answer to /settings here."""
    if topic:
        return t.gettext("📌 Reminders, alerts and summaries will be posted in this topic.")
    return t.gettext("📌 Reminders, alerts and summaries will be posted in the main chat.")


def missing_alert(t: Translator, names: Sequence[str]) -> str:
    """The leaders' alert: who has not checked in."""
    if not names:
        return t.gettext("Everyone with a place has checked in.")
    return t.gettext("Not checked in yet: {names}").format(names=", ".join(names))[:190]


def _week_label(t: Translator, first: date, last: date) -> str:
    return f"{day_label(t, first)}–{day_label(t, last)}"


def weekly(t: Translator, week: Period, before: Period) -> str:
    """📊 The week against last week, and the top volunteers (a chart comes with it)."""
    lines = [
        t.gettext("📊 The week {week}").format(week=_week_label(t, week.first, week.last)),
        t.gettext("Volunteers {volunteers} · person-times {times} · hours {hours}").format(
            volunteers=week.volunteers, times=week.person_times,
            hours=hours_label(t, week.minutes),
        ),
        t.gettext("Last week: volunteers {volunteers} · person-times {times} · hours {hours}")
        .format(volunteers=before.volunteers, times=before.person_times,
                hours=hours_label(t, before.minutes)),
        numbers_line(t, week.reports),
    ]
    if week.top:
        lines.append(t.gettext("Most hours: {names}").format(names=t.gettext(", ").join(
            f"{esc(name)} {hours_label(t, minutes)}" for name, minutes in week.top
        )))
    return "\n".join(lines)[:1024]  # a photo caption holds 1024 characters


def monthly(t: Translator, group: str, first: date, month: Period) -> str:
    """📄 Last month's numbers, as plain lines a leader copies into the office's form."""
    label = format_skeleton("yMMMM", first, locale=locale_of(t))
    return "\n".join([
        t.gettext("📄 {group}: volunteer service in {month}").format(
            group=esc(group), month=label
        ),
        t.gettext("Person-times: {n}").format(n=month.person_times),
        t.gettext("Hours: {hours}").format(hours=hours_label(t, month.minutes)),
        t.gettext("Problems found: {n}").format(n=month.reports.problems),
        t.gettext("People dissuaded: {n}").format(n=month.reports.dissuaded),
        t.gettext("Litter picked: {kg}").format(kg=kg_label(t, month.reports.grams)),
        t.gettext("Residents served: {n}").format(n=month.reports.served),
    ])


def summary(
    t: Translator, book: DayBook, problems: Sequence[tuple[int, str]],
    gaps_tomorrow: Sequence[ShiftLine], zone: str,
) -> list[str]:
    """🌙 The day: each shift with who served and their hours, totals, reports, loose ends."""
    lines = [t.gettext("🌙 Summary of {day}").format(day=day_label(t, book.day))]
    for day in book.shifts:
        lines.append(f"<b>{_shift(t, day.shift, day.duty, zone)}</b>")
        served = [
            f"{esc(book.names.get(a.person_id, '?'))} {hours_label(t, a.minutes or 0)}"
            for a in day.came if not a.is_open
        ]
        lines.append("  " + (t.gettext(", ").join(served) if served else t.gettext("nobody")))
    for a in book.ad_hoc:
        lines.append(t.gettext("Outside the roster: {name} {hours}").format(
            name=esc(book.names.get(a.person_id, "?")), hours=hours_label(t, a.minutes or 0)
        ))
    lines.append("")
    lines.append(t.gettext(
        "Volunteers {volunteers} · person-times {times} · hours {hours}"
    ).format(volunteers=book.volunteers, times=book.person_times,
             hours=hours_label(t, book.confirmed_minutes + book.pending_minutes)))
    if book.pending_minutes:
        lines.append(t.gettext("Waiting for a leader to confirm: {hours}").format(
            hours=hours_label(t, book.pending_minutes)
        ))
    lines.append(t.ngettext("{n} report: ", "{n} reports: ", book.reports.reports).format(
        n=book.reports.reports) + numbers_line(t, book.reports))
    if problems:
        lines.append(t.gettext("Open problems:"))
        lines += [f"  #{pid} {esc(text)}" for pid, text in problems]
    if book.still_in:
        lines.append(t.ngettext(
            "{n} person has not checked out yet.", "{n} people have not checked out yet.",
            book.still_in,
        ).format(n=book.still_in))
    if gaps_tomorrow:
        lines.append(t.gettext("Tomorrow still needs people:"))
        lines += [
            f"  #{g.shift.id} {_shift(t, g.shift, g.duty, zone)}" + spacer(t)
            + t.gettext("(needs {n} more)").format(n=g.shift.need_min - len(g.names))
            for g in gaps_tomorrow
        ]
    return chunk_lines(lines)
