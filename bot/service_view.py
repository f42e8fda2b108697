"""Rendering service records: check-in and out, hours, reports, problems, /today and /me."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Translator
from bot.render import chunk_lines, esc, plain_text, quote, spacer
from bot.roster_view import clock_label, day_label, locale_of, window_label
from storage import attendance as att
from storage import corrections, noshows, reports, settings
from storage.daybook import DayBook, MyRecord
from storage.hours import Minutes
from storage.models import Attendance, Duty, Evidence, Problem, Report, ReportDraft, Shift


def hours_label(t: Translator, minutes: int) -> str:
    """`2.5 小时` / `2.5 h`."""
    value = format_decimal(minutes / 60, format="#,##0.##", locale=locale_of(t))
    return t.gettext("{hours} h").format(hours=value)


def kg_label(t: Translator, grams: int) -> str:
    """`1.5 公斤` / `1.5 kg`."""
    value = format_decimal(grams / 1000, format="#,##0.###", locale=locale_of(t))
    return t.gettext("{kg} kg").format(kg=value)


def _at(t: Translator, moment: datetime, zone: str) -> str:
    return clock_label(t, moment.astimezone(ZoneInfo(zone)).time())


def _shift_label(t: Translator, shift: Shift, duty: Duty | None, zone: str) -> str:
    name = esc(duty.name) if duty else t.gettext("shift #{id}").format(id=shift.id)
    label = f"{name} {window_label(t, shift.start_at, shift.end_at, zone)}"
    if duty is not None and duty.place:
        label += f" @{esc(duty.place)}"
    return label


def overlap_label(t: Translator, found: att.Overlaps, zone: str) -> str:
    """The record a new one would overlap: its day, time, duty and team."""
    a = found.attendance
    first = a.served_from or a.checkin_at
    if first is None:  # pragma: no cover - overlapping() finds only records with a span
        return day_label(t, a.local_date)
    if a.served_until is None:
        when = t.gettext("checked in {time}").format(time=_at(t, first, zone))
    else:
        when = window_label(t, first, a.served_until, zone)
    what = esc(found.duty_name) if found.duty_name else t.gettext("hours outside the roster")
    return t.gettext("{day} {when} {what} ({team})").format(
        day=day_label(t, a.local_date), when=when, what=what, team=esc(found.group_title)
    )


# ---- check in and out ----------------------------------------------------------------------

def checkin_usage(t: Translator) -> str:
    """How /checkin is used."""
    return t.gettext(
        "Check in when you arrive: /checkin. If family members came along: /checkin +2 "
        "(at most {n}). To say where you are: /checkin 3号点."
    ).format(n=att.MAX_COMPANIONS)


def checkin_outcome(
    t: Translator, name: str, result: att.CheckInResult, duty: Duty | None, zone: str
) -> str:
    """The answer to /checkin."""
    match result:
        case att.CheckedIn(attendance, shift, walk_in):
            assert attendance.checkin_at is not None
            text = t.gettext("✅ {name} checked in at {time}: {shift}.").format(
                name=esc(name), time=_at(t, attendance.checkin_at, zone),
                shift=_shift_label(t, shift, duty, zone),
            )
            if attendance.companions:
                text += spacer(t) + t.ngettext(
                    "{n} family member came along.", "{n} family members came along.",
                    attendance.companions,
                ).format(n=attendance.companions)
            if walk_in:
                text += spacer(t) + t.gettext(
                    "(Not on the roster for this shift: recorded as a walk-in for the leaders.)"
                )
            return text
        case att.AlreadyCheckedIn(attendance, _):
            assert attendance.checkin_at is not None
            return t.gettext(
                "{name}, you are already checked in since {time}. Send /checkout when you "
                "leave."
            ).format(name=esc(name), time=_at(t, attendance.checkin_at, zone))
        case att.AlreadyServed(attendance, shift):
            return t.gettext(
                "{name}, you already checked in and out of {shift}. A leader can correct "
                "hours with /hours."
            ).format(name=esc(name), shift=_shift_label(t, shift, duty, zone))
        case att.NoShiftAtPlace(place, places) if places:
            return t.gettext(
                "No shift at “{place}” is open for check-in now. Open now: {places}."
            ).format(place=quote(place), places=t.gettext(", ").join(esc(p) for p in places))
        case att.NoShiftAtPlace(place, _):
            return t.gettext(
                "No shift at “{place}” is open for check-in now. Send /checkin alone to check "
                "in to the shift that is on."
            ).format(place=quote(place))
        case att.Overlaps():
            return t.gettext(
                "{name}, this time overlaps a record you already have: {record}. One person "
                "serves one shift at a time."
            ).format(name=esc(name), record=overlap_label(t, result, zone))
        case att.NoShiftNow(next_shift, opens_at):
            if next_shift is None or opens_at is None:
                return t.gettext(
                    "There is no shift to check in to now, and none is planned. Leaders add "
                    "duties with /duty add."
                )
            return t.gettext(
                "No shift is open for check-in now. The next is {shift} on {day}; check-in "
                "opens at {time}."
            ).format(
                shift=_shift_label(t, next_shift, duty, zone),
                day=day_label(t, next_shift.local_date),
                time=_at(t, opens_at, zone),
            )


def elsewhere_keyboard(
    t: Translator, elsewhere: Sequence[tuple[Shift, str]]
) -> InlineKeyboardMarkup:
    """"Not here?" buttons under a walk-in's check-in: one per other place running now.

    A tap moves the tapper's own check-in, so a combined acknowledgement can carry them.
    """
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(
            t.gettext("Not here? I am at {place}").format(place=place),
            callback_data=f"moveto:{shift.id}",
        )]
        for shift, place in elsewhere[:6]
    ])


def move_outcome(
    t: Translator, name: str, result: att.MoveResult, duty: Duty | None, zone: str
) -> str:
    """The toast after "Not here?" (plain text: toasts are not HTML)."""
    match result:
        case att.Moved(_attendance, shift, _place):
            return t.gettext("✅ {name}, your check-in moved to {shift}.").format(
                name=name, shift=html_to_plain_label(_shift_label(t, shift, duty, zone))
            )
        case att.NothingToMove():
            return t.gettext(
                "You have no walk-in check-in here to move. Check in with /checkin first."
            )
        case att.NotRunningThen():
            return t.gettext("That shift was not on when you checked in.")
        case att.Overlaps():
            return t.gettext(
                "{name}, that time overlaps a record you already have: {record}."
            ).format(name=name, record=html_to_plain_label(overlap_label(t, result, zone)))


def html_to_plain_label(text: str) -> str:
    """A label rendered for HTML, back to the characters a toast shows."""
    return html.unescape(text)


def checkout_outcome(
    t: Translator, name: str, result: att.CheckOutResult, duty: Duty | None, zone: str
) -> str:
    """The answer to /checkout."""
    match result:
        case att.CheckedOut(attendance, _, too_short=True, min_presence=least):
            assert attendance.checkout_at is not None
            return t.gettext(
                "👋 {name} checked out at {time}. Less than {n} minutes on duty: no hours are "
                "credited for this check-in."
            ).format(name=esc(name), time=_at(t, attendance.checkout_at, zone), n=least)
        case att.CheckedOut(attendance, _):
            minutes = attendance.minutes or 0
            if attendance.evidence is Evidence.AUTO:
                assert attendance.checkout_at is not None
                return t.gettext(
                    "{name}, your check-out came after {time}, so it counts as forgotten: "
                    "{hours} recorded up to the end of the shift, waiting for a leader to "
                    "confirm."
                ).format(name=esc(name), time=_at(t, attendance.checkout_at, zone),
                         hours=hours_label(t, minutes))
            assert attendance.checkout_at is not None
            text = t.gettext("👋 {name} checked out at {time}: {hours}. Thank you!").format(
                name=esc(name), time=_at(t, attendance.checkout_at, zone),
                hours=hours_label(t, minutes),
            )
            if attendance.walk_in:
                text += spacer(t) + t.gettext(
                    "As a walk-in, the hours wait for a leader to confirm them."
                )
            if result.capped:
                text += spacer(t) + t.gettext("A day counts at most 24 hours.")
            return text
        case att.NotCheckedIn(last) if last is not None and last.checkout_at is not None:
            return t.gettext(
                "{name}, you are not checked in. Your last check-out was at {time} on {day} "
                "({hours})."
            ).format(name=esc(name), time=_at(t, last.checkout_at, zone),
                     day=day_label(t, last.local_date), hours=hours_label(t, last.minutes or 0))
        case att.NotCheckedIn():
            return t.gettext(
                "{name}, you are not checked in. Send /checkin when you arrive."
            ).format(name=esc(name))
        case att.CheckedInElsewhere():
            return t.gettext(
                "{name}, your open check-in is in another group. Send /checkout there."
            ).format(name=esc(name))


# ---- hours (leaders) -----------------------------------------------------------------------

def hours_usage(t: Translator) -> str:
    """How /hours is used."""
    return t.gettext(
        "Leaders add or correct hours: reply to the person (or name them) with\n"
        "/hours @name 2026-11-24 2.5 [note]\n/hours @name yesterday 19:00-21:00 [note]\n"
        "and confirm a day's records with /hours confirm 2026-11-24."
    )


def hours_outcome(t: Translator, name: str, result: corrections.SetHoursResult, zone: str) -> str:
    """The answer to /hours <person> …: what changed, or which rule stopped it."""
    match result:
        case corrections.HoursSet(attendance, before) if before is not None:
            old = before.get("minutes")
            return t.gettext(
                "✏️ Hours of {name} on {day} corrected: {before} → {after}. The original is "
                "kept in the audit log."
            ).format(name=esc(name), day=day_label(t, attendance.local_date),
                     before=hours_label(t, old if isinstance(old, int) else 0),
                     after=hours_label(t, attendance.minutes or 0))
        case corrections.HoursSet(attendance, _):
            return t.gettext("✏️ {hours} added for {name} on {day} (confirmed by you).").format(
                name=esc(name), day=day_label(t, attendance.local_date),
                hours=hours_label(t, attendance.minutes or 0),
            )
        case corrections.Voided(attendance, _):
            return t.gettext(
                "🗑 The record of {name} on {day} ({hours}) is void: it stays in the ledger "
                "marked void and counts nowhere. Reason: {note}"
            ).format(name=esc(name), day=day_label(t, attendance.local_date),
                     hours=hours_label(t, attendance.minutes or 0),
                     note=esc(attendance.note or ""))
        case corrections.OwnHours():
            return t.gettext(
                "Nobody enters, corrects or confirms their own hours: please ask another leader."
            )
        case corrections.WhichRecord(records):
            times = t.gettext(", ").join(
                f"{_at(t, r.checkin_at, zone)}–{_at(t, r.checkout_at, zone)}"
                for r in records if r.checkin_at and r.checkout_at
            )
            if not times and len(records) == 1:
                return t.gettext(
                    "{name} is still checked in that day: correct the record after the "
                    "check-out."
                ).format(name=esc(name))
            return t.gettext(
                "{name} has several records that day ({times}). Give the time, for example "
                "19:00-21:00, to say which one."
            ).format(name=esc(name), times=times or len(records))
        case corrections.FutureDay():
            return future_date(t)
        case corrections.TooFarBack(earliest, days):
            return t.gettext(
                "That is too far back: hours can be entered for the last {n} days, from {day} "
                "on (the setting hours_backdate_days)."
            ).format(n=days, day=day_label(t, earliest))
        case corrections.ZeroNothingToVoid():
            return t.gettext(
                "0 hours adds nothing: {name} has no record that day. To void a record, give "
                "0 and a reason on a day that has one."
            ).format(name=esc(name))
        case corrections.VoidNeedsReason(attendance):
            return t.gettext(
                "0 hours voids the record of {name} on {day}. Please add the reason, for "
                "example: /hours {name} {date} 0 checked in from home."
            ).format(name=esc(name), day=day_label(t, attendance.local_date),
                     date=f"{attendance.local_date:%Y-%m-%d}")
        case corrections.DayFull(other):
            return t.gettext(
                "{name} already has {hours} recorded that day: a day counts at most 24 hours."
            ).format(name=esc(name), hours=hours_label(t, other))
        case att.Overlaps():
            return t.gettext(
                "This time overlaps a record {name} already has: {record}. Correct that one, "
                "or give another time."
            ).format(name=esc(name), record=overlap_label(t, result, zone))
        case corrections.NotMemberThen():
            return t.gettext(
                "{name} is no longer a member here: only their records from when they were "
                "a member can be corrected."
            ).format(name=esc(name))


def day_confirmed(
    t: Translator, day: date, result: corrections.DayConfirmed, names: dict[int, str]
) -> str:
    """The answer to /hours confirm <date>: whose hours were confirmed."""
    if result.records:
        who = t.gettext(", ").join(
            f"{esc(names.get(a.person_id, '?'))} {hours_label(t, a.minutes or 0)}"
            for a in result.records
        )
        text = t.gettext("✅ Confirmed for {day}: {who}.").format(day=day_label(t, day), who=who)
    else:
        text = t.gettext("Nothing to confirm for {day}.").format(day=day_label(t, day))
    if result.own_skipped:
        text += spacer(t) + t.ngettext(
            "{n} of them is your own: another leader confirms it.",
            "{n} of them are your own: another leader confirms them.",
            result.own_skipped,
        ).format(n=result.own_skipped)
    if result.still_open:
        text += spacer(t) + t.ngettext(
            "{n} person is still checked in.", "{n} people are still checked in.",
            result.still_open,
        ).format(n=result.still_open)
    return text


def bad_date(t: Translator, raw: str) -> str:
    """A date we could not read."""
    return t.gettext(
        "I could not read the date “{raw}”. Write it as 2026-11-24, 11-24, today or yesterday."
    ).format(raw=quote(raw))


def bad_hours(t: Translator, raw: str) -> str:
    """Hours we could not read."""
    return t.gettext(
        "I could not read the hours “{raw}”. Write a number of hours (2 or 1.5, at most 24) "
        "or a time range like 19:00-21:00."
    ).format(raw=quote(raw))


def future_summary(t: Translator) -> str:
    """/summary for a day still ahead."""
    return t.gettext("That day has not come yet: /shift shows who is on the coming shifts.")


def future_date(t: Translator) -> str:
    """Hours for a day that has not come."""
    return t.gettext("That day has not come yet: hours are recorded after the service.")


# ---- no-shows ------------------------------------------------------------------------------

def noshow_usage(t: Translator) -> str:
    """How /noshow is used."""
    return plain_text(
        t,
        "Leaders mark a volunteer who did not come: /noshow <shift number> @name [reason] "
        "(or reply to them). The count is shown to leaders only.",
    )


def noshow_outcome(t: Translator, name: str, result: noshows.NoShowResult) -> str:
    """The group's answer to /noshow: no counts, no blame."""
    match result:
        case noshows.NoShowMarked() | noshows.NoShowAlready():
            return t.gettext("Noted. Only leaders see this record.")
        case noshows.NotStartedYet():
            return t.gettext("That shift has not started yet.")
        case noshows.NotClaimed():
            return t.gettext("{name} had no place on that shift.").format(name=esc(name))
        case noshows.CameAfterAll():
            return t.gettext("{name} checked in to that shift: not a no-show.").format(
                name=esc(name)
            )
        case _:
            return t.gettext("There is no such shift in this group.")


