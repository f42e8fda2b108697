"""`dutybot console`: play a sample community offline, against the in-process Bot API emulator.

The same Application and handlers as `dutybot run`; the clock is yours to move.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.emulator import Emulator, FakeChat, FakeUser, html_to_plain
from bot.harness import Harness
from scheduler.clock import ManualClock, SystemClock
from scheduler.jobs import UPKEEP_EVERY, upkeep
from scheduler.stepping import advance_to
from storage import duties, groups, members
from storage.db import (
    SessionFactory,
    make_engine,
    make_session_factory,
    migrate,
    transaction,
)
from storage.duties import DutyDraft
from storage.groups import GroupDefaults
from storage.members import Profile, UserRef
from storage.recurrence import Window

ZONE = "Asia/Shanghai"
GROUP_CHAT_ID = -1001000000001
ADMIN_ID = 9001
NEW_PEOPLE_FROM = 10_000  # ids of people made with :as start above this (and the admin)
TOKEN = "1000:CONSOLE"

# (key, Telegram first name, username, display name on the roster, building)
PEOPLE = (
    ("alice", "Alice", "alice_wang", "王阿姨", "3号楼"),
    ("bob", "Bob", "bob_li", "李师傅", "5号楼"),
    ("carol", "Carol", None, "陈老师", "1号楼"),
    ("dave", "Dave", "dave_zh", "张大爷", "2号楼"),
)
HELP = """Console commands:
  /anything          send a message as the current user (e.g. /signup 王阿姨)
  :as NAME           speak as another user (alice, bob, carol, dave, admin, or a new name)
  :private / :group  talk to the bot privately / in the team group
  :admin NAME        make NAME an administrator of the group
  :reply WHO /cmd    send /cmd as a reply to message #N, or to WHO's last message here
  :file PATH         send a file from this computer (a volunteer list .xlsx or .csv)
  :location LAT LON  share a location (privately: a place's position, or a check-in)
  :tap N             press button [N] (a link button shows the link; a link to the bot
                     opens the private chat with it)
  :time YYYY-MM-DD HH:MM   set the clock (group time, Asia/Shanghai)
  :advance 2h        move the clock on (30m, 2h, 1d), stepping through everything due
  :users             who is who
  :quit              leave"""


@dataclass
class Console:
    """The state of one console session."""

    emulator: Emulator
    harness: Harness
    clock: ManualClock
    group: FakeChat
    users: dict[str, FakeUser]
    out: Callable[[str], None] = print
    current: str = "alice"
    in_private: bool = False
    seen_calls: int = 0
    # (chat, message, callback data, url) of every button shown, numbered from 1
    buttons: list[tuple[int, int, str, str]] = field(default_factory=list)
    people_file: Path | None = None  # where identities made with :as are kept
    files_dir: Path | None = None  # where the files the bot sends are saved, to open them
    _upkept: datetime | None = None

    @property
    def user(self) -> FakeUser:
        """Who is typing."""
        return self.users[self.current]

    @property
    def prompt(self) -> str:
        """The prompt shows who speaks and where."""
        return f"{self.current}{' (private)' if self.in_private else ''}> "

    def local(self, instant: datetime) -> str:
        """An instant as the group's wall clock."""
        return instant.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M %a")

    async def handle(self, line: str) -> bool:
        """Act on one input line; False ends the session."""
        line = line.strip()
        if not line:
            return True
        if not line.startswith(":"):
            await self.send(line)
            return True
        verb, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        action = getattr(self, f"cmd_{verb.lower()}", None)
        if action is None:
            self.out(f"unknown console command :{verb} — :help lists them")
            return True
        result = await action(rest)
        return result is not False

    @property
    def chat(self) -> FakeChat:
        """Where the current user is typing."""
        return self.emulator.private_chat(self.user) if self.in_private else self.group

    async def send(self, text: str, reply_to: int | None = None) -> None:
        """The current user posts `text` (as a reply to message `reply_to`)."""
        self.emulator.send(self.chat, self.user, text, reply_to=reply_to)
        await self.harness.settle()
        self.show_new()

    async def cmd_reply(self, rest: str) -> None:
        who, _, text = rest.partition(" ")
        target = self.replied_message(who)
        if target is None or not text.strip():
            self.out("usage: :reply N /command (message #N) or :reply NAME /command "
                     "(NAME's last message here)")
            return
        await self.send(text.strip(), reply_to=target)

    def replied_message(self, who: str) -> int | None:
        """Message #N of this chat, or the last one `who` posted here."""
        if who.lstrip("#").isdigit():
            number = int(who.lstrip("#"))
            found = [m for m in self.emulator.messages(self.chat) if m.message_id == number]
            return number if found else None
        user = self.users.get(who.lower())
        if user is None:
            return None
        theirs = [m for m in self.emulator.messages(self.chat)
                  if m.from_user is not None and m.from_user.id == user.id]
        return theirs[-1].message_id if theirs else None

    async def cmd_file(self, rest: str) -> None:
        path = Path(rest).expanduser()
        try:
            content = path.read_bytes()
        except OSError as exc:
            self.out(f"usage: :file PATH — cannot read {rest!r}: {exc.strerror or exc}")
            return
        self.emulator.send_document(self.chat, self.user, path.name, content)
        await self.harness.settle()
        self.show_new()

    async def cmd_location(self, rest: str) -> None:
        try:
            latitude, longitude = (float(x) for x in rest.replace(",", " ").split())
        except ValueError:
            self.out("usage: :location 31.2304 121.4737 (latitude longitude)")
            return
        self.emulator.send_location(self.chat, self.user, latitude, longitude)
        await self.harness.settle()
        self.show_new()

    async def cmd_help(self, _rest: str) -> None:
        self.out(HELP)

    async def cmd_quit(self, _rest: str) -> bool:
        return False

    async def cmd_as(self, rest: str) -> None:
        name = rest.lower()
        if not name:
            self.out("usage: :as NAME")
            return
        if name not in self.users:
            user_id = max([NEW_PEOPLE_FROM, *(u.id for u in self.users.values())]) + 1
            self.users[name] = self.emulator.add_user(rest, user_id=user_id)
            self.emulator.add_member(self.group, self.users[name])
            self.remember_people()
            await self.harness.settle()
            self.out(f"({rest} joined the group chat)")
        self.current = name

    def remember_people(self) -> None:
        """Keep the identities made with :as beside the database: after a restart `:as sun`
        is the same Telegram user, never someone else's id."""
        if self.people_file is None:
            return
        made = {k: {"name": u.first_name, "id": u.id} for k, u in self.users.items()
                if u.id > NEW_PEOPLE_FROM}
        self.people_file.write_text(json.dumps(made, ensure_ascii=False), encoding="utf-8")

    async def cmd_private(self, _rest: str) -> None:
        self.in_private = True

    async def cmd_group(self, _rest: str) -> None:
        self.in_private = False

    async def cmd_admin(self, rest: str) -> None:
        user = self.users.get(rest.lower())
        if user is None:
            self.out(f"no user {rest!r} — :users lists them")
            return
        self.emulator.set_admin(self.group, user)
        self.harness.services.admin_cache.forget(self.group.id)
        self.out(f"({rest} is now an administrator of the group)")

    async def cmd_users(self, _rest: str) -> None:
        for key, user in self.users.items():
            self.out(f"  {key:8} {user.first_name} (id {user.id})")

    async def cmd_tap(self, rest: str) -> None:
        if not rest.isdigit() or not 1 <= int(rest) <= len(self.buttons):
            self.out("usage: :tap N, where [N] is a button shown above")
            return
        chat_id, message_id, data, url = self.buttons[int(rest) - 1]
        if url:
            self.out(f"(a link: {url})")
            payload = url.partition(f"t.me/{self.emulator.bot_user.username}?start=")[2]
            if payload:  # a deep link to the bot: Telegram opens the private chat with it
                self.in_private = True
                self.out(f"(opening the private chat with the bot: /start {payload})")
                await self.send(f"/start {payload}")
            return
        message = self.emulator.find_message(chat_id, message_id)
        # A phone may still show a button the bot has since replaced: the tap goes out anyway.
        self.emulator.tap_raw(message, data, self.user)
        await self.harness.settle()
        self.show_new()

    async def cmd_time(self, rest: str) -> None:
        try:
            wall = datetime.strptime(rest, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(ZONE))
        except ValueError:
            self.out("usage: :time 2026-11-24 18:30")
            return
        if wall < self.clock.now():
            self.clock.set(wall)
        else:
            await advance_to(self.clock, wall, self.tick)
        await self.harness.settle()
        self.show_new()
        self.out(f"(it is now {self.local(self.clock.now())})")

    async def cmd_advance(self, rest: str) -> None:
        delta = parse_duration(rest)
        if delta is None:
            self.out("usage: :advance 30m | 2h | 1d | 1h30m")
            return
        await advance_to(self.clock, self.clock.now() + delta, self.tick)
        await self.harness.settle()
        self.show_new()
        self.out(f"(it is now {self.local(self.clock.now())})")

    async def tick(self, now: datetime) -> datetime | None:
        """What the scheduler does at `now`: hourly upkeep, reminders, alerts, summaries;
        returns when something next falls due."""
        if self._upkept is None or now - self._upkept >= UPKEEP_EVERY:
            await upkeep(self.harness.services.sessions, now)
            self._upkept = now
        due = await self.harness.tick(now)
        await self.harness.settle()
        self.show_new()
        hourly = self._upkept + UPKEEP_EVERY
        return min(due, hourly) if due is not None else hourly

    def show_new(self) -> None:
        """Print what the bot did since last time, as the chat would show it."""
        calls = self.emulator.calls[self.seen_calls :]
        self.seen_calls = len(self.emulator.calls)
        for call in calls:
            if not call.ok:
                continue
            params = call.params
            if call.method in ("sendMessage", "editMessageText", "sendPhoto", "sendDocument"):
                text = str(params.get("text") or params.get("caption") or f"[{call.method}]")
                where = self.where(int(params.get("chat_id", 0)))
                edited = " (edited)" if call.method == "editMessageText" else ""
                number = call.result_message_id or params.get("message_id")
                self.out(f"bot #{number}{where}{edited}: "
                         + html_to_plain(text).replace("\n", "\n     "))
                self.save_file(int(params.get("chat_id", 0)), call.result_message_id)
                self.show_buttons(call)
            elif call.method == "editMessageReplyMarkup":
                number = params.get("message_id")
                where = self.where(int(params.get("chat_id", 0)))
                self.out(f"bot #{number}{where} (buttons changed)")
                self.show_buttons(call)
            elif call.method == "answerCallbackQuery" and params.get("text"):
                self.out(f"bot (toast): {params['text']}")

    def save_file(self, chat_id: int, message_id: int | None) -> None:
        """Save a file the bot sent (a workbook, a PDF) where the player can open it."""
        sent = [f for f in self.emulator.sent_files
                if f.chat_id == chat_id and f.message_id == message_id and f.content]
        if not sent or self.files_dir is None:
            return
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / (sent[-1].filename or f"file-{message_id}")
        path.write_bytes(sent[-1].content)
        self.out(f"     📎 {path}")

    def where(self, chat_id: int) -> str:
        if chat_id == self.group.id:
            return ""
        for key, user in self.users.items():
            if user.id == chat_id:
                return f" → {key} (private)"
        return f" → chat {chat_id}"

    def show_buttons(self, call: object) -> None:
        markup = getattr(call, "params", {}).get("reply_markup")
        params = getattr(call, "params", {})
        message_id = getattr(call, "result_message_id", None) or params.get("message_id")
        if not isinstance(markup, dict) or message_id is None:
            return
        chat_id = int(getattr(call, "params", {}).get("chat_id", 0))
        row_texts = []
        for row in markup.get("inline_keyboard", []):
            for button in row:
                self.buttons.append((chat_id, message_id, button.get("callback_data", ""),
                                     button.get("url", "")))
                row_texts.append(f"[{len(self.buttons)}] {button.get('text', '')}")
        if row_texts:
            self.out("     " + "  ".join(row_texts))


def parse_duration(text: str) -> timedelta | None:
    """`30m`, `2h`, `1d`, `1h30m` → a duration."""
    match = re.fullmatch(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?", text.strip().lower())
    if not text.strip() or match is None:
        return None
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def build_world(emulator: Emulator) -> tuple[FakeChat, dict[str, FakeUser]]:
    """The sample community's people and group chat (stable ids across runs)."""
    users = {
        key: emulator.add_user(first, username=username, user_id=1001 + i)
        for i, (key, first, username, _name, _building) in enumerate(PEOPLE)
    }
    users["admin"] = emulator.add_user("Admin", username="office_admin", user_id=ADMIN_ID)
    group = emulator.add_group(
        "幸福里社区志愿服务队", members=list(users.values()), admins=[users["alice"]],
        creator=users["alice"], chat_id=GROUP_CHAT_ID,
    )
    return group, users


async def seed(sessions: SessionFactory, clock: ManualClock) -> None:
    """Put the sample community in the database (once)."""
    now = clock.now()
    async with transaction(sessions) as session:
        group, created = await groups.see_group(
            session, GROUP_CHAT_ID, "幸福里社区志愿服务队", now=now,
            defaults=GroupDefaults(ZONE, "zh_CN"), preapproved=True,
        )
        if not created:
            return
        for i, (_key, first, username, name, building) in enumerate(PEOPLE[1:], start=1):
            user = UserRef(1001 + i, first, username)
            await members.signup(
                session, group.id, user, Profile(name, building=building), now=now
            )
        today = duties.local_today(ZONE, now)
        for draft in (
            DutyDraft("垃圾分类督导", "FREQ=DAILY", today, Window(time(19), time(21)), 2, 4,
                      "3号投放点"),
            DutyDraft("清晨巡逻", "FREQ=DAILY", today, Window(time(6, 30), time(8, 30)), 3, 5,
                      "东门"),
        ):
            await duties.add_duty(session, group, draft, by=None, now=now)


async def _lines(script: str | None) -> AsyncIterator[str]:
    if script:
        for line in Path(script).read_text(encoding="utf-8").splitlines():
            yield line
        return
    while True:
        try:
            yield await asyncio.to_thread(input)
        except EOFError:
            return


async def run_console(db: Path, *, fresh: bool = False, script: str | None = None) -> int:
    """Open the console on a local SQLite file: the sample community, or (`fresh`) an empty
    database where the group still has to be set up."""
    people_file = Path(f"{db}.people.json")
    if fresh:
        for suffix in ("", "-wal", "-shm", ".people.json"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    clock = ManualClock(SystemClock().now().replace(second=0, microsecond=0))
    settings = Settings(
        telegram=TelegramSettings(token=TOKEN, api_base_url="http://emulator.invalid/bot"),
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{db}"),
        bot=BotSettings(
            timezone=ZONE, admins=(ADMIN_ID,), allowed_groups=(GROUP_CHAT_ID,), ack_window=0.5
        ),
    )
    engine = make_engine(settings.database.url)
    await migrate(engine, clock.now())
    sessions = make_session_factory(engine)
    if not fresh:
        await seed(sessions, clock)
    emulator = Emulator(clock, token=TOKEN)
    group, users = build_world(emulator)
    if people_file.exists():
        for key, known in json.loads(people_file.read_text(encoding="utf-8")).items():
            users[key] = emulator.add_user(known["name"], user_id=int(known["id"]))
            emulator.add_member(group, users[key])
    harness = Harness(settings, sessions, clock, emulator)
    console = Console(emulator, harness, clock, group, users, people_file=people_file,
                      files_dir=Path(f"{db}-files"))
    await harness.start()
    await harness.settle()
    console.seen_calls = len(emulator.calls)
    interactive = script is None and sys.stdin.isatty()
    console.out(f"dutybot console — {group.title} — {console.local(clock.now())}")
    if fresh:
        console.out("An empty database: you are alice, the group's creator. Try /signup, "
                    "/duty add, :help.")
    else:
        console.out("You are alice (王阿姨, the group's creator). Try /help, /signup, :as bob, "
                    ":help.")
    if interactive:
        print(console.prompt, end="", flush=True)
    try:
        async for line in _lines(script):
            if not interactive:
                console.out(console.prompt + line)
            if not await console.handle(line):
                break
            if interactive:
                print(console.prompt, end="", flush=True)
    finally:
        await harness.stop()
        await engine.dispose()
    return 0
