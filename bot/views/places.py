"""Places and their check-in codes: the list, the poster's words, the answers to a scan."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import esc, join_names, plain_text, spacer
from storage.cleaning import name_key
from storage.models import Group


def place_list(t: Translator, known: Sequence[str], coded: Collection[str]) -> str:
    """/place: the team's places, and which have a check-in code."""
    if not known:
        return t.gettext("No duty names a place yet (/duty add … at 3号投放点).")
    lines = [t.gettext("Our places:")]
    lines += [
        t.gettext("· {place} (check-in code ready)").format(place=esc(p))
        if name_key(p) in coded else t.gettext("· {place}").format(place=esc(p))
        for p in known
    ]
    lines.append(plain_text(t, "Leaders: /place qr <place> sends you its check-in poster "
                               "privately; /place qr <place> new replaces its code; /place "
                               "locate <place> [radius in metres] sets where it is."))
    return "\n".join(lines)


def unknown_place(t: Translator, typed: str, known: Sequence[str]) -> str:
    """/place qr with a place no duty names."""
    if not typed:
        return plain_text(t, "Which place? /place qr <place>, for example /place qr 3号投放点.")
    text = t.gettext("No duty here takes place at “{typed}”.").format(typed=esc(typed[:30]))
    if known:
        text += spacer(t) + t.gettext("Our places: {places}.").format(
            places=join_names(t, known))
    return text


def poster_caption(t: Translator, place: str, renewed: bool = False) -> str:
    """The poster, privately to the leader."""
    text = t.gettext("🪧 The check-in poster of {place}: print it and put it up there. "
                     "Volunteers scan it with their phone's camera when they arrive and "
                     "when they leave.").format(place=esc(place))
    if renewed:
        text += "\n" + t.gettext("This is a new code: the old posters of {place} no longer "
                                 "work, take them down.").format(place=esc(place))
    return text + "\n" + t.gettext(
        "A photo of the code can be scanned anywhere, so a scan is weaker than being seen "
        "at the place: records made by a scan are marked 扫码."
    )


def poster_file(t: Translator, place: str, ext: str) -> str:
    """The poster's file name."""
    return t.gettext("Check-in code-{place}.{ext}").format(place=place, ext=ext)


def start_me_first(t: Translator) -> str:
    """The leader has not started the bot: the poster cannot go privately."""
    return t.gettext("The poster goes to you privately (in the group it would work from "
                     "home): open a chat with me, press Start, then send the command again.")


def code_gone(t: Translator) -> str:
    """A replaced or unknown code."""
    return t.gettext("This check-in code does not work: it was replaced, or not read right. "
                     "Scan the poster again, or ask a team leader.")


def not_a_member(t: Translator, team: str) -> str:
    """A scan by someone outside the team's group: nothing recorded."""
    return t.gettext("This code is for the volunteers of {team}, and you are not in its "
                     "group, so nothing was recorded. Ask a team leader if you want to "
                     "join.").format(team=esc(team))


def leave_so_soon(t: Translator, minutes: int) -> str:
    """A second scan within min_presence minutes: check out now?"""
    return t.gettext("You checked in less than {minutes} minutes ago: checking out now "
                     "credits no hours for it. Check out now?").format(minutes=minutes)


def leave_keyboard(t: Translator, attendance_id: int) -> InlineKeyboardMarkup:
    """Check out now, or stay."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("Check out now"), callback_data=f"scanout:{attendance_id}"),
        InlineKeyboardButton(t.gettext("Still on duty"), callback_data=f"scanstay:{attendance_id}"),
    ]])


def nothing_open(t: Translator) -> str:
    """The check-out button after the record closed."""
    return t.gettext("You are not checked in any more.")


def scanned_mark(t: Translator) -> str:
    """How a scanned check-in is marked in the group."""
    return t.gettext(" (scanned)")


def share_button(t: Translator) -> str:
    """The one-tap "share my location" key."""
    return t.gettext("📍 Send my location now")


def send_position(t: Translator, place: str) -> str:
    """A leader sets a place's position."""
    return t.gettext("Where is {place}? Standing there, tap the button below; elsewhere, "
                     "send its location with 📎 → Location within ten minutes.").format(
        place=esc(place))


def position_set(t: Translator, place: str, radius: int) -> str:
    """The place's position is stored."""
    return t.gettext("📍 The position of {place} is saved: a check-in within {radius} m of it "
                     "counts as there.").format(place=esc(place), radius=radius)


def consent_question(t: Translator) -> str:
    """Asked once, before the first location."""
    return t.gettext(
        "Your team checks in with your location at the place. The bot asks for it when you "
        "check in and keeps only how far you were from the place, never the location "
        "itself. A location can be picked on a map, so it is a check, not proof. Agree?"
    )


def consent_keyboard(t: Translator, group_id: int, place_id: int) -> InlineKeyboardMarkup:
    """Agree, or check in without a location (a leader confirms the hours)."""
    pair = f"{group_id}:{place_id}"
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(t.gettext("Agree"), callback_data=f"locok:{pair}")],
        [InlineKeyboardButton(t.gettext("No: a leader confirms my hours"),
                              callback_data=f"locno:{pair}")],
    ])