def noshow_private(t: Translator, name: str, count: int, group: str) -> str:
    """What the leader hears privately: the running count."""
    return t.ngettext(
        "{name} has {n} recorded no-show in {group}.",
        "{name} has {n} recorded no-shows in {group}.",
        count,
    ).format(name=esc(name), n=count, group=esc(group))


def bad_month(t: Translator, raw: str) -> str:
    """A month we could not read."""
    return t.gettext(
        "I could not read the month “{raw}”. Write it as 2026-11, 11月 or 上个月."
    ).format(raw=quote(raw))


def no_shows_list(
    t: Translator, group: str, first: date, found: Sequence[noshows.NoShowEntry], zone: str
) -> str:
    """/noshows: a month's no-shows, for a leader's eyes only."""
    label = format_skeleton("yMMMM", first, locale=locale_of(t))
    lines = [t.gettext("🗒 No-shows in {group}, {month}:").format(group=esc(group), month=label)]
    if not found:
        lines.append(t.gettext("None."))
        return "\n".join(lines)
    counts: dict[str, int] = {}
    for entry in found:
        line = (f"{day_label(t, entry.shift.local_date)} "
                f"{_shift_label(t, entry.shift, entry.duty, zone)} — {esc(entry.name)}")
        if entry.no_show.reason:
            line += spacer(t) + t.gettext("(reason: {reason})").format(
                reason=esc(entry.no_show.reason)
            )
        lines.append(line)
        counts[entry.name] = counts.get(entry.name, 0) + 1
    lines.append(t.gettext("In all: {people}").format(people=t.gettext(", ").join(
        t.gettext("{name} {n}").format(name=esc(name), n=n)
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )))
    return "\n".join(lines)


