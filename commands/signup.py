"""/signup and /leave: joining and leaving a team's roster."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ChatMemberStatus

from bot import render, views
from bot.context import DutyContext, user_ref
from bot.i18n import Translator, translator
from commands.roster_edit import refresh_roster
from storage import members
from storage.cleaning import TextProblem, clean_name, clean_text
from storage.db import transaction
from storage.members import MAX_BUILDING, MAX_NAME, MAX_SKILLS, Profile

# Option keys as people type them, English and Chinese, to the field they set.
OPTION_KEYS = {
    "building": "building",
    "楼栋": "building",
    "楼号": "building",
    "网格": "building",
    "skills": "skills",
    "技能": "skills",
}
LIMITS = {"name": MAX_NAME, "building": MAX_BUILDING, "skills": MAX_SKILLS}
_OPTION = re.compile(r"(?:^|\s)([^\s=]+)=")
_QUOTES = ('""', "“”", "''", "‘’", "「」")


@dataclass(frozen=True)
class SignupArgs:
    """What /signup was asked to store; None means "not given"."""

    name: str | None = None
    building: str | None = None
    skills: str | None = None


@dataclass(frozen=True)
class UnknownOption:
    """`foo=bar` where foo is not an option."""

    key: str


@dataclass(frozen=True)
class BadField:
    """A name, building or skills value that cannot be stored."""

    field: str
    problem: TextProblem


SignupParse = SignupArgs | UnknownOption | BadField


def _unquote(text: str) -> str:
    for pair in _QUOTES:
        if len(text) >= 2 and text[0] == pair[0] and text[-1] == pair[1]:
            return text[1:-1]
    return text


def parse_signup(args: str) -> SignupParse:
    """Parse `[display name] [building=…] [skills=…]` (NFKC first, so ＝ works too)."""
    text = unicodedata.normalize("NFKC", args).strip()
    matches = list(_OPTION.finditer(text))
    values: dict[str, str | None] = {"name": None, "building": None, "skills": None}
    raw_name = text[: matches[0].start()] if matches else text
    for i, match in enumerate(matches):
        key = OPTION_KEYS.get(match.group(1).casefold())
        if key is None:
            return UnknownOption(match.group(1))
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        values[key] = text[match.end() : end]
    raw_name = raw_name.strip()
    if raw_name:
        values["name"] = _unquote(raw_name)
    cleaned: dict[str, str | None] = {}
    for field, raw in values.items():
        if raw is None:
            cleaned[field] = None
            continue
        clean = clean_name if field == "name" else clean_text
        result = clean(raw, LIMITS[field])
        if isinstance(result, TextProblem):
            return BadField(field, result)
        cleaned[field] = result
    return SignupArgs(cleaned["name"], cleaned["building"], cleaned["skills"])


def command_args(message: Message) -> str:
    """The text after the command word (CommandHandler's context.args loses the spacing)."""
    text = message.text or message.caption or ""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def _field_label(t: Translator, field: str) -> str:
    labels = {
        "name": t.gettext("display name"),
        "building": t.gettext("building"),
        "skills": t.gettext("skills"),
    }
    return labels[field]


def _bad_signup(t: Translator, parsed: UnknownOption | BadField) -> str:
    if isinstance(parsed, UnknownOption):
        head = t.gettext("I do not know the option “{key}=”.").format(key=render.esc(parsed.key))
    else:
        head = render.text_problem(
            t, _field_label(t, parsed.field), parsed.problem, LIMITS[parsed.field]
        )
    return head + "\n" + render.signup_usage(t)


async def signup(update: Update, context: DutyContext) -> None:
    """Register the sender in this group's roster, or update their profile."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    if context.group is None:
        await context.reply(update, render.signup_in_private(t))
        return
    parsed = parse_signup(command_args(message))
    if not isinstance(parsed, SignupArgs):
        await context.reply(update, _bad_signup(t, parsed), kind="signup.bad")
        return
    profile = Profile(display_name=parsed.name, building=parsed.building, skills=parsed.skills)
    async with transaction(context.services.sessions) as session:
        result = await members.signup(
            session, context.group.id, user_ref(user), profile, now=context.services.clock.now()
        )
    match result:
        case members.NoName():
            bad = BadField("name", TextProblem.EMPTY)
            await context.reply(update, _bad_signup(t, bad), kind="signup.bad")
        case members.Registered(membership, rejoined):
            await context.reply(
                update, render.signed_up(t, membership.display_name, rejoined), kind="signup",
                name=membership.display_name,
                render_many=lambda acks: render.signed_up_many(t, [a.name for a in acks]),
            )
            if rejoined:  # a shift of theirs under way may show them, maybe by another name
                refresh_roster(context)
        case members.Updated(membership, changed):
            await context.reply(
                update, render.profile_updated(t, membership.display_name, changed),
                kind="signup.updated",
            )
            if "display_name" in changed:  # the roster shows the new name
                refresh_roster(context)
        case members.Unchanged(membership):
            await context.reply(
                update, render.already_signed_up(t, membership.display_name),
                kind="signup.unchanged",
            )
        case members.NameTaken(taken):
            await context.reply(update, render.name_taken(t, taken), kind="signup.taken")
        case members.NameReserved(label):
            await context.reply(update, render.name_reserved(t, label), kind="signup.taken")


async def leave(update: Update, context: DutyContext) -> None:
    """Take the sender off this group's roster; their history stays."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    if context.group is None:
        await context.reply(update, render.group_only(t, "leave"))
        return
    async with transaction(context.services.sessions) as session:
        result = await members.leave(
            session, context.group.id, user.id, actor=user.id, now=context.services.clock.now()
        )
    if isinstance(result, members.Left):
        await context.reply(
            update, render.left_roster(t, result.membership.display_name), kind="leave"
        )
        await announce_freed(context, update, result)
    else:
        await context.reply(update, render.not_on_roster(t), kind="leave.not")


async def announce_freed(context: DutyContext, update: Update, left: members.Left) -> None:
    """Tell the leaders which places a departing member freed, and who moved up; the roster
    shows them without the member."""
    if context.group is None or not left.released:
        return
    group = context.group
    refresh_roster(context)
    t = translator(group.language)

    async def post(text: str, kind: str) -> None:
        if update.effective_message is not None:
            await context.reply(update, text, kind=kind)
        else:  # a chat_member update: no message to answer
            await context.services.outgoing.to_group(group.chat_id, text)

    free = [r.shift for r in left.released if r.promoted is None]  # not taken from the waitlist
    if free:
        await post(views.roster.places_freed(t, left.membership.display_name, free,
                                             group.timezone), "leave.freed")
    for released in left.released:
        if released.promoted is None:
            continue
        async with context.services.sessions() as session:
            moved = await members.membership_of(
                session, group.id, released.promoted.telegram_user_id
            )
        name = moved.display_name if moved else released.promoted.telegram_name
        await post(
            views.roster.promoted_from_waitlist(t, name, released.shift, group.timezone),
            "waitlist.promoted",
        )


async def member_changed(update: Update, context: DutyContext) -> None:
    """A `chat_member` update (only where the bot is an admin): promotions and demotions
    evict the admin cache; someone who left leaves the roster, as with the service message
    (which Telegram leaves out in large groups)."""
    change = update.chat_member
    if change is None or context.group is None:
        return
    context.services.admin_cache.forget(context.group.chat_id)
    gone = change.new_chat_member
    if gone.status not in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED) or gone.user.is_bot:
        return
    async with transaction(context.services.sessions) as session:
        result = await members.leave(
            session, context.group.id, gone.user.id, actor=None,
            now=context.services.clock.now(),
        )
    if isinstance(result, members.Left):
        await announce_freed(context, update, result)


async def member_left_chat(update: Update, context: DutyContext) -> None:
    """Someone left the Telegram group: they leave the roster too (history kept)."""
    message = update.effective_message
    if message is None or message.left_chat_member is None or context.group is None:
        return
    gone = message.left_chat_member
    async with transaction(context.services.sessions) as session:
        result = await members.leave(
            session, context.group.id, gone.id, actor=None, now=context.services.clock.now()
        )
    if isinstance(result, members.Left):
        await announce_freed(context, update, result)
