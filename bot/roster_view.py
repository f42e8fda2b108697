"""Rendering the roster: duties, shifts grouped by day, claim buttons, refusals that say why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Translator
from bot.longtext import MAX_MESSAGE
from bot.render import (
    chunk_lines,
    esc,
    join_names,
    mention,
    plain_text,
    quote,
    spacer,
)
from storage import claims
from storage.claims import still_needed
from storage.cover import CoverGone, CoverResult, CoverTaken, OwnRequest, TakeResult
from storage.duties import Materialised
from storage.models import Claim, ClaimStatus, Duty, Shift
from storage.standing import Dropped, DutyGone, Held

MAX_BUTTONS = 40  # a keyboard longer than this is hard to use on a phone; page instead


def locale_of(t: Translator) -> str:
    """Babel's name for the translator's language."""
    return "zh_Hans_CN" if t.language == "zh_CN" else "en"


def day_label(t: Translator, day: date) -> str:
    """`11月24日周二` / `Tue, Nov 24`."""
    return format_skeleton("MMMEd", day, locale=locale_of(t))


def weekday_label(t: Translator, day: date) -> str:
    """`周二` / `Tue`."""
    return format_skeleton("E", day, locale=locale_of(t))


def clock_label(t: Translator, moment: time) -> str:
    """`19:00`."""
    return format_time(moment, "HH:mm", locale=locale_of(t))


def window_label(t: Translator, start: datetime, end: datetime, zone: str) -> str:
    """`19:00–21:00` in the group's time zone."""
    tz = ZoneInfo(zone)
    first = clock_label(t, start.astimezone(tz).time())
    return f"{first}–{clock_label(t, end.astimezone(tz).time())}"


@dataclass(frozen=True)
class ShiftLine:
    """A shift with the names of the people on it (display names in this group)."""

    shift: Shift
    duty: Duty
    names: Sequence[str]
    waiting: int = 0


def roster_text(
    t: Translator, lines: Sequence[ShiftLine], zone: str, days: int, *, gaps: bool = False
) -> list[str]:
    """The roster grouped by day; split into several messages if it is long."""
    if not lines:
        return [t.gettext("📋 No shifts in the next {days} days.").format(days=days)]
    if gaps:
        out = [t.gettext("🆘 Shifts still short of people in the next {days} days").format(
            days=days
        )]
    else:
        out = [t.gettext("📋 Roster for the next {days} days").format(days=days)]
    current: date | None = None
    for line in lines:
        shift = line.shift
        if shift.local_date != current:
            current = shift.local_date
            out.append(f"\n<b>{esc(day_label(t, current))}</b>")
        place = f" @{esc(line.duty.place)}" if line.duty.place else ""
        who = join_names(t, line.names) if line.names else t.gettext("nobody yet")
        free = max(0, shift.need_max - len(line.names))
        short = still_needed(shift, len(line.names))
        if short:
            status = t.gettext("needs {n} more").format(n=short)
        elif free:
            status = t.gettext("{n} places left").format(n=free)
        else:
            status = t.gettext("full")
        out.append(
            f"#{shift.id} {window_label(t, shift.start_at, shift.end_at, zone)} "
            f"{esc(line.duty.name)}{place} — {who}" + spacer(t)
            + t.gettext("({need})").format(need=status)
        )
    return chunk_lines(out)


def claim_keyboard(
    t: Translator, lines: Sequence[ShiftLine], zone: str
) -> InlineKeyboardMarkup | None:
    """One Claim button per shift: `周二 19:00 督导 2/4`."""
    tz = ZoneInfo(zone)
    rows = []
    for line in lines[:MAX_BUTTONS]:
        shift = line.shift
        place = f" @{line.duty.place[:10]}" if line.duty.place else ""
        label = (
            f"{weekday_label(t, shift.local_date)} "
            f"{clock_label(t, shift.start_at.astimezone(tz).time())} {line.duty.name[:12]}"
            f"{place} {len(line.names)}/{shift.need_max}"
        )
        if len(line.names) >= shift.need_max:
            label = t.gettext("{shift} · waitlist").format(shift=label)
            rows.append([InlineKeyboardButton(label, callback_data=f"wait:{shift.id}")])
        else:
            rows.append([InlineKeyboardButton(label, callback_data=f"claim:{shift.id}")])
    return InlineKeyboardMarkup(rows) if rows else None