# ---- reports -------------------------------------------------------------------------------

FIELD_LABELS = {
    "problems": N_("problems"),
    "dissuaded": N_("dissuaded"),
    "kg": N_("kg of litter"),
    "served": N_("residents served"),
}


def report_usage(t: Translator) -> str:
    """How /report is used."""
    return t.gettext(
        "Report what you found: /report problems=2 dissuaded=5 kg=3 served=10 text, or in "
        "Chinese 劝导3次 问题2个 捡了3斤 服务10人 (3斤 is 1.5 kg, 2斤半 is 1.25 kg). Send "
        "/report alone for buttons, or put /report in a photo's caption."
    )


def report_syntax_problem(t: Translator, problem: str, key: str, value: str) -> str:
    """Why the report was refused (nothing stored); `problem` is a ReportProblem's value."""
    match problem:
        case "unknown_key":
            text = t.gettext("I don't know “{key}”. I count: problems, dissuaded, kg, served.")
        case "not_a_number":
            text = t.gettext(
                "“{key}” needs a whole number (kg may have up to 3 decimals), not “{value}”."
            )
        case "negative":
            text = t.gettext("“{key}” cannot be negative ({value}).")
        case _:
            text = t.gettext("“{key}” appears twice: give each number once.")
    return (
        text.format(key=quote(key), value=quote(value))
        + "\n" + t.gettext("Nothing was stored.") + "\n" + report_usage(t)
    )


