"""Importing a team's volunteer list end to end: a leader sends the office's spreadsheet
privately, the bot answers row by row (added, updated, unchanged, rejected with the reason),
names the columns it did not read and keeps nothing of them, asks before linking a member
to a volunteer of the list, and the same file twice changes nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.emulator import FakeChat, FakeMessage, FakeUser
from bot.i18n import translator
from bot.import_cli import ListError, import_file
from storage import groups
from storage.models import AuditEntry, Membership, Person, RosterEntry
from tests.e2e.conftest import FORUM_CHAT_ID, World
from tests.e2e.test_orgs import private
from tests.e2e.test_roster import plain

pytestmark = pytest.mark.usefixtures("many_commands")

HEADINGS = ["序号", "姓名", "称呼", "楼栋", "技能", "标签", "Telegram", "身份证号", "手机号"]
ROWS: list[list[Any]] = [
    [1, "王秀英", "王阿姨", 3, "剪纸", "党员", "@wangayi", "310101195001011234", 13800000001],
    [2, "李建国", "李叔", "5号楼", None, None, None, "310101195202021234", 13800000002],
    [3, "张丽", None, "2号楼", "", "", "", "", ""],
    [4, None, None, "1号楼", None, None, None, "310101195303031234", None],
    [5, "赵德", "赵伯", "4号楼", None, None, "@@bad name", None, None],
    [6, "王秀英", "王阿姨", "3号楼", None, None, None, None, None],
    [7, "钱", "钱" * 40, None, None, None, None, None, None],
    [8, "周芳", "周姐", None, None, None, "t.me/WangAyi", None, None],
]


def workbook(rows: list[list[Any]], headings: list[str] = HEADINGS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def send_file(world: World, user: FakeUser, chat: FakeChat, name: str,
                    content: bytes) -> list[FakeMessage]:
    before = len(world.emulator.bot_messages(chat))
    world.emulator.send_document(chat, user, name, content)
    await world.settle()
    return world.emulator.bot_messages(chat)[before:]


async def entries(world: World) -> list[tuple[str, str | None, str | None, str | None,
                                              str | None, str | None]]:
    async with world.database.sessions() as session:
        rows = await session.scalars(select(RosterEntry).order_by(RosterEntry.id))
        return [(e.name, e.real_name, e.building, e.skills, e.tags, e.username) for e in rows]


async def test_a_leader_imports_the_office_list_row_by_row_and_links_members(
    world: World,
) -> None:
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    alice = world.user("Alice", username="wangayi")
    bob = world.user("Bob")
    await world.say(boss, "/signup 陈队长")
    await world.say(alice, "/signup 王阿姨 楼栋=3号楼")
    await world.say(bob, "/signup 李叔")
    office_list = workbook(ROWS)

    # A volunteer is not a leader: nothing is read, nothing kept.
    said = plain(await send_file(world, bob, private(world, bob), "名单.xlsx", office_list))
    assert "只有队长才能导入志愿者名单" in said, said
    assert await entries(world) == []
    # In the group the bot says where a list goes (it holds personal details).
    said = plain(await world.say(boss, "/import"))
    assert "请私聊发给我" in said, said
    chat = private(world, boss)
    said = plain(await send_file(world, boss, chat, "名单.xls", b"\xd0\xcf\x11\xe0old"))
    assert "旧版 Excel 文件（.xls）" in said and "另存为" in said, said
    said = plain(await send_file(world, boss, chat, "照片.jpg", b"\xff\xd8\xff"))
    assert "只能导入 Excel（.xlsx）或 CSV 文件" in said, said
    said = plain(await send_file(world, boss, chat, "坏的.xlsx", b"PK\x03\x04broken"))
    assert "读不了这个文件" in said, said
    said = plain(await send_file(world, boss, chat, "名单.csv", "序号,电话\n1,138\n".encode()))
    assert "前 10 行里要有一行表头" in said and "第一行写的是：序号、电话" in said, said
    assert await entries(world) == []

    answer = await send_file(world, boss, chat, "名单.xlsx", office_list)
    said = plain(answer[:1])
    assert "📋 名单“名单.xlsx”已导入Sunrise Volunteers：" in said, said
    assert "新增 3 人：第 2 行 王阿姨、第 3 行 李叔、第 4 行 张丽" in said, said
    for expected in ("· 第 5 行：没有姓名",
                     "· 第 6 行：“@@bad name”不是 Telegram 用户名（5 到 32 个字母、数字或 _，"
                     "以字母开头）",
                     "· 第 7 行：和第 2 行重名",
                     "· 第 8 行：称呼“" + "钱" * 20 + "”超过 32 个字，或者看不到字",
                     "· 第 9 行：@WangAyi已经在第 2 行",
                     "未导入 5 行",
                     "没有读取的列：序号、身份证号、手机号（这些列的内容不会保存）。"):
        assert expected in said, (expected, said)
    # Only the roster's own fields are kept: no ID card or phone number anywhere.
    assert await entries(world) == [
        ("王阿姨", "王秀英", "3", "剪纸", "党员", "wangayi"),
        ("李叔", "李建国", "5号楼", None, None, None),
        ("张丽", "张丽", "2号楼", None, None, None),
    ]
    async with world.database.sessions() as session:
        logged = [(a.action, a.after) for a in await session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("roster%")))]
    assert "310101" not in repr(logged) and "13800000001" not in repr(logged)
    assert logged[-1][1] is not None and logged[-1][1]["added"] == 3

    # The bot asks before linking: the same @username, the same roster name.
    questions = answer[1:]
    rule = ("确定是同一个人再连起来：连起来后，这位成员用导入名单上的称呼；自己没填楼栋、技能的，"
            "用名单上的；还没有登记实名的，也用名单上的实名。")
    assert [plain([q]) for q in questions] == [
        "Sunrise Volunteers：成员王阿姨（Telegram：@wangayi，11月24日周二加入）就是导入名单上的"
        "王阿姨（3）吗？" + rule,
        "Sunrise Volunteers：成员李叔（Telegram：Bob，11月24日周二加入）就是导入名单上的"
        "李叔（5号楼）吗？" + rule,
    ]
    # Only a leader's tap links (forged data from a volunteer changes nothing).
    world.emulator.tap_raw(questions[0], questions[0].reply_markup["inline_keyboard"][0][0]
                           ["callback_data"], bob)
    await world.settle()
    assert "只有本队队长才能把成员和导入名单连起来" in str(world.emulator.calls[-1].params)
    async with world.database.sessions() as session:
        assert (await session.scalars(select(RosterEntry.person_id))).all() == [None] * 3
    world.emulator.tap(questions[0], 0, boss)
    world.emulator.tap(questions[0], 0, boss)  # a second tap says so, and changes nothing
    world.emulator.tap(questions[1], 1, boss)
    await world.settle()
    toasts = [c.params.get("text") for c in world.emulator.calls
              if c.method == "answerCallbackQuery"]
    assert "已经连起来了。" in toasts, toasts
    linked = world.emulator.find_message(chat, questions[0].message_id)
    assert "✅ 已连起来：@wangayi就是导入名单上的王阿姨。" in plain([linked]), linked.text
    assert "从导入名单上取了：技能、实名" in plain([linked]), linked.text  # her building stays
    refused = world.emulator.find_message(chat, questions[1].message_id)
    assert "没有连：李叔不是导入名单上的李叔，以后不再问" in plain([refused]), refused.text
    async with world.database.sessions() as session:
        wang = await session.scalar(
            select(Membership).join(Person).where(Person.telegram_user_id == alice.id))
        assert wang is not None and (wang.display_name, wang.building, wang.skills) == (
            "王阿姨", "3号楼", "剪纸")
        person = await session.get(Person, wang.person_id)
        assert person is not None and person.real_name == "王秀英"

    # The same file again changes nothing, and asks nothing.
    answer = await send_file(world, boss, chat, "名单.xlsx", office_list)
    said = plain(answer)
    assert "没有变化 3 人：第 2 行 王阿姨、第 3 行 李叔、第 4 行 张丽" in said, said
    assert "新增" not in said and "更新" not in said and len(answer) == 1, said
    assert len(await entries(world)) == 3

    # A corrected list, saved by Chinese Excel as CSV (GBK): only what changed is updated,
    # and a linked member's building follows.
    corrected = "姓名,称呼,楼栋\n王秀英,王阿姨,6号楼\n李建国,李叔,5号楼\n".encode("gb18030")
    said = plain(await send_file(world, boss, chat, "名单.csv", corrected))
    assert "更新 1 人：第 2 行 王阿姨（楼栋）" in said, said
    assert "没有变化 1 人：第 3 行 李叔" in said, said
    async with world.database.sessions() as session:
        building = await session.scalar(
            select(Membership.building).join(Person).where(Person.telegram_user_id == alice.id))
    assert building == "6号楼"
    # /import privately: how, the team's list, and no question answered already.
    said = plain(await world.say(boss, "/import", chat=chat))
    assert "Sunrise Volunteers：导入名单上有 3 位志愿者，已和成员连起来 1 位" in said, said
    assert "就是导入名单上" not in said, said

    # The office's usual sheet: a title row above the headings, a renamed volunteer (the
    # same @username), an ID number typed into a column that is kept.
    titled = workbook([
        ["序号", "姓名", "称呼", "Telegram", "技能"],
        [1, "王秀英", "王姨", "@wangayi", "剪纸"],
        [2, "孙红", "孙姐", None, "电话13812345678"],
    ], headings=["幸福里志愿者名单（2026年）"])
    said = plain(await send_file(world, boss, chat, "名单2026.xlsx", titled))
    assert "更新 1 人：第 3 行 王姨（称呼）" in said, said
    assert "· 第 4 行：技能像是身份证号或手机号，这些信息不保存" in said, said
    assert ("王姨", "王秀英", "6号楼", "剪纸", "党员", "wangayi") in await entries(world)
    assert await world.roster() == ["陈队长", "王姨", "李叔"]  # the linked member follows
    assert "13812345678" not in repr(await entries(world))
    # Someone taken off the list (audited with what the row said).
    said = plain(await world.say(boss, "/import remove 张丽", chat=chat))
    assert "已把张丽从Sunrise Volunteers的导入名单上去掉" in said, said
    said = plain(await world.say(boss, "/import remove 张丽", chat=chat))
    assert "你带的队的导入名单上没有张丽" in said, said
    assert [e[0] for e in await entries(world)] == ["王姨", "李叔"]

    # A list posted in the group: the bot asks for it privately.
    before = len(world.emulator.bot_messages(world.group))
    world.emulator.send_document(world.group, boss, "名单.xlsx", office_list)
    await world.settle()
    said = plain(world.emulator.bot_messages(world.group)[before:])
    assert "请删除这条消息，把文件私聊发给我来导入" in said, said


async def leader_of_two_teams(world: World) -> tuple[FakeUser, FakeChat]:
    """A leader of the approved group and of a second team, East Gate."""
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    await world.say(boss, "/signup 陈队长")
    second = world.emulator.add_group("East Gate", chat_id=FORUM_CHAT_ID, admins=[boss])
    await world.say(boss, "/signup 老陈", chat=second)
    return boss, second


async def test_a_leader_of_two_teams_chooses_the_team(world: World) -> None:
    boss, second = await leader_of_two_teams(world)
    async with world.database.sessions() as session:
        found = await groups.by_chat_id(session, second.id)
        assert found is not None
        found_id = found.id
    chat = private(world, boss)
    answer = await send_file(world, boss, chat, "list.xlsx", workbook(ROWS[:1]))
    assert "名单“list.xlsx”导入哪个队？" in plain(answer), plain(answer)
    keyboard = answer[0].reply_markup["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["Sunrise Volunteers", "East Gate"]
    world.emulator.tap(answer[0], 1, boss)
    world.emulator.tap(answer[0], 1, boss)  # a double tap imports once
    await world.settle()
    said = plain(world.emulator.bot_messages(chat)[-2:])
    assert "已导入East Gate" in said and "新增 1 人：第 2 行 王阿姨" in said, said
    async with world.database.sessions() as session:
        assert (await session.scalars(select(RosterEntry.group_id))).all() == [found_id]


async def test_the_office_imports_on_its_computer_and_a_leader_links_in_telegram(
    world: World, tmp_path: Path,
) -> None:
    alice = world.user("Alice", username="wangayi")
    await world.say(alice, "/signup 王阿姨")
    path = tmp_path / "名单.csv"
    path.write_bytes("姓名,称呼,楼栋,Telegram,手机号\n王秀英,王阿姨,3号楼,@wangayi,138\n"
                     ",,,,\n,无名,,bad!,\n,赵伯,,@@,\n李建国,李叔,5号楼,,139\n".encode("utf-8-sig"))
    async with world.database.sessions() as session:
        team = await groups.by_chat_id(session, world.group.id)
        assert team is not None
    said = await import_file(world.database.sessions, path, group_id=world.group.id,
                             t=translator("zh_CN"), now=world.clock.now())
    assert "新增 2 人：第 2 行 王阿姨、第 6 行 李叔" in said, said
    assert "· 第 4 行：“bad!”不是 Telegram 用户名" in said, said  # the blank row 3 is skipped
    assert "· 第 5 行：“@@”不是 Telegram 用户名" in said, said
    assert "没有读取的列：手机号" in said, said
    assert "群里有 1 位成员可能是导入名单上的志愿者：请队长私聊机器人发送 /import" in said, said
    again = await import_file(world.database.sessions, path, group_id=team.id,
                              t=translator("en"), now=world.clock.now())
    assert "Unchanged 2: row 2 王阿姨, row 6 李叔" in again, again
    assert await entries(world) == [("王阿姨", "王秀英", "3号楼", None, None, "wangayi"),
                                     ("李叔", "李建国", "5号楼", None, None, None)]
    with pytest.raises(ListError, match="there is no team 99"):
        await import_file(world.database.sessions, path, group_id=99, t=translator("en"),
                          now=world.clock.now())
    old = tmp_path / "list.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ListError, match="old-style Excel file"):
        await import_file(world.database.sessions, old, group_id=team.id, t=translator("en"),
                          now=world.clock.now())


async def test_a_team_chosen_after_losing_its_leadership_imports_nothing(world: World) -> None:
    boss, second = await leader_of_two_teams(world)
    chat = private(world, boss)
    answer = await send_file(world, boss, chat, "list.xlsx", workbook(ROWS[:1]))
    world.emulator.set_admin(second, boss, False)  # East Gate has a new leader meanwhile
    world.harness.services.admin_cache.forget(second.id)
    query = world.emulator.tap(answer[0], 1, boss)
    await world.settle()
    said = world.emulator.callback_answers[query]["text"]
    assert said == "你已不是这个队的队长，名单没有导入这个队。", said
    async with world.database.sessions() as session:
        assert (await session.scalars(select(RosterEntry.group_id))).all() == []