def share_now(t: Translator, place: str | None) -> str:
    """The location question at check-in."""
    if place is None:
        return t.gettext("To check in, tap the button below within two minutes: it sends "
                         "your location now.")
    return t.gettext("To check in at {place}, tap the button below within two minutes: it "
                     "sends your location now.").format(place=esc(place))


def which_team(t: Translator) -> str:
    """A private /checkin from someone in several location teams."""
    return t.gettext("Check in with which team?")


def team_keyboard(teams: Sequence[Group]) -> InlineKeyboardMarkup:
    """One button per team."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(g.title[:40] or str(g.id), callback_data=f"wherego:{g.id}")]
        for g in teams
    ])


def location_unasked(t: Translator) -> str:
    """A location nobody asked for (or after the two minutes)."""
    return t.gettext("I did not ask for a location just now, so I did nothing with this one. "
                     "To check in, scan the poster at the place or send /checkin here.")


def forwarded_location(t: Translator) -> str:
    """A forwarded location does not count."""
    return t.gettext("A forwarded location does not count: tap the button to send your own, "
                     "now. Scan the poster again or send /checkin for a new try.")


def late_location(t: Translator) -> str:
    """Sent more than two minutes after the question."""
    return t.gettext("That location came more than two minutes after the question, so it "
                     "does not count. Scan the poster again or send /checkin for a new try.")


def no_position(t: Translator, place: str | None) -> str:
    """The place has no position to compare with."""
    if place is None:
        return t.gettext("No place with a shift open now has a position yet, so a location "
                         "cannot be checked. Scan the poster at the place, or ask a leader.")
    return t.gettext("{place} has no position yet, so a location cannot be checked: ask a "
                     "leader to set it with /place locate.").format(place=esc(place))


def too_far(t: Translator, place: str, distance: int, radius: int) -> str:
    """Outside the radius: refused, with the distance."""
    return t.gettext("📍 You are {distance} m from {place}; check-in counts within {radius} "
                     "m. Not checked in. Once there, scan the poster again or send /checkin."
                     ).format(place=esc(place), distance=distance, radius=radius)


def located_mark(t: Translator) -> str:
    """How a check-in by location is marked in the group."""
    return " 📍"


def open_in_other_team(t: Translator, team: str) -> str:
    """A scan while checked in with another team."""
    return t.gettext("You are still checked in with {team}. Check out there first (scan "
                     "that place's poster again, or send /checkout in that group).").format(
        team=esc(team))


def open_elsewhere(t: Translator, place: str, since: str) -> str:
    """A scan of one place while checked in at another: nothing changes."""
    return t.gettext("You checked in at {place} at {time} and have not checked out. Nothing "
                     "changed: to leave {place}, scan its poster.").format(
        place=esc(place), time=since)


def checked_in_by_command(t: Translator, since: str) -> str:
    """A scan after checking in from the group: arriving, or leaving?"""
    return t.gettext("You checked in from the group at {time}. Are you leaving now?").format(
        time=since)


def closed_forgotten(t: Translator, since: str, hours: str) -> str:
    """The bot closed a forgotten check-out just now."""
    return t.gettext("Your check-in at {time} was never checked out, so the bot closed it "
                     "at the end of the shift: {hours}, waiting for a leader to confirm.").format(
        time=since, hours=hours)


def stay(t: Translator) -> str:
    """The answer to "still on duty"."""
    return t.gettext("Fine, still on duty. Scan the poster again when you leave.")


def bad_radius(t: Translator, typed: str) -> str:
    """A radius that cannot be read, or out of range."""
    return t.gettext("“{typed}” is not a radius I can use: give the metres, from 10 to "
                     "2000, for example /place locate 3号投放点 200.").format(
        typed=esc(typed[:20]))


def locate_usage(t: Translator) -> str:
    """/place locate without a place."""
    return plain_text(t, "Usage: /place locate <place> [radius in metres, 150 if not given], "
                         "then send me the place's location privately.")


def start_me_first_locate(t: Translator) -> str:
    """The leader has not started the bot: the position is asked for privately."""
    return t.gettext("I ask for the place's location in a private chat: open a chat with me, "
                     "press Start, then send the command again.")


def no_position_yet(t: Translator) -> str:
    """Checked in without a location: the place has none to compare with."""
    return t.gettext("This place has no position set yet, so no location is needed: checked "
                     "in, and a leader confirms the hours.")


def consent_answer(t: Translator, agreed: bool) -> str:
    """The consent question, answered."""
    if agreed:
        return t.gettext("✅ Agreed.")
    return t.gettext("Not this time: checked in without a location; you will be asked again "
                     "next time.")


def no_longer_leader_to_locate(t: Translator) -> str:
    """A location sent for /place locate by someone who no longer leads the team."""
    return t.gettext("You no longer lead this team, so the place's position was not saved.")


def locate_again(t: Translator) -> str:
    """A leader's location after the ten minutes."""
    return t.gettext("That location came after the ten minutes, so it was not saved. Send "
                     "/place locate again in the group.")