def report_refused(t: Translator, refused: reports.OutOfRange | reports.TextTooLong) -> str:
    """A report above the limits (nothing stored)."""
    match refused:
        case reports.OutOfRange("kg", limit):
            text = t.gettext(
                "More than {limit} kg in one report looks like a typo. Please check the number."
            ).format(limit=limit)
        case reports.OutOfRange(field, limit):
            text = t.gettext(
                "{field} above {limit} looks like a typo. Please check the number."
            ).format(field=t.gettext(FIELD_LABELS.get(field, field)), limit=limit)
        case reports.TextTooLong(length, limit):
            text = t.gettext(
                "The text is {length} characters; a report holds at most {limit}. Please "
                "shorten it."
            ).format(length=length, limit=limit)
    return text + "\n" + t.gettext("Nothing was stored.")


def numbers_line(
    t: Translator, numbers: reports.Numbers | reports.ReportTotals,
    tracked: reports.TrackedProblems | None = None,
) -> str:
    """`发现问题 2 · 劝导 5 次 · 分拣 3 公斤 · 服务居民 10 人次`; with the tracked problems
    (`/problem`) of the period named apart from the numbers typed into reports."""
    problems = str(numbers.problems)
    if tracked is not None and tracked.raised:
        problems += t.gettext(" (of which {raised} tracked, {resolved} resolved)").format(
            raised=tracked.raised, resolved=tracked.resolved
        )
    return t.gettext(
        "problems {problems} · dissuaded {dissuaded} · litter {kg} · served {served}"
    ).format(problems=problems, dissuaded=numbers.dissuaded,
             kg=kg_label(t, numbers.grams), served=numbers.served)


