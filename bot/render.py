"""Rendering: model → text (Telegram HTML) + inline keyboards. All user text is escaped here.

Every message kind has one function; each takes a Translator, so every word passes through
the catalog, and every piece of user-provided text passes through `esc`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.longtext import MAX_MESSAGE, split_html
from storage.cleaning import TextProblem


def esc(text: str) -> str:
    """Escape user-provided text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def plain_text(t: Translator, message: str) -> str:
    """A catalog message that is plain text, not HTML (a usage line shows `<shift number>`):
    translated, then escaped whole like anything a person typed. Every other catalog message
    is HTML (tests/test_i18n.py holds both kinds to that)."""
    return esc(t.gettext(message))


def quote(text: str, limit: int = 30) -> str:
    """Something a person typed, echoed in a refusal: escaped, and shortened with "…" so a
    4,000-character mistake does not come back whole."""
    return esc(text if len(text) <= limit else text[: limit - 1] + "…")


def mention(user_id: int, name: str) -> str:
    """A mention that works for users without a username (text mention by id)."""
    return f'<a href="tg://user?id={int(user_id)}">{esc(name)}</a>'


def spacer(t: Translator) -> str:
    """What goes between two sentences: a space in English, nothing in Chinese."""
    return "" if t.language == "zh_CN" else " "


def join_names(t: Translator, names: Sequence[str]) -> str:
    """Names (escaped) joined the way the language lists things."""
    return t.gettext(", ").join(esc(n) for n in names)


