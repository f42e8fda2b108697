"""Building the PTB Application: services, rate limiter, and all handler wiring in one place."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import BotCommandScopeDefault, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import menu, render, views
from bot.acks import AckCoalescer, SharedWindows
from bot.config import Settings
from bot.context import DutyContext, Services
from bot.debounce import Debouncer
from bot.errors import on_error
from bot.gate import bot_membership_changed, chat_migrated, gate
from bot.i18n import translator
from bot.longtext import DutyBot
from bot.metrics import Metrics, telegram_answer, watching
from bot.notify import Notifier
from bot.outgoing import Outgoing
from bot.pacer import Pacer
from bot.ratelimit import OVERALL, PER_GROUP, DutyRateLimiter
from bot.throttle import CommandThrottle
from commands import (
    admin,
    attendance,
    certificate,
    cover,
    duty,
    export,
    forget,
    ical,
    location,
    mine,
    notices,
    org,
    places,
    points,
    record,
    report,
    rewards,
    roster_import,
    settings,
    shift,
    shift_command,
    signup,
    start,
    stats,
    today,
)
from scheduler.clock import Clock
from storage.db import SessionFactory

log = logging.getLogger(__name__)

DutyApplication = Application[Any, DutyContext, Any, Any, Any, Any]


class MeteredApplication(Application[Any, DutyContext, Any, Any, Any, Any]):
    """PTB's Application, counting each handled update (command, outcome, latency)."""

    async def process_update(self, update: object) -> None:
        """Handle one update as PTB does, then count it. An update from the webhook's inbox
        is marked begun first (not handled here if another instance took it over) and
        deleted from it once handled; a paced command stays begun until its turn has come
        and its second pass ended (bot.gate keeps that pass in `replays`)."""
        services = self.bot_data["services"]
        update_id = update.update_id if isinstance(update, Update) else None
        inbox = services.inbox if update_id is not None else None
        replaying = update_id is not None and \
            services.replays.get(update_id) is asyncio.current_task()
        if inbox is not None and update_id is not None and not replaying \
                and not await inbox.begin(update_id):
            return
        started = time.perf_counter()
        try:
            with watching() as failures:
                await super().process_update(update)
        finally:
            waiting = services.replays.get(update_id) if update_id is not None else None
            if waiting is not None and waiting is asyncio.current_task():
                del services.replays[update_id]  # its turn came; the gate stopped it first
                waiting = None
            if inbox is not None and update_id is not None and waiting is None:
                inbox.finish(update_id)
        if isinstance(update, Update):
            services.metrics.handled(update, time.perf_counter() - started, bool(failures))

# Handler groups run in this order; a stop in an earlier group ends the update there.
SERVICE_MESSAGES = -20
GATE = -10
COMMANDS = 0

# Only new messages carry commands: an edited /signup must do nothing.
NEW_MESSAGES = filters.UpdateType.MESSAGE


def file_url(api_base_url: str) -> str:
    """Where files are downloaded: `https://api.telegram.org/bot` gives
    `https://api.telegram.org/file/bot` (a local Bot API server or the emulator alike)."""
    base = api_base_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