def report_filed(
    t: Translator, name: str, report: Report, photos: int, duty: Duty | None,
    shift: Shift | None, zone: str,
) -> str:
    """The answer to a stored report."""
    numbers = reports.Numbers(report.problems, report.dissuaded, report.grams, report.served)
    where = (
        _shift_label(t, shift, duty, zone) if shift is not None
        else t.gettext("outside a shift")
    )
    text = t.gettext("📝 Report from {name} ({where}): {numbers}.").format(
        name=esc(name), where=where, numbers=numbers_line(t, numbers)
    )
    if photos:
        text += spacer(t) + t.ngettext("{n} photo.", "{n} photos.", photos).format(n=photos)
    return text


def report_already(t: Translator) -> str:
    """A redelivered message."""
    return t.gettext("This report is already stored.")


def form_text(t: Translator, name: str, draft: ReportDraft) -> str:
    """The button form: what it holds so far."""
    numbers = reports.draft_numbers(draft)
    lines = [
        t.gettext("📝 Report of {name}: tap a field, then numbers; Save when done.").format(
            name=esc(name)
        ),
        numbers_line(t, numbers),
        t.gettext("Now setting: {field}").format(
            field=t.gettext(FIELD_LABELS.get(draft.field, draft.field))
        ),
    ]
    if draft.text:
        lines.append(t.gettext("Text: {text}").format(text=esc(draft.text)))
    return "\n".join(lines)


