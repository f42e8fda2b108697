"""Two instances on one PostgreSQL collect a kind's acknowledgements in one window: the
group gets one message a window, whichever instance handled each command."""

from __future__ import annotations

import asyncio

import pytest
from telegram import InlineKeyboardMarkup

from bot.acks import Ack, AckCoalescer, AckKey, SharedWindows
from bot.pacer import ManualPacer
from storage.db import SessionFactory
from tests.conftest import Database

WINDOW = 3.0


@pytest.mark.race(sessions=4)
async def test_two_instances_post_one_acknowledgement_of_a_kind_a_window(
    database: Database, other_instance: SessionFactory,
) -> None:
    pacer = ManualPacer()  # one time for both, as the wall clock is in production
    posted: list[tuple[float, str, str]] = []

    def sender(name: str) -> object:
        async def send(_chat: int, _thread: int | None, text: str, _reply: int | None,
                       _markup: InlineKeyboardMarkup | None) -> None:
            posted.append((pacer.now(), name, text))
        return send

    a = AckCoalescer(WINDOW, sender("a"), pacer,  # type: ignore[arg-type]
                     shared=SharedWindows(database.sessions, wall=pacer.now))
    b = AckCoalescer(WINDOW, sender("b"), pacer,  # type: ignore[arg-type]
                     shared=SharedWindows(other_instance, wall=pacer.now))
    signup, checkin = AckKey(-100, None, "signup"), AckKey(-100, None, "checkin")
    await a.add(signup, Ack("王阿姨报名了", None))
    await b.add(signup, Ack("李叔叔报名了", None))  # a's window: collected
    await a.add(signup, Ack("张阿姨报名了", None))  # a knows its own window
    await b.add(checkin, Ack("赵叔叔签到了", None))  # another kind has its own window
    assert [(name, text) for _, name, text in posted] == [("a", "王阿姨报名了"),
                                                       ("b", "赵叔叔签到了")]
    while not (a.idle and b.idle):
        await asyncio.sleep(0.01)
        pacer.advance()
    # b's collected name and a's went out in windows of their own, one after the other.
    later = sorted(posted[2:])
    assert [text for _, _, text in later] == ["李叔叔报名了", "张阿姨报名了"]
    assert later[0][0] >= WINDOW and later[1][0] >= later[0][0] + WINDOW


async def test_a_database_that_does_not_answer_leaves_the_windows_to_this_instance(
    unreachable: SessionFactory,
) -> None:
    pacer = ManualPacer()
    posted: list[str] = []

    async def send(_chat: int, _thread: int | None, text: str, _reply: int | None,
                   _markup: InlineKeyboardMarkup | None) -> None:
        posted.append(text)

    coalescer = AckCoalescer(WINDOW, send, pacer,
                             shared=SharedWindows(unreachable, wall=pacer.now))
    key = AckKey(-100, None, "signup")
    await coalescer.add(key, Ack("王阿姨报名了", None))
    await coalescer.add(key, Ack("李叔叔报名了", None))
    while not coalescer.idle:
        await asyncio.sleep(0.01)
        pacer.advance()
    assert posted == ["王阿姨报名了", "李叔叔报名了"]  # the second after this process's window
