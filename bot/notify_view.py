"""Rendering what the scheduler posts: reminders, the day-before roster, gap and no-show
alerts, the daily summary."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.longtext import cut_html
from bot.render import chunk_lines, esc, join_names, mention, spacer
from bot.views.labels import (
    clock_label,
    day_label,
    hours_label,
    locale_of,
    weekday_label,
    window_label,
)
from bot.views.reports import numbers_line
from bot.views.roster import ShiftLine
from bot.views.today import day_totals, pending_lines, presence_mark, record_state, star_name
from storage.claims import still_needed
from storage.daybook import DayBook, Figures, Period
from storage.ids import parse_id
from storage.models import Duty, Shift, StarLevel

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
        short = still_needed(line.shift, len(line.names))
        extra = spacer(t) + t.gettext("(needs {n} more)").format(n=short) if short else ""
        out.append(f"#{line.shift.id} {_shift(t, line.shift, line.duty, zone)} — {who}{extra}")
    return chunk_lines(out)


def gap_alert(
    t: Translator, short: Sequence[tuple[Shift, Duty, int]], leaders: Sequence[Person],
    zone: str,
) -> str:
    """🆘 Shifts still below their minimum (one message for those due together); the
    leaders mentioned."""
    lines = [
        t.gettext(
            "🆘 {shift} on {day} still needs {n} more (has {have} of {need}). Who can come? "
            "Tap below."
        ).format(shift=_shift(t, shift, duty, zone), day=day_label(t, shift.local_date),
                 n=still_needed(shift, have), have=have, need=shift.need_min)
        for shift, duty, have in short
    ]
    text = "\n".join(lines)
    if leaders:
        text += "\n" + t.gettext("Leaders: {names}").format(names=_people(t, leaders))
    return text


def claim_buttons(
    t: Translator, short: Sequence[tuple[Shift, Duty, int]], zone: str
) -> InlineKeyboardMarkup:
    """One "I can come" button per short shift (its time and place, when there are several)."""
    if len(short) == 1:
        return claim_button(t, short[0][0])
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(
            t.gettext("🙋 I can come: {when}").format(
                when=f"{weekday_label(t, s.local_date)} "
                     f"{clock_label(t, s.start_at.astimezone(ZoneInfo(zone)).time())}"
                     + (f" @{d.place}" if d.place else f" {d.name}")
            ),
            callback_data=f"claim:{s.id}",
        )]
        for s, d, _have in short[:20]
    ])


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
    return "\n".join(lines)  # long: it goes out in parts (bot.longtext)


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
    return t.gettext("Not checked in yet: {names}").format(names=t.gettext(", ").join(names))[:190]


def _week_label(t: Translator, first: date, last: date) -> str:
    return f"{day_label(t, first)}–{day_label(t, last)}"


def weekly(t: Translator, week: Period, before: Period) -> str:
    """📊 The week against last week, and the top volunteers (a chart comes with it)."""
    lines = [
        t.gettext("📊 The week {week}").format(week=_week_label(t, week.first, week.last)),
        t.gettext("Volunteers {volunteers} · person-times {times} · hours {hours}").format(
            volunteers=week.volunteers, times=week.person_times,
            hours=hours_label(t, week.hours.confirmed),
        ),
        *pending_lines(t, week.hours),
        t.gettext("Last week: volunteers {volunteers} · person-times {times} · hours {hours}")
        .format(volunteers=before.volunteers, times=before.person_times,
                hours=hours_label(t, before.hours.confirmed)),
        numbers_line(t, week.reports, week.tracked),
    ]
    if week.top:
        lines.append(t.gettext("Most hours: {names}").format(names=t.gettext(", ").join(
            f"{esc(name)} {hours_label(t, minutes)}" for name, minutes in week.top
        )))
    return cut_html("\n".join(lines), 1024)  # a photo caption holds 1024 characters


def _figures_line(t: Translator, label: str, f: Figures) -> str:
    text = t.gettext("{label}: shifts {shifts} · person-times {times} · hours {hours}").format(
        label=label, shifts=f.shifts_held, times=f.person_times,
        hours=hours_label(t, f.hours.confirmed),
    )
    if f.hours.pending:
        text += spacer(t) + t.gettext("(+{hours} to confirm)").format(
            hours=hours_label(t, f.hours.pending)
        )
    return text


def month_view(
    t: Translator, group: str, first: date, month: Period, *, volunteers: int | None = None
) -> list[str]:
    """📄 A month as a leader reports it to the office: volunteers, shifts held, person-times,
    confirmed and pending hours, per duty and per place, no-shows, problems, hours per
    volunteer. `volunteers` caps that list (the private report; /summary shows all)."""
    label = format_skeleton("yMMMM", first, locale=locale_of(t))
    lines = [
        t.gettext("📄 {group}: volunteer service in {month}").format(
            group=esc(group), month=label
        ),
        t.gettext("Volunteers: {n}").format(n=month.volunteers),
        t.gettext("Shifts held: {n}").format(n=month.shifts_held),
        t.gettext("Person-times: {n}").format(n=month.person_times),
        t.gettext("Hours: {hours}").format(hours=hours_label(t, month.hours.confirmed)),
        *pending_lines(t, month.hours),
        t.gettext("No-shows: {n}").format(n=month.no_shows),
        numbers_line(t, month.reports, month.tracked),
    ]
    if month.per_duty:
        lines.append("<b>" + t.gettext("Per duty") + "</b>")
        for f in month.per_duty:
            name = esc(f.name) if f.name else t.gettext("hours outside the roster")
            if f.place:
                name += f" @{esc(f.place)}"
            lines.append("  " + _figures_line(t, name, f))
    if month.per_place:
        lines.append("<b>" + t.gettext("Per place") + "</b>")
        lines += ["  " + _figures_line(t, esc(f.place or ""), f) for f in month.per_place]
    if month.per_volunteer:
        lines.append("<b>" + t.gettext("Hours per volunteer") + "</b>")
        shown = month.per_volunteer[:volunteers] if volunteers else month.per_volunteer
        for name, hours in shown:
            row = f"  {esc(name)} {hours_label(t, hours.confirmed)}"
            if hours.pending:
                row += spacer(t) + t.gettext("(+{hours} to confirm)").format(
                    hours=hours_label(t, hours.pending)
                )
            lines.append(row)
        if len(shown) < len(month.per_volunteer):
            lines.append("  " + t.gettext("… and {n} more: /summary {month} in the group").format(
                n=len(month.per_volunteer) - len(shown), month=f"{first:%Y-%m}"
            ))
    return chunk_lines(lines)


def month_link(t: Translator, first: date) -> str:
    """In the group, for leaders who have not started the bot: the month is ready privately."""
    label = format_skeleton("yMMMM", first, locale=locale_of(t))
    return t.gettext(
        "📄 The report for {month} is ready. Leaders: tap below to read it in a private chat."
    ).format(month=label)


def month_link_keyboard(
    t: Translator, bot_username: str, group_id: int, first: date
) -> InlineKeyboardMarkup:
    """The one-tap deep link to the month's report."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        t.gettext("Open in private chat"),
        url=f"https://t.me/{bot_username}?start={month_payload(group_id, first)}",
    )]])


