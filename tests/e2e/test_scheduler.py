"""The scheduler end to end: the test moves the clock, the planner and dispatcher run at every
due time, and the fake Bot API shows what the group (and the leaders) received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.emulator import ApiError, FakeChat, FakeMessage, html_to_plain
from scheduler.stepping import advance_to
from storage.models import Group, GroupStatus, Outbox, OutboxStatus, Person
from tests.e2e.conftest import FORUM_CHAT_ID, World
from tests.e2e.test_attendance import at, evening
from tests.e2e.test_roster import leader

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Heard:
    """A bot message and the (local) time the test clock showed when it was posted."""

    at: datetime
    text: str
    message: FakeMessage


async def run_until(
    world: World, until: datetime, chat: FakeChat | None = None, zone: str = "Asia/Shanghai"
) -> list[Heard]:
    """Step the clock to `until` through every due time; what the bot posted on the way."""
    chat = chat or world.group
    heard: list[Heard] = []
    seen = len(world.emulator.bot_messages(chat))

    async def tick(now: datetime) -> datetime | None:
        nonlocal seen
        due = await world.harness.tick(now)
        await world.settle()
        for message in world.emulator.bot_messages(chat)[seen:]:
            heard.append(Heard(now.astimezone(ZoneInfo(zone)), html_to_plain(message.text or ""),
                               message))
        seen = len(world.emulator.bot_messages(chat))
        return due

    await advance_to(world.clock, until, tick)
    return heard


def local(day: int, hhmm: str, zone: ZoneInfo = SHANGHAI, month: int = 11) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(2026, month, day, hour, minute, tzinfo=zone)


def clock_of(heard: Heard) -> str:
    return heard.at.strftime("%d %H:%M")


async def statuses(world: World) -> dict[str, OutboxStatus]:
    async with world.database.sessions() as session:
        rows = (await session.scalars(select(Outbox))).all()
    return {r.key: r.status for r in rows}


async def test_an_evening_reminder_gap_noshow_and_summary_at_their_times(world: World) -> None:
    boss = await evening(world, need="2-3")
    alice, bob = world.user("Alice"), world.user("Bob")
    at(world, "18:35")
    await world.say(alice, "/shift claim 2")  # tomorrow, 25 November
    # Tonight (the 24th) nobody is on: the reminder and the gap alert still catch up now.
    heard = await run_until(world, local(25, "18:59"))
    kinds = [(clock_of(h), h.text.split("\n")[0][:40]) for h in heard]
    assert [k for k, _ in kinds] == [
        "24 18:35", "24 18:35",  # tonight's reminder (due 18:00) and gap (due 16:00)
        "24 20:00",  # the day-before roster for the 25th
        "25 16:00",  # gap: the 25th still needs one more, 3 hours ahead
        "25 18:00",  # reminder, mentioning Alice
    ], kinds
    # sent late (the team was set up at 18:35), it says how long is really left
    assert ("24 18:35", "⏰ 还有 25 分钟开始值班：") in kinds
    reminder = heard[-1]
    assert reminder.text.startswith("⏰ 还有 60 分钟开始值班：\n督导 19:00–21:00 — Alice")
    assert any(e.get("type") == "text_mention" and e["user"]["id"] == alice.id
               for e in reminder.message.entities)  # a mention that works without a username
    assert "Alice" in heard[2].text  # tomorrow's roster names who is on
    assert heard[3].message.buttons and "1" in heard[3].text  # a claim button; 1 more needed
    # Bob takes the last place after the gap alert: the summary will show him.
    at(world, "18:59", day=25)
    await world.say(bob, "/shift claim 2")
    at(world, "19:05", day=25)
    await world.say(bob, "/checkin")
    heard = await run_until(world, local(25, "19:16"))
    assert [clock_of(h) for h in heard] == ["25 19:15"]  # no-show: 1 of 2 checked in
    assert "1/2" in heard[0].text and "Alice" not in heard[0].text  # no names in the group
    await world.say(bob, "/report 劝导=4 公斤=2")
    at(world, "20:50", day=25)
    await world.say(bob, "/checkout")
    heard = await run_until(world, local(25, "23:00"))
    summaries = [h for h in heard if "Bob" in h.text]
    assert [clock_of(h) for h in summaries] == ["25 21:30"]
    summary = summaries[0].text
    assert summary.startswith("🌙 11月25日周三值班总结\n督导 19:00–21:00\n  Bob 1.75 小时")
    assert "志愿者 1 人 · 服务人次 1 · 服务时长 1.75 小时" in summary
    assert "汇报 1 条：发现问题 0 · 劝导次数 4 · 分拣重量 2 公斤 · 服务居民 0 人次" in summary
    # Nothing was sent twice: every key once, and ticking again adds nothing.
    again = await run_until(world, local(25, "23:30"))
    assert again == []
    assert all(s in (OutboxStatus.SENT, OutboxStatus.CANCELLED, OutboxStatus.EXPIRED)
               for s in (await statuses(world)).values())
    assert boss  # the leader exists; leaders without a private chat are told in the group


async def test_quiet_hours_move_an_early_gap_alert_to_the_evening_before(world: World) -> None:
    boss = await leader(world)
    at(world, "18:35")
    await world.say(boss, "/duty add 巡逻 每天 06:30-08:30 需要2人")
    await world.say(world.user("Alice"), "/shift claim 1")  # the 25th's patrol
    heard = await run_until(world, local(26, "07:00"))
    times = [clock_of(h) for h in heard]
    # The gap for the 25th's 06:30 patrol is due at 03:30, inside 21:30–07:00: it goes out
    # when quiet hours begin. The 05:30 reminder is a duty reminder: it goes out on time,
    # to Alice; the 26th's patrol has nobody on it, so nobody is woken at 05:30 for it.
    assert "24 21:30" in times and "25 03:30" not in times
    [reminder] = [h for h in heard if clock_of(h) == "25 05:30"]
    assert "Alice" in reminder.text
    assert "26 05:30" not in times
    assert not any(h.at.hour in (0, 1, 2, 3, 4) for h in heard)


async def test_a_moved_shift_is_reminded_at_its_new_time_only(world: World) -> None:
    boss = await evening(world)
    alice = world.user("Alice")
    at(world, "10:00", day=25)
    await world.say(alice, "/shift claim 2")
    await world.say(boss, "/duty edit 1 time=20:00-22:00")
    heard = await run_until(world, local(25, "20:30"))
    reminders = [h for h in heard if "Alice" in h.text and "20:00" in h.text]
    assert [clock_of(h) for h in reminders] == ["25 19:00"]
    assert not any("19:00–21:00" in h.text for h in heard if h.at.day == 25)


async def test_two_groups_get_their_summary_at_their_own_evening(world: World) -> None:
    boss = await leader(world)
    ny = world.emulator.add_group("Brooklyn Block", chat_id=FORUM_CHAT_ID, admins=[boss])
    said = html_to_plain("".join(m.text or "" for m in await world.say(
        boss, "/settings timezone=America/New_York", chat=ny)))
    assert "America/New_York" in said
    await world.say(boss, "/settings summary_empty=true", chat=ny)
    await world.say(boss, "/lang en", chat=ny)
    await world.say(boss, "/settings summary_empty=true")
    heard_here = await run_until(world, local(25, "12:00"))
    async with world.database.sessions() as session:
        rows = (await session.scalars(select(Group).order_by(Group.id))).all()
    assert [g.timezone for g in rows] == ["Asia/Shanghai", "America/New_York"]
    here = [h for h in heard_here if "🌙" in h.text]
    there = [m for m in world.emulator.bot_messages(ny) if "🌙" in (m.text or "")]
    assert html_to_plain(there[0].text or "").startswith("🌙 Summary of Tue, Nov 24")
    assert "Volunteers 0 · person-times 0 · hours 0 h" in html_to_plain(there[0].text or "")
    # 21:30 in Shanghai is 13:30 UTC; 21:30 in New York on the 24th is 02:30 UTC on the 25th,
    # 10:30 in Shanghai.
    assert [clock_of(h) for h in here] == ["24 21:30"]
    assert [datetime.fromtimestamp(m.date, UTC) for m in there] == [
        datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    ]


@pytest.mark.parametrize("month,day", [(3, 27), (10, 23)])  # around 29 March, 25 October
async def test_dst_in_berlin_neither_loses_nor_doubles_a_reminder(
    world: World, month: int, day: int
) -> None:
    boss = await leader(world)
    await world.say(boss, "/settings timezone=Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    world.clock.set(datetime(2026, month, day, 12, 0, tzinfo=berlin).astimezone(UTC))
    # 02:30 does not exist on the spring Sunday and happens twice on the autumn one.
    await world.say(boss, "/duty add Nacht daily 02:30-04:00 need 1")
    await world.say(boss, "/shift claim 1 every")
    heard = await run_until(
        world, datetime(2026, month, day + 4, 12, 0, tzinfo=berlin), zone="Europe/Berlin"
    )
    reminders = [h for h in heard if "⏰" in h.text]
    assert len(reminders) == 4  # one a night, none lost, none doubled
    # Each at 01:30 on Berlin's wall clock, whichever offset is in force that night (a
    # reminder computed with the winter offset all along would say 02:30 in summer).
    assert [clock_of(h) for h in reminders] == [f"{day + n + 1} 01:30" for n in range(4)]
    assert all("Boss" in h.text for h in reminders)
    keys = [k for k in await statuses(world) if k.startswith("reminder:")]
    assert len(keys) == len(set(keys)) == 4


async def test_faults_never_send_twice_and_403_stops_the_group(world: World) -> None:
    await evening(world, need="2-3")
    alice = world.user("Alice")
    at(world, "10:00", day=25)
    await world.say(alice, "/shift claim 2")
    em = world.emulator

    def posted(mark: str) -> int:
        return sum(mark in (m.text or "") for m in em.bot_messages(world.group))

    # 500 with a body proves nothing was sent: made again twice, then the gap alert waits for
    # the next tick.
    em.inject("sendMessage", ApiError(500, "Internal Server Error"), count=3,
              chat_id=world.group.id)
    await run_until(world, local(25, "16:00"))
    [gap] = [k for k in await statuses(world) if k.startswith("gap:")]
    assert posted("🆘") == 0 and (await statuses(world))[gap] is OutboxStatus.PENDING
    # Refused connections prove the same.
    await world.server.refuse_connections(True)
    await run_until(world, local(25, "16:01"))
    await world.server.refuse_connections(False)
    assert posted("🆘") == 0 and (await statuses(world))[gap] is OutboxStatus.PENDING
    await run_until(world, local(25, "16:02"))
    assert posted("🆘") == 1 and (await statuses(world))[gap] is OutboxStatus.SENT
    # 429 with retry_after: the rate limiter waits and tries again; the reminder goes once.
    em.inject("sendMessage", ApiError(429, "Too Many Requests: retry after 1", retry_after=1),
              chat_id=world.group.id)
    await run_until(world, local(25, "18:30"))
    assert posted("⏰") == 1
    # The connection drops after Telegram applied the request: uncertain, never resent.
    em.inject("sendMessage", "drop_after", chat_id=world.group.id)
    await run_until(world, local(25, "19:40"))
    [noshow] = [k for k in await statuses(world) if k.startswith("noshow:")]
    assert (await statuses(world))[noshow] is OutboxStatus.UNCERTAIN
    assert posted("⚠️") == 1  # Telegram has it once; the bot did not try again
    # 403: the bot was removed. The group is marked left and nothing more is tried there.
    em.inject("sendMessage", ApiError(403, "Forbidden: bot was kicked from the supergroup chat"),
              count=None, chat_id=world.group.id)
    await run_until(world, local(26, "12:00"))
    em.clear_faults()
    async with world.database.sessions() as session:
        group = (await session.scalars(select(Group))).one()
    assert group.status is GroupStatus.LEFT
    final = await statuses(world)
    assert [k for k, s in final.items() if s is OutboxStatus.FAILED] == [
        f"roster:{group.id}:2026-11-26"
    ]
    assert OutboxStatus.SENDING not in final.values()
    assert sum(1 for k in final if k.startswith("reminder:")) == 1  # nothing after the 403


async def test_private_reminders_leaders_button_summary_on_demand_and_topic(
    world: World,
) -> None:
    boss = await evening(world, need="2-3")
    alice, bob = world.user("Alice"), world.user("Bob")
    private = world.emulator.private_chat(alice)
    await world.say(alice, "/start", chat=private)
    said = html_to_plain("".join(m.text or "" for m in await world.say(alice, "/remindme on")))
    assert "私下" in said or "私聊" in said or "🔔" in said
    at(world, "10:00", day=25)
    await world.say(alice, "/shift claim 2")
    await world.say(bob, "/shift claim 2")
    before = len(world.emulator.bot_messages(private))
    await run_until(world, local(25, "18:00"))
    mine = world.emulator.bot_messages(private)[before:]
    first_lines = [html_to_plain(m.text or "").split("\n")[0] for m in mine]
    assert first_lines == ["⏰ 还有 60 分钟开始值班："]
    heard = await run_until(world, local(25, "19:15"))
    [line] = [h for h in heard if "⚠️" in h.text]
    assert "已签到 0/2" in line.text and "Alice" not in line.text
    query = world.emulator.tap(line.message, 0, alice)
    await world.settle()
    assert "Alice" not in (world.emulator.callback_answers[query].get("text") or "")
    query = world.emulator.tap(line.message, 0, boss)
    await world.settle()
    assert world.emulator.callback_answers[query]["text"] == "还没签到：Alice、Bob"
    at(world, "20:00", day=25)
    await world.say(bob, "/report 劝导=2")
    summary = html_to_plain("".join(m.text or "" for m in await world.say(boss, "/summary")))
    assert summary.startswith("🌙 11月25日周三值班总结") and "劝导次数 2" in summary
    refused = html_to_plain("".join(m.text or "" for m in await world.say(alice, "/summary")))
    assert "🌙" not in refused


async def test_automatic_posts_follow_the_chosen_forum_topic(world: World) -> None:
    boss = await leader(world)
    forum = world.emulator.add_group("Forum Team", chat_id=FORUM_CHAT_ID, admins=[boss])
    forum.is_forum = True
    await world.say(boss, "/lang en", chat=forum)
    await world.say(boss, "/duty add Patrol daily 19:00-21:00 need 1", chat=forum)
    await world.say(boss, "/settings here", chat=forum, thread_id=42)
    await run_until(world, local(24, "18:45"), chat=forum)
    [reminder] = [m for m in world.emulator.bot_messages(forum) if "⏰" in (m.text or "")]
    assert reminder.message_thread_id == 42
    assert html_to_plain(reminder.text or "").startswith(
        "⏰ Duty starts in 30 minutes:\nPatrol 19:00–21:00 — nobody yet: /shift to claim"
    )


async def test_the_leader_guide_is_sent_privately(world: World) -> None:
    boss = await leader(world)
    [button] = await world.say(boss, "/guide")
    assert button.buttons[0]["url"].endswith("?start=guide")
    private = world.emulator.private_chat(boss)
    zh = await world.say(boss, "/start guide", chat=private)  # long: in parts
    assert html_to_plain(zh[0].text or "").startswith("值班机器人 · 队长指南")
    assert "社区、星级、积分和记录" in "".join(html_to_plain(m.text or "") for m in zh)
    await world.say(boss, "/guide")  # now that the leader has started the bot: privately
    guides = [m for m in world.emulator.bot_messages(private) if "队长指南" in (m.text or "")]
    assert len(guides) == 2


async def test_weekly_chart_monthly_report_and_private_noshow_for_leaders(world: World) -> None:
    boss = await evening(world, need="1-3")
    alice = world.user("Alice")
    await world.say(boss, "/start", chat=world.emulator.private_chat(boss))
    hello = world.emulator.send(world.group, alice, "/shift claim 1 every")  # every evening
    await world.settle()
    for day, hours in (("11-23", "1.5"), ("11-24", "2")):
        await world.say(boss, f"/hours {day} {hours}", reply_to=hello)
    await world.say(alice, "/report 问题=2 劝导=5 公斤=3 服务=7")
    private = world.emulator.private_chat(boss)
    before = len(world.emulator.bot_messages(private))
    heard = await run_until(world, local(29, "21:40"))
    # Alice never checked in: each evening's no-show alert went to the leader privately.
    assert not any("⚠️" in h.text for h in heard), [h.text for h in heard if "⚠️" in h.text]
    alerts = [m for m in world.emulator.bot_messages(private)[before:] if "⚠️" in (m.text or "")]
    assert len(alerts) == 6  # the 24th (already running at 19:15) to the 29th
    assert all("还没签到：Alice" in html_to_plain(m.text or "") for m in alerts)
    # Sunday: the weekly summary after the daily one, with a chart of hours per day.
    [weekly] = [h for h in heard if h.message.photo is not None]
    assert clock_of(weekly) == "29 21:31"
    caption = html_to_plain(weekly.message.caption or "")
    assert caption.startswith("📊") and "3.5 小时" in caption and "Alice 3.5 小时" in caption
    [chart] = [f for f in world.emulator.sent_files if f.method == "sendPhoto"]
    assert chart.size > 1000
    # The 1st: last month's numbers privately to the leader, ready to copy.
    before = len(world.emulator.bot_messages(private))
    await run_until(world, local(1, "09:30", month=12))
    [monthly] = [m for m in world.emulator.bot_messages(private)[before:] if "📄" in (m.text or "")]
    text = html_to_plain(monthly.text or "")
    assert "2026年11月" in text and "3.5 小时" in text and "5" in text and "3 公斤" in text


async def test_missing_rights_mark_the_group_for_its_leaders_without_retrying(
    world: World,
) -> None:
    boss = await evening(world)
    world.emulator.inject(
        "sendMessage",
        ApiError(400, "Bad Request: not enough rights to send text messages to the chat"),
        count=2, chat_id=world.group.id,
    )
    await run_until(world, local(24, "18:40"))
    failed = [k for k, s in (await statuses(world)).items() if s is OutboxStatus.FAILED]
    assert len(failed) == 2  # the gap alert and the reminder hit the 400: not retried
    said = html_to_plain("".join(m.text or "" for m in await world.say(boss, "/settings")))
    assert said.startswith("⚠️") and "机器人在这里没有发言权限" in said
    await run_until(world, local(24, "20:05"))  # the next post goes through: all clear
    said = html_to_plain("".join(m.text or "" for m in await world.say(boss, "/settings")))
    assert not said.startswith("⚠️") and "timezone=Asia/Shanghai" in said


async def test_a_volunteer_who_blocked_the_bot_gets_no_more_private_reminders(
    world: World,
) -> None:
    await evening(world)
    alice = world.user("Alice")
    await world.say(alice, "/start", chat=world.emulator.private_chat(alice))
    await world.say(alice, "/remindme on")
    at(world, "10:00", day=25)
    await world.say(alice, "/shift claim 2")
    world.emulator.block_bot(alice)
    await run_until(world, local(25, "18:05"))
    keys = await statuses(world)
    private = [k for k in keys if k.startswith("reminder:") and ":p" in k]
    assert [keys[k] for k in private] == [OutboxStatus.FAILED]
    async with world.database.sessions() as session:
        person = (await session.scalars(
            select(Person).where(Person.telegram_user_id == alice.id))).one()
    assert person.private_chat is False  # nothing more is tried there
    group_reminders = [k for k in keys if k.startswith("reminder:") and ":p" not in k]
    assert all(keys[k] is OutboxStatus.SENT for k in group_reminders)


async def test_a_group_that_became_a_supergroup_gets_its_reminder_at_the_new_id(
    world: World,
) -> None:
    boss = world.user("Boss")
    basic = world.emulator.add_group("Basic Team", chat_id=FORUM_CHAT_ID, supergroup=False,
                                     admins=[boss])
    await world.say(boss, "/duty add 督导 每天 19:00-21:00 需要1人", chat=basic)
    # The service messages about the move are not seen (the bot is not polling): the
    # dispatcher learns it from Telegram's answer to the send.
    assert world.harness.app.updater is not None
    await world.harness.app.updater.stop()
    new = world.emulator.migrate(basic)
    world.clock.set(local(24, "18:40").astimezone(UTC))
    await world.harness.tick()
    await world.harness.tick()
    assert not [m for m in world.emulator.bot_messages(basic) if "⏰" in (m.text or "")]
    assert len([m for m in world.emulator.bot_messages(new) if "⏰" in (m.text or "")]) == 1
    async with world.database.sessions() as session:
        chat_ids = (await session.scalars(select(Group.telegram_chat_id))).all()
    assert new.id in chat_ids and FORUM_CHAT_ID not in chat_ids