def chunk_lines(lines: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Lines of HTML as few messages as fit Telegram's length limit (never cut in a tag)."""
    return split_html("\n".join(lines), limit) if lines else []


# ---- groups and approval -------------------------------------------------------------------

def pending_notice(t: Translator) -> str:
    """The one explanation a group gets until a bot administrator approves it."""
    return t.gettext(
        "👋 Hello! This group is not yet approved to use dutybot. The bot's administrators "
        "have been asked; once one approves, I will say so here. Until then I will not answer "
        "commands."
    )


def approval_request(t: Translator, title: str, chat_id: int) -> str:
    """Sent privately to each bot administrator when a new group appears."""
    return t.gettext(
        "A new group wants to use dutybot:\n<b>{title}</b> (chat id <code>{chat_id}</code>)\n"
        "Approve it only if you know this team."
    ).format(title=esc(title), chat_id=chat_id)


def approve_keyboard(t: Translator, group_id: int) -> InlineKeyboardMarkup:
    """The Approve button under an approval request."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.gettext("✅ Approve"), callback_data=f"approve:{group_id}")]]
    )


def approved_notice(t: Translator) -> str:
    """Posted in a group once it is approved."""
    return t.gettext(
        "✅ This group may now use dutybot. Send /signup to join the roster, /help for the "
        "commands."
    )


def approval_done(t: Translator, title: str) -> str:
    """The administrator's approval request, after approving."""
    return t.gettext("✅ Approved: <b>{title}</b>").format(title=esc(title))


# ---- signing up ----------------------------------------------------------------------------

def text_problem(t: Translator, field: str, problem: TextProblem, limit: int) -> str:
    """Why a name, building or skills text was refused."""
    if problem is TextProblem.EMPTY:
        return t.gettext("The {field} is empty.").format(field=field)
    if problem is TextProblem.TOO_LONG:
        return t.gettext("The {field} is too long: at most {limit} characters.").format(
            field=field, limit=limit
        )
    if problem is TextProblem.NO_LETTER:
        return t.gettext("The {field} needs at least one letter or digit.").format(field=field)
    return t.gettext(
        "The {field} contains characters that cannot be shown; please type it again."
    ).format(field=field)


def signup_usage(t: Translator) -> str:
    """How /signup is written."""
    return t.gettext(
        "Usage: /signup [display name] [building=…] [skills=…]\n"
        "Example: /signup Auntie Wang building=Block 3 skills=first aid"
    )


def storage_note(t: Translator) -> str:
    """What signing up stores, said every time someone signs up."""
    return t.gettext(
        "Stored: your Telegram id; your roster name, hours and reports (the group sees "
        "them); the building, skills and real name you give, your points, training, "
        "commendations and evaluations (only you, the team's leaders and the community "
        "office staff see those; a commendation is announced only if a leader chooses). "
        "Where a team checks in by location, only your distance from the place is kept, "
        "never the location. Chat messages are never stored. /leave takes you off the "
        "roster."
    )


def signed_up(t: Translator, name: str, rejoined: bool) -> str:
    """A member registered (or came back)."""
    if rejoined:
        head = t.gettext("✅ Welcome back, {name}! You are on the roster again.")
    else:
        head = t.gettext("✅ {name} has joined the roster.")
    return head.format(name=esc(name)) + "\n" + storage_note(t)


def profile_updated(t: Translator, name: str, changed: Sequence[str]) -> str:
    """A member's profile changed."""
    labels = {
        "display_name": t.gettext("display name"),
        "building": t.gettext("building"),
        "skills": t.gettext("skills"),
    }
    fields = t.gettext(", ").join(labels[c] for c in changed if c in labels)
    return t.gettext("✅ Updated {name}: {fields}.").format(name=esc(name), fields=fields)


def already_signed_up(t: Translator, name: str) -> str:
    """Nothing changed."""
    return t.gettext("{name} is already on the roster.").format(name=esc(name))


def name_taken(t: Translator, name: str) -> str:
    """Display names are unique within a group."""
    return t.gettext(
        "The name “{name}” is already used by another member of this group. Please choose "
        "another, for example /signup {name} 2"
    ).format(name=esc(name))


def name_reserved(t: Translator, name: str) -> str:
    """The label an erased volunteer's records stand under is nobody's name."""
    return t.gettext(
        "The name “{name}” is kept for the records of volunteers who asked to be forgotten. "
        "Please choose another, for example /signup Alice"
    ).format(name=esc(name))


def signed_up_many(t: Translator, names: Sequence[str]) -> list[str]:
    """One acknowledgement for many sign-ups at once (names, no mentions)."""
    names = list(dict.fromkeys(names))
    head = t.ngettext(
        "✅ {n} person joined the roster:", "✅ {n} people joined the roster:", len(names)
    ).format(n=len(names))
    lines = [head, join_names(t, names), storage_note(t)]
    return chunk_lines(lines)


def signup_in_private(t: Translator) -> str:
    """/signup only makes sense in a team's group."""
    return t.gettext(
        "/signup works in your team's group chat: open the group and send /signup there."
    )


def unknown_command(t: Translator, command: str) -> str:
    """A command the bot does not have (in a private chat)."""
    return t.gettext("I do not know /{command}. Send /help to see what I can do.").format(
        command=quote(command)
    )


def group_only(t: Translator, command: str) -> str:
    """A group command sent in a private chat."""
    return t.gettext(
        "/{command} works in your team's group chat: open the group and send it there."
    ).format(command=command)


def left_roster(t: Translator, name: str) -> str:
    """A member left the roster."""
    return t.gettext("{name} has left the roster. Their service history is kept.").format(
        name=esc(name)
    )


def not_on_roster(t: Translator) -> str:
    """/leave from someone who is not a member."""
    return t.gettext("You are not on this group's roster.")


# ---- general -------------------------------------------------------------------------------

def apology(t: Translator) -> str:
    """An unexpected error: short, polite, no traceback."""
    return t.gettext("😔 Sorry, something went wrong. Please try again in a moment.")


def welcome_private(t: Translator, name: str) -> str:
    """/start in a private chat."""
    return t.gettext(
        "👋 Hello {name}! I help your volunteer team run its duty roster. I can now send "
        "you reminders and personal information here."
    ).format(name=esc(name))


def language_changed(t: Translator) -> str:
    """/lang succeeded (said in the new language)."""
    return t.gettext("✅ From now on I speak English in this group.")


def language_usage(t: Translator) -> str:
    """How /lang is written."""
    return t.gettext("Usage: /lang zh_CN or /lang en")


def admins_only(t: Translator) -> str:
    """A command for the group's Telegram administrators."""
    return t.gettext("Only this group's administrators can do that.")


def approve_toast(t: Translator, outcome: str) -> str:
    """The toast after tapping Approve."""
    texts = {
        "approved": t.gettext("Approved."),
        "already": t.gettext("This group was already approved."),
        "gone": t.gettext("This group is no longer there."),
        "denied": t.gettext("Only the bot's administrators can approve groups."),
    }
    return texts[outcome]


def stale_button(t: Translator) -> str:
    """A button whose data we do not recognise (old, or made up)."""
    return t.gettext("This button is no longer valid.")


def leader_usage(t: Translator) -> str:
    """How /leader is written (escaped: the form has angle brackets)."""
    return plain_text(
        t,
        "Usage: reply to someone's message with /leader add or /leader remove "
        "(or pick them from the @ list after the command).",
    )


def name_someone(t: Translator) -> str:
    """The person could not be identified: the ways to name someone."""
    return t.gettext(
        "I cannot tell who you mean. Name them one of these ways: reply to one of their "
        "messages with the command; pick them from the @ list after the command; write their "
        "@username; or write their name as it is on this group's roster."
    )


def leader_changed(t: Translator, name: str, leader: bool) -> str:
    """Announced in the group."""
    if leader:
        return t.gettext("⭐ {name} is now a leader of this team.").format(name=esc(name))
    return t.gettext("{name} is no longer a leader of this team.").format(name=esc(name))


def leader_unchanged(t: Translator, name: str, leader: bool) -> str:
    """Nothing to change."""
    if leader:
        return t.gettext("{name} is already a leader.").format(name=esc(name))
    return t.gettext("{name} is not a leader.").format(name=esc(name))


def leader_not_member(t: Translator) -> str:
    """Only roster members can be leaders."""
    return t.gettext("They are not on the roster yet: ask them to send /signup first.")


def telegram_admin_stays(t: Translator) -> str:
    """Telegram administrators are always leaders."""
    return t.gettext(
        "Telegram administrators of this group are always leaders; that cannot be removed here."
    )


def slow_down(t: Translator) -> str:
    """One member sent commands faster than the group can take answers."""
    return t.gettext("🙏 Please slow down: I will answer your commands one by one.")


def not_done(t: Translator, command: str) -> str:
    """Commands past the queue: not done, and the member is told once."""
    return t.gettext(
        "/{command} was sent too fast and was not done (nor were the ones after it). Please "
        "send it again in a minute."
    ).format(command=esc(command))


def channel_refused(t: Translator) -> str:
    """A command sent on behalf of a channel."""
    return t.gettext("Please send commands as yourself, not on behalf of a channel.")


def anonymous_personal(t: Translator) -> str:
    """An anonymous admin tried a command that needs to know who they are."""
    return t.gettext(
        "You are posting as the group (anonymous admin), so I cannot tell who you are. "
        "Leader commands work; for your own roster use your personal account."
    )


def anonymous_files(t: Translator) -> str:
    """An anonymous admin asked for a file that goes privately to whoever asked."""
    return t.gettext(
        "You are posting as the group (anonymous admin), so I cannot tell whom to send the "
        "file to: it holds personal details and goes only to a private chat. Turn off "
        "“Remain anonymous” in your admin rights for this, or ask another leader."
    )


def anonymous_records(t: Translator) -> str:
    """An anonymous admin tried a command that changes someone's records."""
    return t.gettext(
        "You are posting as the group (anonymous admin), so I cannot tell who you are, and "
        "nobody may change hours or records without a name: turn off “Remain anonymous” in "
        "your admin rights for this, or ask another leader."
    )


def not_in_group(t: Translator, name: str) -> str:
    """The person named is not a member of this Telegram group (or is a bot)."""
    return t.gettext(
        "{name} is not a member of this group, so I cannot do that for them."
    ).format(name=esc(name))


def leaders_only_there(t: Translator, group: str) -> str:
    """A private deep link meant for a group's leaders, opened by someone else."""
    return t.gettext("Only the leaders of {group} can open this.").format(group=esc(group))