def build_application(
    settings: Settings,
    sessions: SessionFactory,
    clock: Clock,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    pacer: Pacer | None = None,
    rate_pacer: Pacer | None = None,
    shared_limits: bool = False,
    limits_scale: float = 1.0,
) -> DutyApplication:
    """Assemble the bot: the same Application serves Telegram, the console and the tests.
    `shared_limits`: Telegram's limits are counted in the database, for every instance.
    `limits_scale`: Telegram's limits multiplied (benchmarks, through a test hook)."""
    metrics = Metrics()

    def on_answer(error: BaseException | None) -> None:
        metrics.sends.labels(telegram_answer(error)).inc()

    bot = DutyBot(
        settings.telegram.token,
        base_url=settings.telegram.api_base_url,
        base_file_url=file_url(settings.telegram.api_base_url),
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=get_updates_request or HTTPXRequest(),
        defaults=Defaults(
            parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
        ),
        rate_limiter=DutyRateLimiter(
            pacer=rate_pacer, on_answer=on_answer, shared=sessions if shared_limits else None,
            overall=(round(OVERALL[0] * limits_scale), OVERALL[1]),
            group=(round(PER_GROUP[0] * limits_scale), PER_GROUP[1]),
        ),
    )
    app: DutyApplication = (
        ApplicationBuilder()
        .application_class(MeteredApplication)
        .bot(bot)
        .context_types(ContextTypes(context=DutyContext))
        .concurrent_updates(settings.bot.concurrent_updates)
        .build()
    )
    outgoing = Outgoing(app.bot, sessions, clock)

    async def send_ack(
        chat_id: int, thread_id: int | None, text: str, reply_to: int | None,
        markup: InlineKeyboardMarkup | None,
    ) -> None:
        await outgoing.to_group(
            chat_id, text, thread_id=thread_id, reply_to=reply_to, markup=markup
        )

    app.bot_data["services"] = Services(
        settings=settings,
        sessions=sessions,
        clock=clock,
        outgoing=outgoing,
        acks=AckCoalescer(settings.bot.ack_window, send_ack, pacer,
                          shared=SharedWindows(sessions) if shared_limits else None),
        throttle=CommandThrottle(shared=sessions if shared_limits else None),
        verifications=certificate.verify_limit(sessions),
        roster_edits=Debouncer(settings.bot.ack_window, pacer),
        metrics=metrics,
    )
    services = app.bot_data["services"]
    services.notifier = Notifier(app.bot, sessions, clock, services.admin_cache,
                                 settings.bot.language)
    _wire(app)
    metrics.commands, metrics.buttons = _known_kinds(app)
    return app


def _known_kinds(app: DutyApplication) -> tuple[frozenset[str], frozenset[str]]:
    """The commands and button kinds the wiring answers (the metrics' label values)."""
    commands: set[str] = set()
    buttons: set[str] = set()
    for handlers in app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                commands.update(handler.commands)
            elif isinstance(handler, CallbackQueryHandler):
                pattern = getattr(handler.pattern, "pattern", None)
                if isinstance(pattern, str):
                    buttons.update(_button_kinds(pattern))
    return frozenset(commands), frozenset(buttons)


def _button_kinds(pattern: str) -> set[str]:
    """`^fix(ok|no):` gives fixok and fixno; `^fixg?:` gives fix and fixg."""
    head = pattern.lstrip("^").split(":", 1)[0]
    match = re.fullmatch(r"([a-z]+)(?:\(([a-z|]+)\)|([a-z])\?)?", head)
    if match is None:
        return set()
    stem, choices, optional = match.groups()
    if choices:
        return {stem + c for c in choices.split("|")}
    if optional:
        return {stem, stem + optional}
    return {stem}


