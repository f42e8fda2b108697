"""/today and /me: the day as it stands, and a volunteer's own record."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import (
    chunk_lines,
    esc,
    plain_text,
    spacer,
)
from bot.views.labels import at_label, day_label, hours_label, shift_label
from bot.views.record import ask_button, record_lines
from bot.views.reports import numbers_line
from storage.attendance import CheckSource
from storage.daybook import DayBook, MyRecord
from storage.hours import Minutes
from storage.models import Attendance
from storage.recognition import Stars


def pending_lines(t: Translator, hours: Minutes) -> list[str]:
    """The line under confirmed hours that every view shows when some wait for a leader."""
    if not hours.pending:
        return []
    return [t.gettext("Waiting for a leader to confirm: {hours}").format(
        hours=hours_label(t, hours.pending)
    )]


def day_totals(t: Translator, book: DayBook) -> list[str]:
    """A day's volunteers, person-times and hours (and those to confirm): /today and the
    summary say them alike."""
    return [
        t.gettext("Volunteers {volunteers} · person-times {times} · hours {hours}").format(
            volunteers=book.volunteers, times=book.person_times,
            hours=hours_label(t, book.confirmed_minutes),
        ),
        *pending_lines(t, Minutes(book.confirmed_minutes, book.pending_minutes)),
    ]


def record_state(t: Translator, a: Attendance, zone: str) -> str:
    """One record's hours as every view shows them: (to confirm), (void), or still in."""
    if a.voided:
        return t.gettext("{hours} (void)").format(hours=hours_label(t, a.minutes or 0))
    if a.is_open and a.checkin_at is not None:
        return t.gettext("checked in {time}").format(time=at_label(t, a.checkin_at, zone))
    state = hours_label(t, a.minutes or 0)
    if not a.confirmed:
        state += spacer(t) + t.gettext("(to confirm)")
    return state


def presence_mark(t: Translator, a: Attendance) -> str:
    """How presence was shown, compactly: （扫码） for a scan, 📍 for a location at the place
    (nothing for a check-in in the group)."""
    if a.checkin_source == CheckSource.SCAN:
        return spacer(t) + t.gettext("[scanned]")
    if a.checkin_source == CheckSource.LOCATION:
        return " 📍"
    return ""


def _attendance_line(t: Translator, a: Attendance, name: str, zone: str) -> str:
    state = record_state(t, a, zone)
    marks = ""
    if a.walk_in:
        marks += spacer(t) + t.gettext("[walk-in]")
    marks += presence_mark(t, a)
    if a.companions:
        marks += " " + t.gettext("+{n}").format(n=a.companions)
    return f"  ✅ {esc(name)} — {state}{marks}"


def today_text(t: Translator, book: DayBook, zone: str) -> list[str]:
    """/today: shifts with who came, hours so far, report totals."""
    lines = [t.gettext("📋 Today, {day}").format(day=day_label(t, book.day))]
    if not book.shifts and not book.ad_hoc:
        lines.append(t.gettext("No shifts today."))
    for day in book.shifts:
        lines.append(f"<b>{shift_label(t, day.shift, day.duty, zone)}</b>")
        came = {a.person_id for a in day.came}
        for a in day.came:
            lines.append(_attendance_line(t, a, book.names.get(a.person_id, "?"), zone))
        for person_id in day.claimed:
            if person_id not in came:
                lines.append("  ⏳ " + t.gettext("{name} — not checked in").format(
                    name=esc(book.names.get(person_id, "?"))
                ))
        if not day.came and not day.claimed:
            lines.append("  " + t.gettext("nobody yet"))
    if book.ad_hoc:
        lines.append("<b>" + t.gettext("Outside the roster") + "</b>")
        lines += [_attendance_line(t, a, book.names.get(a.person_id, "?"), zone)
                  for a in book.ad_hoc]
    lines.append("")
    lines += day_totals(t, book)
    if book.still_in:
        lines.append(t.ngettext("{n} person still checked in.", "{n} people still checked in.",
                                book.still_in).format(n=book.still_in))
    lines.append(t.ngettext("{n} report: ", "{n} reports: ", book.reports.reports).format(
        n=book.reports.reports) + numbers_line(t, book.reports, book.tracked))
    if book.open_problems:
        lines.append(t.ngettext("{n} open problem (/problems).", "{n} open problems (/problems).",
                                book.open_problems).format(n=book.open_problems))
    return chunk_lines(lines)