def duty_at(duty: Duty | None) -> str:
    """` 督导 @3号点`: the duty's name and place after a time, wherever a shift is named."""
    if duty is None:
        return ""
    return f" {duty.name}" + (f" @{duty.place}" if duty.place else "")


def claim_outcome(
    t: Translator, result: claims.ClaimResult, zone: str, duty: Duty | None = None
) -> str:
    """What happened when someone tried to claim: a toast or a reply (plain text: a toast
    is not HTML, and a reply escapes it where it is posted)."""
    match result:
        case claims.Claimed(shift, _claim):
            return t.gettext("✅ You are on {day} {window}.").format(
                day=day_label(t, shift.local_date),
                window=window_label(t, shift.start_at, shift.end_at, zone) + duty_at(duty),
            )
        case claims.AlreadyOn():
            return t.gettext("You are already on this shift.")
        case claims.Full():
            return t.gettext("Sorry, this shift is full.")
        case claims.Clash(_shift, other):
            text = t.gettext("You are already on another shift at that time ({day} {window}).")
            return text.format(
                day=day_label(t, other.local_date),
                window=window_label(t, other.start_at, other.end_at, zone),
            )
        case claims.Started():
            return t.gettext("This shift has already started.")
        case claims.ShiftGone():
            return t.gettext("This shift no longer exists.")


def wait_outcome(t: Translator, result: claims.WaitResult, zone: str) -> str:
    """What happened when someone asked to wait for a place."""
    if isinstance(result, claims.Waitlisted):
        return t.gettext(
            "⏳ You are number {n} on the waitlist; I will tell you if a place opens."
        ).format(n=result.position)
    return claim_outcome(t, result, zone)


def promoted_from_waitlist(t: Translator, name: str, shift: Shift, zone: str) -> str:
    """Told in the group when a released place goes to the first on the waitlist."""
    return t.gettext("✅ {name}: a place opened on {day} {window} and it is yours now.").format(
        name=esc(name), day=day_label(t, shift.local_date),
        window=window_label(t, shift.start_at, shift.end_at, zone),
    )


def places_freed(t: Translator, name: str, shifts: Sequence[Shift], zone: str) -> str:
    """Told to the leaders when someone leaves with places on coming shifts."""
    when = t.gettext(", ").join(
        f"{day_label(t, s.local_date)} {window_label(t, s.start_at, s.end_at, zone)}"
        for s in shifts
    )
    text = t.gettext("⚠️ Leaders: {name} left the roster; these places are free again: {when}")
    return text.format(name=esc(name), when=when)


UNDERSTOOD_PARTS = {
    "name": N_("name"), "when": N_("days"), "time": N_("time"), "need": N_("people"),
    "place": N_("place"),
}


def duty_problem(
    t: Translator, problem: str, understood: dict[str, str], detail: str, *,
    usage: str | None = None,
) -> str:
    """Why `/duty add` (or edit) was refused, what was understood, and the right form."""
    reasons = {
        "empty": t.gettext("Tell me the duty's name, days and time."),
        "name_missing": t.gettext("The duty needs a name."),
        "name_too_long": t.gettext("The name is too long (at most 40 characters)."),
        "name_control": t.gettext(
            "The name contains characters that cannot be shown; please type it again."
        ),
        "name_no_letter": t.gettext("The name needs at least one letter or digit."),
        "place_invalid": t.gettext(
            "The place needs at least one letter or digit, and only characters that can be "
            "shown."
        ),
        "when_missing": t.gettext("Which days? For example daily, weekdays, mon,wed,fri."),
        "when_unknown": t.gettext("I do not understand the days “{detail}”."),
        "date_invalid": t.gettext("“{detail}” is not a real date."),
        "date_past": t.gettext("The date {detail} has already passed."),
        "time_missing": t.gettext("What time? For example 19:00-21:00."),
        "time_invalid": t.gettext("I do not understand the time “{detail}”."),
        "time_empty_window": t.gettext("The duty starts and ends at the same time."),
        "time_backwards": t.gettext("The duty ends before it starts ({detail})."),
        "need_invalid": t.gettext(
            "“{detail}” is not a head count: use need 3 or need 2-4 (1 to 100)."
        ),
        "place_too_long": t.gettext("The place is too long (at most 60 characters)."),
        "unexpected": t.gettext("I did not understand “{detail}”."),
    }
    lines = [reasons.get(problem, reasons["unexpected"]).format(detail=quote(detail))]
    if understood:
        lines.append(t.gettext("Understood so far: {parts}").format(
            parts=t.gettext(", ").join(
                t.gettext("{part}: {value}").format(
                    part=t.gettext(UNDERSTOOD_PARTS.get(k, k)), value=quote(v, 60)
                )
                for k, v in understood.items()
            )
        ))
    lines.append(usage or duty_usage(t))
    return "\n".join(lines)


