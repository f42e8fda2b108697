"""The roster: shifts by day with claim buttons, paged; claims, waitlist, cancellations and
assignments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.longtext import MAX_MESSAGE
from bot.render import (
    chunk_lines,
    esc,
    join_names,
    mention,
    plain_text,
    spacer,
)
from bot.views.labels import clock_label, day_label, duty_at, mentions, weekday_label, window_label
from storage import claims
from storage.claims import still_needed
from storage.models import Duty, Shift

MAX_BUTTONS = 40  # a keyboard longer than this is hard to use on a phone; page instead


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


def no_gaps(t: Translator, days: int) -> str:
    """/gaps with nothing short."""
    return t.gettext("👍 Every shift in the next {days} days has enough people.").format(days=days)


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

    if not lines:
        return []
    if fits(list(lines)):
        return [list(lines)]  # the usual roster: one page, looked at once
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


def joined_and_claimed(t: Translator, name: str, text: str) -> str:
    """A tap that signed someone up as well as claiming."""
    return t.gettext("You are on the roster now as {name}.").format(name=name) + spacer(t) + text


def shift_usage(t: Translator) -> str:
    """How /shift is written."""
    return plain_text(
        t,
        "Usage: /shift (the roster), /shift claim <shift number>, /shift release <shift number>, "
        "/shift cancel <shift number> [reason], "
        "/shift assign|unassign <shift number> [force] (leaders)",
    )


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
            people=mentions(t, list(people.items()))
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