def me_text(t: Translator, name: str, record: MyRecord) -> str:
    """/me: my hours (confirmed and pending), coming shifts, my reports this month."""

    def row(label: str, m: Minutes) -> str:
        text = t.gettext("{label}: {hours}").format(label=label, hours=hours_label(t, m.confirmed))
        if m.pending:
            pending = hours_label(t, m.pending)
            text += spacer(t) + t.gettext("(+{hours} to confirm)").format(hours=pending)
        return text

    lines = [
        t.gettext("🙋 {name}").format(name=esc(name)),
        row(t.gettext("This month"), record.month),
        row(t.gettext("This year"), record.year),
        row(t.gettext("All time"), record.total),
    ]
    several = len(record.stars) > 1
    for standing in record.stars:
        line = stars_line(t, standing.stars)
        lines.append(t.gettext("{team}: {stars}").format(team=esc(standing.scope.name),
                                                          stars=line)
                     if several else line)
        if standing.opening_minutes:
            lines.append("  " + t.gettext("(stars include {hours} served before the bot)").format(
                hours=hours_label(t, standing.opening_minutes)
            ))
        if standing.number is not None:
            lines.append(t.gettext("Volunteer number: {number}").format(number=standing.number))
    if record.real_name:
        lines.append(t.gettext("Real name: {name} (documents, leaders and office staff only)"
                               ).format(name=esc(record.real_name)))
    else:
        lines.append(plain_text(t, "Real name: not given (/realname <your real name>)"))
    if record.hidden:
        lines.append(t.gettext("Your name is left out of top lists and announcements."))
    lines += record_lines(t, record.record)
    upcoming, mine = record.upcoming, record.reports
    if upcoming:
        lines.append(t.gettext("Coming shifts:"))
        lines += [
            f"  {day_label(t, s.local_date)} {shift_label(t, s, d, zone)}"
            for s, d, zone in upcoming
        ]
    else:
        lines.append(t.gettext("No coming shifts. /shift shows the roster."))
    lines.append(t.ngettext(
        "My reports this month: {n} — ", "My reports this month: {n} — ", mine.reports
    ).format(n=mine.reports) + numbers_line(t, mine))
    return "\n".join(lines)


ZH_NUMERALS = "零一二三四五六七八九十"


def star_name(t: Translator, level: int) -> str:
    """一星 … 五星 / 1 star … 5 stars."""
    shown = ZH_NUMERALS[level] if t.language == "zh_CN" and level <= 10 else str(level)
    return t.ngettext("{n} star", "{n} stars", level).format(n=shown)


def stars_line(t: Translator, reached: Stars) -> str:
    """"⭐⭐ 二星 · 还差 37 小时到三星": the level by confirmed hours and the way to the next."""
    parts = []
    if reached.level:
        parts.append("⭐" * reached.level + " " + star_name(t, reached.level))
    if reached.next_hours is not None:
        parts.append(t.gettext("{hours} more to {level}").format(
            hours=hours_label(t, reached.missing_minutes),
            level=star_name(t, reached.level + 1),
        ))
    return t.gettext(" · ").join(parts)


def nothing_yet(t: Translator) -> str:
    """/me from someone the bot has no records of."""
    return t.gettext("No records yet. Sign up in your team's group with /signup.")


def me_keyboard(t: Translator, hidden: bool) -> InlineKeyboardMarkup:
    """/me's toggle: leave my name out of top lists and announcements, or show it again."""
    if hidden:
        button = InlineKeyboardButton(t.gettext("Show my name again"), callback_data="mehide:0")
    else:
        button = InlineKeyboardButton(
            t.gettext("Leave my name out of top lists"), callback_data="mehide:1"
        )
    certificate = InlineKeyboardButton(t.gettext("📜 Ask for a service certificate"),
                                       callback_data="certme:0")
    return InlineKeyboardMarkup([[button], [ask_button(t)], [certificate]])


def hidden_toast(t: Translator, hidden: bool) -> str:
    """The answer to the toggle."""
    if hidden:
        return t.gettext("Your name is left out of top lists and announcements now")
    return t.gettext("Your name shows in top lists and announcements again")


def open_privately_keyboard(t: Translator, bot_username: str, payload: str) -> InlineKeyboardMarkup:
    """One deep-link button to the private chat."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        t.gettext("Open in private chat"), url=f"https://t.me/{bot_username}?start={payload}"
    )]])


def open_privately(t: Translator) -> str:
    """Why the answer needs a private chat."""
    return t.gettext(
        "Your records are private. Tap the button, press Start, and I will show them there."
    )