def duty_usage(t: Translator) -> str:
    """How `/duty add` is written (escaped: the form itself has angle brackets)."""
    return plain_text(
        t,
        "Usage: /duty add <name> <days> <time> [need N or N-M] [at <place>]\n"
        "Example: /duty add 垃圾分类督导 daily 19:00-21:00 need 2-4 at 3号投放点",
    )


def duty_added(
    t: Translator, duty: Duty, upcoming: Sequence[date], weekdays_note: bool
) -> str:
    """What was understood, and the next dates."""
    place = f" @{esc(duty.place)}" if duty.place else ""
    head = t.gettext("✅ Duty #{id} added: <b>{name}</b>{place}, {start}–{end}, {need}.")
    lines = [head.format(
        id=duty.id, name=esc(duty.name), place=place, start=clock_label(t, duty.start_time),
        end=clock_label(t, duty.end_time), need=need_label(t, duty.need_min, duty.need_max),
    )]
    if upcoming:
        lines.append(t.gettext("Next dates: {dates}").format(
            dates=t.gettext(", ").join(day_label(t, d) for d in upcoming)
        ))
    if weekdays_note:
        lines.append(t.gettext(
            "Weekdays means Monday to Friday; official working-day swaps are not known."
        ))
    lines.append(t.gettext("Volunteers can claim places with /shift."))
    return "\n".join(lines)


def duty_list(t: Translator, found: Sequence[Duty]) -> str:
    """/duty list."""
    if not found:
        return t.gettext("No duties yet. A leader adds one with /duty add.")
    lines = [t.gettext("Duties:")]
    for duty in found:
        place = f" @{esc(duty.place)}" if duty.place else ""
        lines.append(
            f"#{duty.id} <b>{esc(duty.name)}</b>{place} {clock_label(t, duty.start_time)}–"
            f"{clock_label(t, duty.end_time)}" + spacer(t)
            + t.gettext("({need})").format(need=need_label(t, duty.need_min, duty.need_max))
        )
    return "\n".join(lines)


def need_label(t: Translator, low: int, high: int) -> str:
    """`需要 3 人` / `需要 2-4 人`: never "3-3"."""
    if low == high:
        return t.gettext("need {n}").format(n=low)
    return t.gettext("need {low}-{high}").format(low=low, high=high)


def leaders_only(t: Translator) -> str:
    """A leader command from someone who is not a leader."""
    return t.gettext("Only the team's leaders can do that.")


def shift_usage(t: Translator) -> str:
    """How /shift is written."""
    return plain_text(
        t,
        "Usage: /shift (the roster), /shift claim <shift number>, /shift release <shift number>, "
        "/shift cancel <shift number> [reason], "
        "/shift assign|unassign <shift number> [force] (leaders)",
    )


def release_outcome(
    t: Translator, result: claims.ReleaseResult | CoverResult, zone: str
) -> str:
    """What happened when someone released a place."""
    match result:
        case claims.Released(shift, _late, _needed):
            return t.gettext("You are off {day} {window}.").format(
                day=day_label(t, shift.local_date),
                window=window_label(t, shift.start_at, shift.end_at, zone),
            )
        case claims.NotOnShift():
            return t.gettext("You are not on this shift.")
        case claims.Started():
            return t.gettext("This shift has already started.")
        case _:
            return t.gettext("This shift no longer exists.")