FORM_NUMBERS = (0, 1, 2, 3, 5, 10)


def form_keyboard(t: Translator, draft: ReportDraft) -> InlineKeyboardMarkup:
    """Fields, numbers, ±1, text, save, cancel: buttons only (privacy mode hides typing)."""
    d = draft.id
    fields = [
        InlineKeyboardButton(
            ("▶ " if draft.field == f else "") + t.gettext(FIELD_LABELS[f]),
            callback_data=f"rf:{d}:f:{f}",
        )
        for f in reports.FIELDS
    ]
    numbers = [InlineKeyboardButton(str(n), callback_data=f"rf:{d}:n:{n}") for n in FORM_NUMBERS]
    return InlineKeyboardMarkup([
        fields[:2], fields[2:], numbers,
        [InlineKeyboardButton("−1", callback_data=f"rf:{d}:s:-1"),
         InlineKeyboardButton("+1", callback_data=f"rf:{d}:s:1")],
        [InlineKeyboardButton(t.gettext("✍️ Text"), callback_data=f"rf:{d}:text"),
         InlineKeyboardButton(t.gettext("✅ Save"), callback_data=f"rf:{d}:save"),
         InlineKeyboardButton(t.gettext("✖ Cancel"), callback_data=f"rf:{d}:cancel")],
    ])


def form_not_yours(t: Translator) -> str:
    """Someone else tapped a person's form."""
    return t.gettext("This form belongs to someone else. Send /report for your own.")


def form_closed(t: Translator) -> str:
    """A tap on a saved or cancelled form."""
    return t.gettext("This form is closed. Send /report for a new one.")


def form_cancelled(t: Translator) -> str:
    """The form was cancelled."""
    return t.gettext("Report cancelled; nothing was stored.")


def form_text_prompt(t: Translator, name: str) -> str:
    """The ForceReply prompt for the form's free text."""
    return t.gettext(
        "{name}, reply to this message with what you want to add to the report."
    ).format(name=esc(name))


def form_text_asked(t: Translator) -> str:
    """Toast: where to type the form's text."""
    return t.gettext("Reply to my message below with your text.")


# ---- problems ------------------------------------------------------------------------------

def problem_usage(t: Translator) -> str:
    """How /problem is used."""
    return t.gettext(
        "Describe the problem after the command: /problem the bin at gate 3 is broken (a "
        "photo with this caption works too)."
    )


def problem_filed(t: Translator, name: str, problem: Problem, photos: int) -> str:
    """A problem is tracked."""
    text = t.gettext(
        "📌 Problem #{id} from {name} is recorded: {text}. Leaders close it with /resolve {id}."
    ).format(id=problem.id, name=esc(name), text=esc(problem.text))
    if photos:
        text += spacer(t) + t.ngettext("{n} photo.", "{n} photos.", photos).format(n=photos)
    return text


def problems_list(
    t: Translator, problems: Sequence[Problem], names: dict[int, str], zone: str
) -> list[str]:
    """/problems: the open ones."""
    if not problems:
        return [t.gettext("No open problems. 👍")]
    lines = [t.ngettext("📌 {n} open problem:", "📌 {n} open problems:", len(problems)).format(
        n=len(problems)
    )]
    for p in problems:
        local = p.created_at.astimezone(ZoneInfo(zone))
        lines.append(t.gettext("#{id} {day} {name}: {text}").format(
            id=p.id, day=day_label(t, local.date()), name=esc(names.get(p.person_id, "?")),
            text=esc(p.text),
        ))
    return chunk_lines(lines)