def _wire(app: DutyApplication) -> None:
    app.add_handler(
        ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        group=SERVICE_MESSAGES,
    )
    app.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, chat_migrated), group=SERVICE_MESSAGES
    )
    app.add_handler(TypeHandler(Update, gate), group=GATE)
    app.add_handler(
        MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, signup.member_left_chat),
        group=COMMANDS,
    )
    app.add_handler(
        ChatMemberHandler(signup.member_changed, ChatMemberHandler.CHAT_MEMBER), group=COMMANDS
    )
    app.add_handler(CommandHandler("start", start.start, filters=NEW_MESSAGES), group=COMMANDS)
    app.add_handler(
        CommandHandler("help", start.help_command, filters=NEW_MESSAGES), group=COMMANDS
    )
    app.add_handler(
        CommandHandler("signup", signup.signup, filters=NEW_MESSAGES), group=COMMANDS
    )
    app.add_handler(CommandHandler("leave", signup.leave, filters=NEW_MESSAGES), group=COMMANDS)
    for name, callback in (
        ("lang", admin.lang), ("leader", admin.leader), ("duty", duty.duty),
        ("shift", shift_command.dispatch), ("gaps", shift.gaps), ("place", places.place_command),
    ):
        app.add_handler(CommandHandler(name, _in_groups(name, callback), filters=NEW_MESSAGES),
                        group=COMMANDS)
    app.add_handler(CommandHandler("checkin", _in_groups_else(attendance.checkin,
                                                              location.private_checkin),
                                   filters=NEW_MESSAGES), group=COMMANDS)
    for name, callback in (
        ("checkout", attendance.checkout),
        ("hours", attendance.hours), ("noshows", attendance.noshow_list),
        ("report", report.report), ("problem", report.problem),
        ("problems", report.problems), ("resolve", report.resolve),
        ("today", today.today), ("settings", settings.settings_command),
        ("summary", notices.summary), ("training", record.training),
        ("commend", record.commend),
    ):
        app.add_handler(CommandHandler(name, _in_groups(name, callback), filters=NEW_MESSAGES),
                        group=COMMANDS)
    for name, callback in (
        ("me", today.me), ("remindme", notices.remindme), ("guide", notices.guide),
        ("noshow", attendance.noshow), ("org", org.org), ("stats", stats.stats),
        ("redeem", points.redeem), ("rewards", rewards.rewards_command),
        ("export", export.export), ("certificate", certificate.certificate),
        ("verify", certificate.verify), ("import", roster_import.import_command),
    ):
        app.add_handler(CommandHandler(name, callback, filters=NEW_MESSAGES), group=COMMANDS)
    app.add_handler(CommandHandler("forgetme", forget.forgetme, filters=NEW_MESSAGES),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(forget.tap_forget, pattern=r"^forget:(yes|no)$"),
                    group=COMMANDS)
    for name, callback in (
        ("realname", org.realname), ("evaluate", record.evaluate),
        ("points", points.points_command), ("calendar", ical.calendar),
    ):
        app.add_handler(CommandHandler(name, _in_private(name, callback), filters=NEW_MESSAGES),
                        group=COMMANDS)
    app.add_handler(
        MessageHandler(NEW_MESSAGES & filters.PHOTO & filters.ChatType.GROUPS,
                       report.photo_message),
        group=COMMANDS,
    )
    app.add_handler(
        MessageHandler(
            NEW_MESSAGES & filters.REPLY & filters.TEXT & ~filters.COMMAND
            & filters.ChatType.GROUPS,
            report.form_text_reply,
        ),
        group=COMMANDS,
    )
    app.add_handler(
        MessageHandler(
            NEW_MESSAGES & filters.REPLY & filters.TEXT & ~filters.COMMAND
            & filters.ChatType.PRIVATE,
            record.correction_reply,
        ),
        group=COMMANDS,
    )
    app.add_handler(
        MessageHandler(NEW_MESSAGES & filters.Document.ALL & filters.ChatType.PRIVATE,
                       roster_import.document_message),
        group=COMMANDS,
    )
    app.add_handler(
        MessageHandler(NEW_MESSAGES & filters.Document.ALL & filters.ChatType.GROUPS,
                       roster_import.document_in_group),
        group=COMMANDS,
    )
    app.add_handler(CallbackQueryHandler(report.tap_form, pattern=r"^rf:"), group=COMMANDS)
    app.add_handler(CallbackQueryHandler(places.tap_leave, pattern=r"^scanout:"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(places.tap_stay, pattern=r"^scanstay:"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(location.tap_consent, pattern=r"^loc(ok|no):\d+:\d+$"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(location.tap_team, pattern=r"^wherego:\d+$"),
                    group=COMMANDS)
    app.add_handler(
        MessageHandler(NEW_MESSAGES & filters.LOCATION & filters.ChatType.PRIVATE,
                       location.location_message),
        group=COMMANDS,
    )
    app.add_handler(CallbackQueryHandler(roster_import.tap_team, pattern=r"^impto:\d+:\d+$"),
                    group=COMMANDS)
    app.add_handler(
        CallbackQueryHandler(roster_import.tap_link, pattern=r"^imp(link|no):\d+:\d+$"),
        group=COMMANDS,
    )
    app.add_handler(CallbackQueryHandler(notices.tap_absent, pattern=r"^absent:"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(admin.approve, pattern=r"^approve:"), group=COMMANDS)
    app.add_handler(CallbackQueryHandler(org.tap_decide, pattern=r"^org(ok|no):"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(today.tap_hide, pattern=r"^mehide:"), group=COMMANDS)
    app.add_handler(CallbackQueryHandler(certificate.tap_ask, pattern=r"^certme:"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(certificate.tap_object, pattern=r"^certobj:"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(certificate.tap_decide, pattern=r"^cert(ok|no):"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(record.tap_announce, pattern=r"^cmann:"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(rewards.tap_ask, pattern=r"^rwask:"), group=COMMANDS)
    app.add_handler(CallbackQueryHandler(rewards.tap_hand_over, pattern=r"^rw(ok|no):"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(record.tap_ask_correction, pattern=r"^fixg?:"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(record.tap_decide_correction, pattern=r"^fix(ok|no):"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(shift.tap_claim, pattern=r"^claim:"), group=COMMANDS)
    app.add_handler(CallbackQueryHandler(shift.tap_wait, pattern=r"^wait:"), group=COMMANDS)
    app.add_handler(CallbackQueryHandler(mine.tap_release, pattern=r"^rel:"), group=COMMANDS)
    app.add_handler(
        CallbackQueryHandler(mine.tap_release_confirmed, pattern=r"^relok:"), group=COMMANDS
    )
    app.add_handler(CallbackQueryHandler(mine.tap_keep, pattern=r"^keep:"), group=COMMANDS)
    app.add_handler(CallbackQueryHandler(cover.tap_take, pattern=r"^take:"), group=COMMANDS)
    app.add_handler(CallbackQueryHandler(duty.tap_undo, pattern=r"^undo:"), group=COMMANDS)
    app.add_handler(CallbackQueryHandler(shift.tap_page, pattern=r"^page:"), group=COMMANDS)
    app.add_handler(CallbackQueryHandler(shift.tap_gaps_page, pattern=r"^gpage:"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(attendance.tap_move, pattern=r"^moveto:"),
                    group=COMMANDS)
    app.add_handler(CallbackQueryHandler(shift.unknown_button), group=COMMANDS)
    app.add_handler(
        MessageHandler(NEW_MESSAGES & filters.COMMAND & filters.ChatType.PRIVATE,
                       start.unknown_command),
        group=COMMANDS,  # last in the group: only a command no handler above took
    )
    app.add_error_handler(on_error)


Handler = Callable[[Update, DutyContext], Coroutine[Any, Any, None]]


def _in_groups_else(in_group: Handler, in_private: Handler) -> Handler:
    """One command, two meanings: in a group, and privately."""

    async def handle(update: Update, context: DutyContext) -> None:
        await (in_group if context.group is not None else in_private)(update, context)

    return handle


def _in_groups(name: str, callback: Handler) -> Handler:
    """A group command sent privately gets a reply saying where it works."""

    async def handle(update: Update, context: DutyContext) -> None:
        if context.group is None:
            if update.effective_message is not None:
                t = context.translator_for(update)
                await update.effective_message.reply_text(render.group_only(t, name))
            return
        await callback(update, context)

    return handle


def _in_private(name: str, callback: Handler) -> Handler:
    """A private command sent in a group says where it works (and, when it carried personal
    details such as a real name or an evaluation, asks for the message to be deleted)."""

    async def handle(update: Update, context: DutyContext) -> None:
        message = update.effective_message
        if context.group is not None:
            if message is not None:
                typed = (message.text or "").split(maxsplit=1)[1:]
                personal = name not in ("points", "calendar") and bool(typed and typed[0].strip())
                t = context.translator_for(update)
                await context.reply(update, views.orgs.private_only(t, name, personal),
                                    kind="refused")
            return
        await callback(update, context)

    return handle


async def register_commands(app: DutyApplication) -> None:
    """Register the command menu: Chinese by default, English for English-speaking users."""
    await app.bot.set_my_commands(
        menu.bot_commands(translator("zh_CN")), scope=BotCommandScopeDefault()
    )
    await app.bot.set_my_commands(
        menu.bot_commands(translator("en")), scope=BotCommandScopeDefault(), language_code="en"
    )