def late_drop_out(
    t: Translator, name: str, duty_name: str, result: claims.Released, zone: str
) -> str:
    """Told in the group when someone drops out inside the cutoff and the shift is short."""
    shift = result.shift
    return t.gettext(
        "⚠️ Leaders: {name} dropped out of {duty} on {day} {window}; it needs {n} more. "
        "Tap /shift to fill it."
    ).format(
        name=esc(name), duty=esc(duty_name), day=day_label(t, shift.local_date),
        window=window_label(t, shift.start_at, shift.end_at, zone), n=result.still_needed,
    )


def duty_change_usage(t: Translator) -> str:
    """How the /duty change commands are written."""
    return plain_text(
        t,
        "Usage: /duty edit <id> time=19:00-21:00 need=2-4 place=… name=… when=…\n"
        "/duty skip <id> <date>[,<date>] · /duty extra <id> <date>\n"
        "/duty pause <id> · /duty resume <id> · /duty remove <id>",
    )


def duty_bad_value(t: Translator, detail: str) -> str:
    """A value in a /duty change command that could not be read."""
    return t.gettext("I did not understand “{detail}”.").format(detail=quote(detail)) + "\n" + (
        duty_change_usage(t)
    )


def duty_gone(t: Translator) -> str:
    """No such duty in this group."""
    return t.gettext("There is no such duty in this group. /duty list shows the numbers.")


def _mentions(t: Translator, people: Sequence[tuple[int, str]]) -> str:
    return t.gettext(", ").join(mention(uid, name) for uid, name in people)


def duty_changed(
    t: Translator,
    duty: Duty,
    verb: str,
    made: Materialised,
    told: dict[int, list[tuple[int, str]]],
    zone: str,
) -> str:
    """One message per change: what changed, and the volunteers it concerns, by mention."""
    heads = {
        "edit": t.gettext("✏️ Duty #{id} <b>{name}</b> was changed."),
        "skip": t.gettext("⏭ Duty #{id} <b>{name}</b>: dates skipped."),
        "extra": t.gettext("➕ Duty #{id} <b>{name}</b>: extra date added."),
        "pause": t.gettext("⏸ Duty #{id} <b>{name}</b> is paused."),
        "resume": t.gettext("▶️ Duty #{id} <b>{name}</b> runs again."),
        "remove": t.gettext("🗑 Duty #{id} <b>{name}</b> was removed; its history is kept."),
    }
    name = esc(duty.name) + (f" @{esc(duty.place)}" if duty.place else "")
    lines = [heads[verb].format(id=duty.id, name=name)]
    moved = sorted(made.moved, key=lambda s: s.start_at)
    if moved:
        lines.append(t.gettext("From {day}: {window}").format(
            day=day_label(t, moved[0].local_date),
            window=window_label(t, moved[0].start_at, moved[0].end_at, zone),
        ))
    for shift in moved:
        people = told.get(shift.id, [])
        if people:
            lines.append(t.gettext("{day}: now {window}").format(
                day=day_label(t, shift.local_date),
                window=window_label(t, shift.start_at, shift.end_at, zone),
            ) + f" — {_mentions(t, people)}")
    cancelled = {s.id for s in made.cancelled}
    for shift in sorted(made.cancelled, key=lambda s: s.start_at):
        people = told.get(shift.id, [])
        line = t.gettext("{day} is cancelled").format(day=day_label(t, shift.local_date))
        if people:
            line += " — " + t.gettext("{people}: you are free that day.").format(
                people=_mentions(t, people)
            )
        lines.append(line)
    for shift in made.shrunk:
        people = told.get(shift.id, []) if shift.id in made.dropped else []
        if people and shift.id not in cancelled:
            lines.append(t.gettext(
                "{day}: fewer places now — {people}, you are off this shift (newest first)."
            ).format(day=day_label(t, shift.local_date), people=_mentions(t, people)))
    return "\n".join(lines)


def too_many_duties(t: Translator, limit: int) -> str:
    """/duty add past the limit."""
    return t.gettext(
        "This team already has {n} duties, the most one roster can show well. Before adding "
        "another, remove one that is no longer needed with /duty remove."
    ).format(n=limit)


def no_gaps(t: Translator, days: int) -> str:
    """/gaps with nothing short."""
    return t.gettext("👍 Every shift in the next {days} days has enough people.").format(days=days)