def resolve_usage(t: Translator) -> str:
    """How /resolve is used."""
    return plain_text(
        t,
        "Leaders close a problem with /resolve <number> [note]; /problems lists them.",
    )


def resolve_outcome(t: Translator, result: reports.ResolveResult) -> str:
    """The answer to /resolve in the group."""
    match result:
        case reports.ProblemResolved(problem, _):
            text = t.gettext("✅ Problem #{id} is resolved.").format(id=problem.id)
            if problem.resolution:
                text += spacer(t) + esc(problem.resolution)
            return text
        case reports.ProblemAlreadyResolved(problem):
            return t.gettext("Problem #{id} was already resolved.").format(id=problem.id)
        case _:
            return t.gettext("There is no such problem in this group. /problems lists them.")


def reporter_told(t: Translator, problem: Problem, group: str) -> str:
    """What the reporter hears when their problem is closed."""
    text = t.gettext("✅ The problem you reported in {group} is resolved: #{id} {text}").format(
        group=esc(group), id=problem.id, text=esc(problem.text)
    )
    if problem.resolution:
        text += "\n" + t.gettext("Leader's note: {note}").format(note=esc(problem.resolution))
    return text


# ---- /today and /me ------------------------------------------------------------------------

def pending_lines(t: Translator, hours: Minutes) -> list[str]:
    """The line under confirmed hours that every view shows when some wait for a leader."""
    if not hours.pending:
        return []
    return [t.gettext("Waiting for a leader to confirm: {hours}").format(
        hours=hours_label(t, hours.pending)
    )]


def record_state(t: Translator, a: Attendance, zone: str) -> str:
    """One record's hours as every view shows them: (to confirm), (void), or still in."""
    if a.voided:
        return t.gettext("{hours} (void)").format(hours=hours_label(t, a.minutes or 0))
    if a.is_open and a.checkin_at is not None:
        return t.gettext("checked in {time}").format(time=_at(t, a.checkin_at, zone))
    state = hours_label(t, a.minutes or 0)
    if not a.confirmed:
        state += spacer(t) + t.gettext("(to confirm)")
    return state


def _attendance_line(t: Translator, a: Attendance, name: str, zone: str) -> str:
    state = record_state(t, a, zone)
    marks = ""
    if a.walk_in:
        marks += spacer(t) + t.gettext("[walk-in]")
    if a.companions:
        marks += " " + t.gettext("+{n}").format(n=a.companions)
    return f"  ✅ {esc(name)} — {state}{marks}"


def today_text(t: Translator, book: DayBook, zone: str) -> list[str]:
    """/today: shifts with who came, hours so far, report totals."""
    lines = [t.gettext("📋 Today, {day}").format(day=day_label(t, book.day))]
    if not book.shifts and not book.ad_hoc:
        lines.append(t.gettext("No shifts today."))
    for day in book.shifts:
        lines.append(f"<b>{_shift_label(t, day.shift, day.duty, zone)}</b>")
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
    lines.append(t.gettext(
        "Volunteers {volunteers} · person-times {times} · hours {hours}"
    ).format(volunteers=book.volunteers, times=book.person_times,
             hours=hours_label(t, book.confirmed_minutes)))
    lines += pending_lines(t, Minutes(book.confirmed_minutes, book.pending_minutes))
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
    upcoming, mine = record.upcoming, record.reports
    if upcoming:
        lines.append(t.gettext("Coming shifts:"))
        lines += [
            f"  {day_label(t, s.local_date)} {_shift_label(t, s, d, zone)}"
            for s, d, zone in upcoming
        ]
    else:
        lines.append(t.gettext("No coming shifts. /shift shows the roster."))
    lines.append(t.ngettext(
        "My reports this month: {n} — ", "My reports this month: {n} — ", mine.reports
    ).format(n=mine.reports) + numbers_line(t, mine))
    return "\n".join(lines)


def nothing_yet(t: Translator) -> str:
    """/me from someone the bot has no records of."""
    return t.gettext("No records yet. Sign up in your team's group with /signup.")


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


