"""No crash, no silence: a seeded random walk of members and leaders sending every command
with ordinary, hostile and forged arguments while the clock jumps.

After every step: no apology, no error in the log, no request Telegram would refuse (an
entity that does not parse, a message too long, a server error), and the records hold their
invariants. A fixed seed runs in CI; `DUTYBOT_WALK_STEPS=2000 DUTYBOT_WALK_SEED=7` walks
further.
"""

from __future__ import annotations

import logging
import os
import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.emulator import FakeUser
from storage.models import Attendance, Claim, ClaimStatus, Membership, Person, Shift
from tests.e2e.conftest import APPROVED_CHAT_ID, BOT_ADMIN_ID, FORUM_CHAT_ID, World
from tests.e2e.test_attendance import at

STEPS = int(os.environ.get("DUTYBOT_WALK_STEPS", "800"))
TEAMS = [APPROVED_CHAT_ID, FORUM_CHAT_ID, *range(-1001234500101, -1001234500097)]
SEED = int(os.environ.get("DUTYBOT_WALK_SEED", "20261130"))

# The classes the hostile-input sweep found, and their neighbours, by the place they go.
IDS = ["1", "2", "3", "#2", "²", "３", "١٢", "0", "-1", "2147483648", "9" * 20, "abc", "1,2,,3"]
TEXTS = [
    "3号楼垃圾桶坏了", "\x00", "a\x00b", "\x1b[31m红", "\u202e", "Alice\u200e", "\u3164", "\u2800",
    "a\u2028b", "\ue000", "<b>", "&amp", "<a href='x'>链接", "x" * 300, "很" * 4000, "😀" * 50,
    "第一行\n第二行", "   ", "",
]
VALUES = [
    "Asia", "Asia/Shanghai", "localtime", "Factory", "a" * 256, "07:00-07:00", "21:30-07:00",
    "0", "9" * 30, "sunday", "是", "x" * 4000, "",
]
KEYS = ["timezone", "quiet_hours", "topic", "max_kg", "weekly_day", "summary_empty", "nope"]
ZONES = ["Asia", "localtime", "Factory", "a" * 256, "Asia/Shanghai", "../etc", "UTC", ""]
DAYS = ["今天", "昨天", "上周六", "2026-02-30", "0000-01-01", "9999-12-31", "11月23日", "x" * 50]
AMOUNTS = ["2", "1.5", "0", "-3", "25", "19:00-21:00", "25:00-26:00", "99999999999", "²"]
NUMBERS = ["劝导3次 问题2个", "kg=0.0004", "kg=500.0005", "kg=nan", "kg=1e9", "问题=99999999999",
           "捡了3斤", "问题\x00=2", "served=1.5"]
WHEN = ["daily", "每天", "monthly 9th mon", "11-24", "2026-11-24", "mon,funday", "每月第一个周六"]
TEMPLATES = [
    "/shift claim {id}", "/shift release {id}", "/shift cancel {id} {text}", "/shift cover {id}",
    "/shift assign {id} @alice", "/shift unassign {id} {text}", "/shift page {id}",
    "/shift claim {id} every", "/resolve {id} {text}", "/noshow {id} {text}", "/noshow",
    "/duty edit {id} name={text}", "/duty edit {id} place={text}", "/duty edit {id} need={id}",
    "/duty remove {id}", "/duty skip {id} {day}", "/duty add {text} {when} 19:00-21:00",
    "/duty add 巡逻 {when} 06:30-08:30 需要{id}人 在 {text}", "/settings {key}={value}",
    "/settings timezone={zone}", "/settings {key} {value}", "/summary {day}", "/summary {value}",
    "/hours {text} {day} {amount}",
    "/hours confirm {day}", "/report {numbers} {text}", "/report {text}", "/problem {text}",
    "/signup {text}", "/signup 王阿姨 楼栋={text}", "/checkin {text}", "/checkin {value}",
    "/checkout", "/today {value}", "/gaps {id}", "/shift mine", "/me", "/noshows {day}",
    "/leader add {text}", "/lang {value}", "/remindme {value}", "/guide", "/help", "/start {value}",
    "/duty list", "/shift", "/leave",
]
VERBS = ["claim", "wait", "rel", "relok", "keep", "take", "undo", "page", "moveto", "absent",
         "approve"]
GOOD = [
    "/duty add 督导 每天 19:00-21:00 需要2人 在 1号点", "/duty add 巡逻 daily 06:30-08:30 at 东门",
    "/shift claim 1", "/shift claim 2", "/checkin", "/checkout", "/report 劝导3次 问题2个",
    "/today", "/shift", "/gaps", "/signup 王阿姨 楼栋=3号楼", "/hours confirm 今天",
]