def shifts_cancelled(
    t: Translator,
    cancelled: Sequence[tuple[Shift, Duty]],
    told: dict[int, list[tuple[int, str]]],
    reason: str,
    zone: str,
) -> str:
    """Told in the group when a leader cancels occurrences: one message for all of them."""
    shifts = t.gettext("; ").join(
        f"{day_label(t, s.local_date)} {window_label(t, s.start_at, s.end_at, zone)}"
        + esc(duty_at(d))
        for s, d in cancelled
    )
    text = t.gettext("❌ Cancelled: {shifts}.").format(shifts=shifts)
    if reason:
        text += spacer(t) + t.gettext("Reason: {reason}").format(reason=esc(reason))
    people = {p: n for s, _d in cancelled for p, n in told.get(s.id, [])}
    if people:
        text += "\n" + t.gettext("{people}: you are free that day.").format(
            people=_mentions(t, list(people.items()))
        )
    return text


def assign_outcome(
    t: Translator,
    result: claims.ClaimResult | claims.ReleaseResult,
    who: tuple[int, str],
    zone: str,
) -> str:
    """What a leader's assign/unassign did, telling the volunteer by mention."""
    person = mention(*who)
    match result:
        case claims.Claimed(shift, _claim):
            return t.gettext("✅ {person}, a leader put you on {day} {window}.").format(
                person=person, day=day_label(t, shift.local_date),
                window=window_label(t, shift.start_at, shift.end_at, zone),
            )
        case claims.Released(shift, _late, _needed, _promoted):
            return t.gettext("{person}, a leader took you off {day} {window}.").format(
                person=person, day=day_label(t, shift.local_date),
                window=window_label(t, shift.start_at, shift.end_at, zone),
            )
        case claims.Full():
            return t.gettext(
                "This shift is full. Add “force” to put them on over capacity."
            )
        case claims.NotOnShift():
            return t.gettext("{name} is not on this shift.").format(name=esc(who[1]))
        case claims.AlreadyOn():
            return t.gettext("{name} is already on this shift.").format(name=esc(who[1]))
        case claims.Clash(_shift, other):
            return t.gettext(
                "{name} is already on another shift at that time ({day} {window})."
            ).format(name=esc(who[1]), day=day_label(t, other.local_date),
                     window=window_label(t, other.start_at, other.end_at, zone))
        case _:
            return claim_outcome(t, result, zone)


def my_shifts(
    t: Translator, team: str, entries: Sequence[tuple[Shift, Claim, Duty | None]], zone: str
) -> str:
    """/shift mine: the caller's coming shifts in one team."""
    if not entries:
        return t.gettext("You have no coming shifts in {team}. /shift shows the roster.").format(
            team=esc(team)
        )
    lines = [t.gettext("Your coming shifts in {team}:").format(team=esc(team))]
    for shift, claim, duty in entries:
        name = esc(duty_at(duty).strip())
        line = (
            f"#{shift.id} {esc(day_label(t, shift.local_date))} "
            f"{window_label(t, shift.start_at, shift.end_at, zone)} {name}"
        )
        if claim.status is ClaimStatus.WAITING:
            line += spacer(t) + t.gettext("(on the waitlist)")
        lines.append(line)
    return "\n".join(lines)


def my_release_keyboard(
    t: Translator, entries: Sequence[tuple[Shift, Claim, Duty | None]], zone: str
) -> InlineKeyboardMarkup | None:
    """One Release button per place held."""
    tz = ZoneInfo(zone)
    rows = [
        [InlineKeyboardButton(
            t.gettext("Release {day} {time}").format(
                day=weekday_label(t, shift.local_date),
                time=clock_label(t, shift.start_at.astimezone(tz).time()),
            ),
            callback_data=f"rel:{shift.id}",
        )]
        for shift, claim, _duty in entries[:MAX_BUTTONS]
        if claim.status is ClaimStatus.ACTIVE
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def confirm_release_keyboard(t: Translator, shift_id: int) -> InlineKeyboardMarkup:
    """The confirm step of a release."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("✅ Yes, release #{id}").format(id=shift_id),
                             callback_data=f"relok:{shift_id}"),
        InlineKeyboardButton(t.gettext("Keep it"), callback_data=f"keep:{shift_id}"),
    ]])


def confirm_release_toast(t: Translator) -> str:
    """After the first Release tap."""
    return t.gettext("Are you sure? Tap “Yes” to give the place back.")


def kept_toast(t: Translator) -> str:
    """After "Keep it"."""
    return t.gettext("Kept. Thank you!")


def sent_privately(t: Translator) -> str:
    """The answer went to the private chat."""
    return t.gettext("📬 I sent it to you in our private chat.")


def cover_wanted(t: Translator, name: str, duty: Duty | None, shift: Shift, zone: str) -> str:
    """The group post asking for cover."""
    return t.gettext("🙋 {name} needs someone for {duty} on {day} {window}.").format(
        name=esc(name), duty=esc(duty.name) if duty else "", day=day_label(t, shift.local_date),
        window=window_label(t, shift.start_at, shift.end_at, zone),
    )


def take_keyboard(t: Translator, request_id: int) -> InlineKeyboardMarkup:
    """The Take button under a cover request."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.gettext("🤝 I'll take it"), callback_data=f"take:{request_id}")]]
    )