# ---- settings ------------------------------------------------------------------------------

SETTING_HELP = {
    "hours_mode": N_("how hours count: actual (check-in to check-out) or scheduled (the shift)"),
    "checkin_early": N_("minutes before a shift when check-in opens"),
    "checkout_late": N_("minutes after a shift still counted; later check-outs count as forgotten"),
    "max_kg": N_("the most kilograms one report may hold"),
    "reminder_lead": N_("minutes before a shift when the group is reminded"),
    "roster_time": N_("when tomorrow's roster is posted"),
    "gap_alert_lead": N_("hours before a short-staffed shift when leaders are alerted"),
    "noshow_after": N_("minutes after a start when too few check-ins are reported"),
    "quiet_hours": N_("no alerts in these hours (reminders still go out); off to disable"),
    "summary_time": N_("when the day's summary is posted"),
    "summary_empty": N_("post a summary even for a day with nothing in it"),
    "summary_grace": N_("hours a summary may still go out late after downtime"),
    "weekly_day": N_("the weekly summary (with a chart) follows that day's summary"),
    "topic": N_("the forum topic for automatic posts: send /settings here in it (0 = main)"),
    "min_presence": N_("minutes on duty below which a check-in credits nothing"),
    "hours_backdate_days": N_("how many days back leaders may enter or correct hours"),
}


def settings_text(
    t: Translator, current: settings.GroupSettings, zone: str, attention: str | None = None
) -> str:
    """/settings: every key, its value, what it means; a problem with automatic posts first."""
    lines = []
    if attention:
        lines.append(t.gettext(
            "⚠️ Automatic posts could not go out here ({reason}). Check the bot's rights, or "
            "send /settings here in an open topic."
        ).format(reason=attention_reason(t, attention)))
    lines.append(t.gettext("⚙️ Settings (leaders change one with /settings key=value):"))
    lines.append(f"<code>timezone={esc(zone)}</code>")
    for key in settings.SPECS:
        value = setting_value(t, getattr(current, key))
        lines.append(f"<code>{key}={esc(value)}</code> — {t.gettext(SETTING_HELP[key])}")
    return "\n".join(lines)


def setting_value(t: Translator, value: object) -> str:
    """A setting's value as a leader types it: `开`/`关` rather than a Python True/False."""
    if isinstance(value, bool):
        return t.gettext("on") if value else t.gettext("off")
    return str(value)


def attention_reason(t: Translator, raw: str) -> str:
    """Why automatic posts failed, in words (Telegram's English error is for the log)."""
    lowered = raw.casefold()
    if "rights" in lowered or "not enough" in lowered:
        return t.gettext("the bot may not post messages here")
    if "topic" in lowered or "thread" in lowered:
        return t.gettext("the chosen topic is closed or gone")
    return t.gettext("Telegram refused the message")


def setting_outcome(t: Translator, result: settings.SettingResult) -> str:
    """The answer to /settings key=value."""
    match result:
        case settings.SettingChanged(key, before, after):
            return t.gettext("⚙️ {key}: {before} → {after}").format(
                key=key, before=esc(setting_value(t, before)),
                after=esc(setting_value(t, after)),
            )
        case settings.UnknownSetting(key):
            return t.gettext("There is no setting “{key}”. Send /settings to see them.").format(
                key=quote(key)
            )
        case settings.BadSettingValue(spec, value):
            allowed = {
                "zone": "Asia/Shanghai, Europe/Berlin, America/New_York …",
                "time": "HH:MM", "window": "HH:MM-HH:MM, off", "here": "/settings here",
            }.get(spec.kind) or (
                " / ".join(spec.choices) if spec.choices else f"{spec.low}–{spec.high}"
            )
            return t.gettext("“{value}” is not allowed for {key}: use {allowed}.").format(
                value=quote(value), key=spec.key, allowed=allowed
            )


# ---- reports whose numbers were not understood ---------------------------------------------

def report_numbers_unread(t: Translator) -> str:
    """Above a prefilled form: the typed numbers were not understood, nothing is stored yet."""
    return t.gettext(
        "I could not read the numbers in this report, so nothing is stored yet. Tap them in "
        "below and Save (or just Save to keep only the text)."
    )
