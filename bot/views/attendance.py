"""Check-in and check-out, hours entered by leaders, no-shows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel.dates import format_skeleton
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import (
    esc,
    plain_text,
    quote,
    spacer,
)
from bot.views.labels import (
    at_label,
    day_label,
    hours_label,
    html_to_plain_label,
    locale_of,
    overlap_label,
    shift_label,
)
from storage import attendance as att
from storage import corrections, noshows
from storage.models import Duty, Evidence, Shift


def checkin_usage(t: Translator) -> str:
    """How /checkin is used."""
    return t.gettext(
        "Check in when you arrive: /checkin. If family members came along: /checkin +2 "
        "(at most {n}). To say where you are: /checkin 3号点."
    ).format(n=att.MAX_COMPANIONS)


def checkin_outcome(
    t: Translator, name: str, result: att.CheckInResult, duty: Duty | None, zone: str,
    *, unproven: str = "",
) -> str:
    """The answer to /checkin (`unproven`: the team's checkin_proof this check-in did not
    show, so its hours wait for a leader)."""
    match result:
        case att.CheckedIn(attendance, shift, walk_in) if unproven and not walk_in:
            why = (t.gettext("This team checks in by scanning the poster at the place, so "
                             "these hours wait for a leader to confirm them; next time scan "
                             "the poster there.") if unproven == "qr"
                   else t.gettext("This team checks in with a location at the place, and "
                                  "there was none, so these hours wait for a leader to "
                                  "confirm them; next time scan the poster there, or send "
                                  "/checkin to me privately."))
            return checkin_outcome(t, name, result, duty, zone) + spacer(t) + why
        case att.CheckedIn(attendance, shift, walk_in):
            assert attendance.checkin_at is not None
            text = t.gettext("✅ {name} checked in at {time}: {shift}.").format(
                name=esc(name), time=at_label(t, attendance.checkin_at, zone),
                shift=shift_label(t, shift, duty, zone),
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
            ).format(name=esc(name), time=at_label(t, attendance.checkin_at, zone))
        case att.AlreadyServed(attendance, shift):
            return t.gettext(
                "{name}, you already checked in and out of {shift}. A leader can correct "
                "hours with /hours."
            ).format(name=esc(name), shift=shift_label(t, shift, duty, zone))
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
                shift=shift_label(t, next_shift, duty, zone),
                day=day_label(t, next_shift.local_date),
                time=at_label(t, opens_at, zone),
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
                name=name, shift=html_to_plain_label(shift_label(t, shift, duty, zone))
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
            ).format(name=esc(name), time=at_label(t, attendance.checkout_at, zone), n=least)
        case att.CheckedOut(attendance, _):
            minutes = attendance.minutes or 0
            if attendance.evidence is Evidence.AUTO:
                assert attendance.checkout_at is not None
                return t.gettext(
                    "{name}, your check-out came after {time}, so it counts as forgotten: "
                    "{hours} recorded up to the end of the shift, waiting for a leader to "
                    "confirm."
                ).format(name=esc(name), time=at_label(t, attendance.checkout_at, zone),
                         hours=hours_label(t, minutes))
            assert attendance.checkout_at is not None
            text = t.gettext("👋 {name} checked out at {time}: {hours}. Thank you!").format(
                name=esc(name), time=at_label(t, attendance.checkout_at, zone),
                hours=hours_label(t, minutes),
            )
            if attendance.walk_in:
                text += spacer(t) + t.gettext(
                    "As a walk-in, the hours wait for a leader to confirm them."
                )
            elif not attendance.confirmed:
                text += spacer(t) + t.gettext(
                    "This check-in did not show what the team asks (a scan of the poster, or "
                    "a location at the place), so the hours wait for a leader to confirm them."
                )
            if result.capped:
                text += spacer(t) + t.gettext("A day counts at most 24 hours.")
            return text
        case att.NotCheckedIn(last) if last is not None and last.checkout_at is not None:
            return t.gettext(
                "{name}, you are not checked in. Your last check-out was at {time} on {day} "
                "({hours})."
            ).format(name=esc(name), time=at_label(t, last.checkout_at, zone),
                     day=day_label(t, last.local_date), hours=hours_label(t, last.minutes or 0))
        case att.NotCheckedIn():
            return t.gettext(
                "{name}, you are not checked in. Send /checkin when you arrive."
            ).format(name=esc(name))
        case att.CheckedInElsewhere():
            return t.gettext(
                "{name}, your open check-in is in another group. Send /checkout there."
            ).format(name=esc(name))


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
                f"{at_label(t, r.checkin_at, zone)}–{at_label(t, r.checkout_at, zone)}"
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
                f"{shift_label(t, entry.shift, entry.duty, zone)} — {esc(entry.name)}")
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