def take_outcome(t: Translator, result: TakeResult, zone: str) -> str:
    """The toast after tapping Take."""
    match result:
        case CoverTaken(shift, _asked_by):
            return t.gettext("✅ The place on {day} {window} is yours. Thank you!").format(
                day=day_label(t, shift.local_date),
                window=window_label(t, shift.start_at, shift.end_at, zone),
            )
        case CoverGone():
            return t.gettext("Someone has already taken this place.")
        case OwnRequest():
            return t.gettext("This is your own request.")
        case _:
            return claim_outcome(t, result, zone)


def cover_done(
    t: Translator, taker: tuple[int, str], asker: tuple[int, str], shift: Shift, zone: str
) -> str:
    """Both are told, by mention."""
    return t.gettext("🤝 {taker} takes over from {asker} on {day} {window}.").format(
        taker=mention(*taker), asker=mention(*asker), day=day_label(t, shift.local_date),
        window=window_label(t, shift.start_at, shift.end_at, zone),
    )


def standing_outcome(
    t: Translator, result: Held | DutyGone, weekday: int | None, zone: str
) -> str:
    """What holding a standing slot did."""
    if isinstance(result, DutyGone):
        return duty_gone(t)
    if weekday is None:
        head = t.gettext("📌 This duty's place is yours on every occurrence.")
    else:
        head = t.gettext("📌 This duty's place is yours every {weekday}.").format(
            weekday=format_date(date(2024, 1, 1 + weekday), "EEEE", locale=locale_of(t))
        )
    lines = [head, t.ngettext(
        "You are on {n} coming shift now.", "You are on {n} coming shifts now.", result.filled
    ).format(n=result.filled)]
    if result.missed:
        lines.append(t.gettext("Full or clashing, so not claimed: {dates}").format(
            dates=t.gettext(", ").join(day_label(t, s.local_date) for s in result.missed)
        ))
    lines.append(plain_text(t, "/shift release <duty number> every gives it back."))
    return "\n".join(lines)


def standing_dropped(t: Translator, result: Dropped | DutyGone) -> str:
    """What giving a standing slot back did."""
    if isinstance(result, DutyGone):
        return duty_gone(t)
    return t.ngettext(
        "Your standing place is given back; {n} coming place is free again.",
        "Your standing place is given back; {n} coming places are free again.",
        result.released,
    ).format(n=result.released)


def undo_keyboard(t: Translator, duty_id: int) -> InlineKeyboardMarkup:
    """The Undo button under a new duty."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.gettext("↩️ Undo"), callback_data=f"undo:{duty_id}")]]
    )


def undo_too_late(t: Translator) -> str:
    """The Undo button after its few minutes, or once someone claimed or served a shift."""
    return t.gettext(
        "Too late to undo: people may already count on this duty. A leader can remove it "
        "with /duty remove."
    )


def undone_toast(t: Translator) -> str:
    """After Undo."""
    return t.gettext("Undone.")


def duty_undone(t: Translator, name: str) -> str:
    """The new-duty message after Undo."""
    return t.gettext("↩️ The duty <b>{name}</b> was not kept.").format(name=esc(name))


def joined_and_claimed(t: Translator, name: str, text: str) -> str:
    """A tap that signed someone up as well as claiming."""
    return t.gettext("You are on the roster now as {name}.").format(name=name) + spacer(t) + text


@dataclass(frozen=True)
class RosterPage:
    """One page of the roster: whole days that fit one message and a usable keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None
    page: int
    pages: int