def month_payload(group_id: int, first: date, kind: str = "month") -> str:
    """`month-12-2026-11` (or `noshows-…`): a start payload naming a group's month (A–Z,
    a–z, 0–9, _ and -, at most 64)."""
    return f"{kind}-{group_id}-{first:%Y-%m}"


def parse_month_payload(payload: str, kind: str = "month") -> tuple[int, date] | None:
    """The group and month a `month-…` (or `noshows-…`) start payload names; None for
    anything else, including a group number no record can have."""
    match = re.fullmatch(rf"{kind}-([0-9]{{1,10}})-([0-9]{{4}})-([0-9]{{2}})", payload)
    if match is None or not 1 <= int(match[3]) <= 12 or int(match[2]) < 1:
        return None
    group_id = parse_id(match[1])
    return None if not group_id else (group_id, date(int(match[2]), int(match[3]), 1))


def summary(
    t: Translator, book: DayBook, gaps_tomorrow: Sequence[ShiftLine], zone: str,
    stars: Sequence[tuple[str, StarLevel]] = (),
) -> list[str]:
    """🌙 The day: each shift with who served and their hours, totals, reports, loose ends."""
    lines = [t.gettext("🌙 Summary of {day}").format(day=day_label(t, book.day))]
    if stars:  # first: a long summary goes out in parts, and this part is the one sent
        lines += [*star_lines(t, stars), ""]
    for day in book.shifts:
        lines.append(f"<b>{_shift(t, day.shift, day.duty, zone)}</b>")
        served = [
            f"{esc(book.names.get(a.person_id, '?'))} {record_state(t, a, zone)}"
            f"{presence_mark(t, a)}"
            for a in day.came  # still there: "checked in 19:00", never "nobody"
        ]
        lines.append("  " + (t.gettext(", ").join(served) if served else t.gettext("nobody")))
    for a in book.ad_hoc:
        lines.append(t.gettext("Outside the roster: {name} {hours}").format(
            name=esc(book.names.get(a.person_id, "?")), hours=record_state(t, a, zone)
        ))
    lines.append("")
    lines += day_totals(t, book)
    lines.append(t.ngettext("{n} report: ", "{n} reports: ", book.reports.reports).format(
        n=book.reports.reports) + numbers_line(t, book.reports, book.tracked))
    if book.tracked.open_then:
        lines.append(t.gettext("Open problems:"))
        lines += [f"  #{p.id} {esc(p.text)}" for p in book.tracked.open_then]
    if book.still_in:
        lines.append(t.ngettext(
            "{n} person has not checked out yet.", "{n} people have not checked out yet.",
            book.still_in,
        ).format(n=book.still_in))
    if gaps_tomorrow:
        lines.append(t.gettext("Tomorrow still needs people:"))
        lines += [
            f"  #{g.shift.id} {_shift(t, g.shift, g.duty, zone)}" + spacer(t)
            + t.gettext("(needs {n} more)").format(n=still_needed(g.shift, len(g.names)))
            for g in gaps_tomorrow
        ]
    return chunk_lines(lines)


def star_lines(t: Translator, reached: Sequence[tuple[str, StarLevel]]) -> list[str]:
    """🎉 王阿姨服务满 300 小时，升为二星志愿者！ — one line each."""
    return [
        t.gettext("🎉 {name} has served {hours} and is now a {level} volunteer!").format(
            name=esc(name), hours=hours_label(t, level.hours * 60),
            level=star_name(t, level.level),
        )
        for name, level in reached
    ]


def star_private(t: Translator, scope: str, level: StarLevel) -> str:
    """The volunteer's own note of a level reached."""
    return t.gettext(
        "🎉 Congratulations! You have served {hours} with {scope} and are now a {level} "
        "volunteer. /me shows your record."
    ).format(scope=esc(scope), hours=hours_label(t, level.hours * 60),
             level=star_name(t, level.level))
