"""Duties: /duty add, list, edit, skip, pause, remove, and their refusals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Translator
from bot.render import (
    esc,
    plain_text,
    quote,
    spacer,
)
from bot.views.labels import clock_label, day_label, mentions, need_label, plan_date, window_label
from storage.duties import Materialised
from storage.models import Duty

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
            ) + f" — {mentions(t, people)}")
    cancelled = {s.id for s in made.cancelled}
    for shift in sorted(made.cancelled, key=lambda s: s.start_at):
        people = told.get(shift.id, [])
        line = t.gettext("{day} is cancelled").format(day=day_label(t, shift.local_date))
        if people:
            line += " — " + t.gettext("{people}: you are free that day.").format(
                people=mentions(t, people)
            )
        lines.append(line)
    for shift in made.shrunk:
        people = told.get(shift.id, []) if shift.id in made.dropped else []
        if people and shift.id not in cancelled:
            lines.append(t.gettext(
                "{day}: fewer places now — {people}, you are off this shift (newest first)."
            ).format(day=day_label(t, shift.local_date), people=mentions(t, people)))
    return "\n".join(lines)


def too_many_duties(t: Translator, limit: int) -> str:
    """/duty add past the limit."""
    return t.gettext(
        "This team already has {n} duties, the most one roster can show well. Before adding "
        "another, remove one that is no longer needed with /duty remove."
    ).format(n=limit)


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


def duty_day_past(t: Translator, verb: str, day: date, today: date) -> str:
    """A /duty skip, extra or edit date that has already passed."""
    if verb == "skip":
        text = t.gettext("{day} has already passed; it can no longer be skipped.")
    elif verb == "extra":
        text = t.gettext("{day} has already passed; no extra date can be added there.")
    else:
        text = t.gettext("{day} has already passed; choose today or a later date.")
    return text.format(day=plan_date(t, day, today))


def duty_day_too_far(t: Translator, day: date, last: date, today: date) -> str:
    """A /duty skip, extra or edit date further ahead than duties are planned."""
    return t.gettext("{day} is too far ahead: the latest date possible is {last}.").format(
        day=plan_date(t, day, today), last=plan_date(t, last, today)
    )