def _by_day(lines: Sequence[ShiftLine]) -> list[list[ShiftLine]]:
    days: list[list[ShiftLine]] = []
    for line in lines:
        if days and days[-1][0].shift.local_date == line.shift.local_date:
            days[-1].append(line)
        else:
            days.append([line])
    return days


def _pages(
    t: Translator, lines: Sequence[ShiftLine], zone: str, days: int, gaps: bool
) -> list[list[ShiftLine]]:
    """Lines in pages that each fit one message and one keyboard: whole days together where
    they fit, a day too long for one page over several (every shift gets a line and a
    button)."""

    def fits(candidate: list[ShiftLine]) -> bool:
        if len(candidate) > MAX_BUTTONS:
            return False
        texts = roster_text(t, candidate, zone, days, gaps=gaps)
        return len(texts) == 1 and len(texts[0]) < MAX_MESSAGE - 80

    pieces: list[list[ShiftLine]] = []
    for day in _by_day(lines):
        piece: list[ShiftLine] = []
        for line in day:
            if piece and not fits([*piece, line]):
                pieces.append(piece)
                piece = []
            piece.append(line)
        pieces.append(piece)
    pages: list[list[ShiftLine]] = []
    for piece in pieces:
        if pages and piece[0].shift.local_date != pages[-1][-1].shift.local_date and fits(
            [*pages[-1], *piece]
        ):
            pages[-1] = [*pages[-1], *piece]
        else:
            pages.append(piece)
    return pages


def roster_page(
    t: Translator, lines: Sequence[ShiftLine], zone: str, days: int, page: int, *,
    gaps: bool = False,
) -> RosterPage:
    """The roster (or the shifts still short of people), one page of it with Earlier / Later
    buttons when it would not fit one message or keyboard."""
    pages = _pages(t, lines, zone, days, gaps)
    if not pages:
        empty = no_gaps(t, days) if gaps else roster_text(t, [], zone, days)[0]
        return RosterPage(empty, None, 0, 1)
    page = max(0, min(page, len(pages) - 1))
    chosen = pages[page]
    text = roster_text(t, chosen, zone, days, gaps=gaps)[0]
    if len(pages) > 1:
        text += "\n" + t.gettext("Page {page} of {pages}").format(page=page + 1, pages=len(pages))
    keyboard = claim_keyboard(t, chosen, zone)
    if len(pages) > 1:
        nav = []
        verb = "gpage" if gaps else "page"
        if page > 0:
            nav.append(
                InlineKeyboardButton(t.gettext("◀ Earlier"), callback_data=f"{verb}:{page - 1}")
            )
        if page < len(pages) - 1:
            nav.append(
                InlineKeyboardButton(t.gettext("Later ▶"), callback_data=f"{verb}:{page + 1}")
            )
        rows = list(keyboard.inline_keyboard) if keyboard else []
        keyboard = InlineKeyboardMarkup([*rows, nav])
    return RosterPage(text, keyboard, page, len(pages))


def _plan_date(t: Translator, day: date, today: date) -> str:
    """`11月23日` / `Nov 23`; with the year (`2027年11月30日`) when it is not this year's."""
    skeleton = "MMMd" if day.year == today.year else "yMMMd"
    return format_skeleton(skeleton, day, locale=locale_of(t))


def duty_day_past(t: Translator, verb: str, day: date, today: date) -> str:
    """A /duty skip, extra or edit date that has already passed."""
    if verb == "skip":
        text = t.gettext("{day} has already passed; it can no longer be skipped.")
    elif verb == "extra":
        text = t.gettext("{day} has already passed; no extra date can be added there.")
    else:
        text = t.gettext("{day} has already passed; choose today or a later date.")
    return text.format(day=_plan_date(t, day, today))


def duty_day_too_far(t: Translator, day: date, last: date, today: date) -> str:
    """A /duty skip, extra or edit date further ahead than duties are planned."""
    return t.gettext("{day} is too far ahead: the latest date possible is {last}.").format(
        day=_plan_date(t, day, today), last=_plan_date(t, last, today)
    )