def _command(rng: random.Random) -> str:
    return rng.choice(TEMPLATES).format(
        id=rng.choice(IDS), text=rng.choice(TEXTS), value=rng.choice(VALUES),
        key=rng.choice(KEYS), day=rng.choice(DAYS), amount=rng.choice(AMOUNTS),
        numbers=rng.choice(NUMBERS), when=rng.choice(WHEN), zone=rng.choice(ZONES),
    )


def _button(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return f"rf:{rng.choice(IDS)}:n:{rng.choice(['1', '²', '-1', '99'])}"
    return f"{rng.choice(VERBS)}:{rng.choice(IDS)}"


async def _invariants(world: World) -> None:
    async with world.database.sessions() as session:
        # Capacity: never more live claims on a shift than it takes.
        over = await session.scalar(
            select(func.count()).select_from(Shift).where(
                Shift.need_max < select(func.count()).where(
                    Claim.shift_id == Shift.id, Claim.status == ClaimStatus.ACTIVE
                ).scalar_subquery()
            )
        )
        assert over == 0, "a shift holds more people than it takes"
        # One open attendance per person.
        open_per_person = (await session.execute(
            select(Attendance.person_id, func.count()).where(Attendance.is_open)
            .group_by(Attendance.person_id).having(func.count() > 1)
        )).all()
        assert open_per_person == [], "someone is checked in twice"
        # Hours are never negative, and credited only to members of the group.
        for row in (await session.scalars(select(Attendance))).all():
            assert (row.minutes or 0) >= 0, "negative hours"
            if row.served_from is not None and row.served_until is not None:
                assert row.served_until >= row.served_from
            member = await session.scalar(
                select(func.count()).select_from(Membership).join(
                    Person, Person.id == Membership.person_id
                ).where(Membership.group_id == row.group_id, Person.id == row.person_id)
            )
            assert member, "hours credited to someone who never joined the group"


@pytest.fixture
def bot_options() -> dict[str, object]:
    """Six approved teams: the walk is not held back by one group's 20 messages a minute."""
    return {"admins": (BOT_ADMIN_ID,), "allowed_groups": tuple(TEAMS), "ack_window": 0.1}


@pytest.fixture(autouse=True)
def many_commands(world: World) -> None:
    """The walk sends far more than a person would: the throttle is not what it tests."""
    world.harness.services.throttle.burst = 100_000


@pytest.mark.timeout(900)
async def test_a_random_walk_of_hostile_input_is_always_answered(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random(SEED)
    boss, alice = world.user("Boss"), world.user("Alice")
    people: list[FakeUser] = [boss, alice, world.user("Bob"), world.user("\u3164\u200e")]
    # Boss leads every team, Alice the others after the first; everyone is in every team.
    world.emulator.set_admin(world.group, boss)
    chats = [world.group]
    for n, chat_id in enumerate(TEAMS[1:]):
        team = world.emulator.add_group(f"Team {n}", chat_id=chat_id, admins=[boss, alice])
        for person in people[2:]:
            world.emulator.add_member(team, person)
        chats.append(team)
    at(world, "18:00")
    for chat in chats:
        for text in GOOD[:2]:
            await world.say(boss, text, chat=chat)
    caplog.set_level(logging.WARNING)
    for step in range(STEPS):
        calls_before = len(world.emulator.calls)
        caplog.clear()
        who = boss if rng.random() < 0.4 else rng.choice(people)
        roll = rng.random()
        if roll < 0.1:
            world.clock.advance(timedelta(minutes=rng.choice([5, 30, 90, 240, 600])))
            await world.harness.tick(world.clock.now())
            await world.settle()
            what = "clock"
        elif roll < 0.3:
            shown = [m for m in world.emulator.bot_messages(rng.choice(chats)) if m.buttons]
            if not shown:
                continue
            message = rng.choice(shown[-5:])
            data = (
                rng.choice(message.buttons).get("callback_data") or _button(rng)
                if rng.random() < 0.5 else _button(rng)
            )
            query = world.emulator.tap_raw(message, data, who)
            await world.settle()
            what = f"tap {data!r}"
            answer = world.emulator.callback_answers.get(query, {})
            assert "抱歉，出了点问题" not in str(answer.get("text", "")), (step, what, answer)
        else:
            text = rng.choice(GOOD) if roll < 0.4 else _command(rng)
            chat = rng.choice(chats) if rng.random() < 0.85 else world.emulator.private_chat(who)
            said = await world.say(who, text, chat=chat)
            what = f"{who.first_name}: {text[:80]!r}"
            for message in said:
                assert "抱歉，出了点问题" not in (message.text or ""), (step, what)
        refused = [
            (c.method, c.error) for c in world.emulator.calls[calls_before:]
            if c.status is not None and (
                c.status >= 500
                or "parse entities" in (c.error or "")
                or "too long" in (c.error or "")
                or "BUTTON_DATA_INVALID" in (c.error or "")
                or "query is too old" in (c.error or "")
            )
        ]
        assert refused == [], (step, what, refused)
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [], (step, what, errors)
        await _invariants(world)
    assert not world.emulator.internal_errors
