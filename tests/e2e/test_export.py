"""The ledger workbook end to end: a scripted stretch of November, /export by a leader who has
not started the bot (a deep link only they can open), every cell of every sheet read back
with openpyxl, and the CSV files the same."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import icalendar
import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.cli import main
from bot.emulator import FakeChat, FakeUser
from bot.export_cli import export_teams
from bot.i18n import translator
from scheduler.jobs import upkeep
from storage.models import AuditEntry, DocumentRequest, Organisation
from tests.e2e.conftest import FORUM_CHAT_ID, World
from tests.e2e.test_attendance import at
from tests.e2e.test_orgs import create_org, hours, join, private
from tests.e2e.test_roster import leader, plain

pytestmark = pytest.mark.usefixtures("many_commands")


def sent_file(world: World, chat: FakeChat) -> tuple[str, bytes]:
    """The last document the bot sent into a chat: its name and bytes."""
    files = [f for f in world.emulator.sent_files if f.chat_id == chat.id]
    assert files, "no file was sent"
    name = files[-1].filename
    assert name is not None
    return name, files[-1].content


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF, as a reader would copy it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def embedded_fonts(content: bytes) -> set[str]:
    """The fonts a PDF carries inside it (a reader without them still shows the text)."""
    found = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object().get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                found.add(str(font.get_object()["/BaseFont"]))
    return found


def cells(book: Any, title: str) -> list[list[Any]]:
    """A sheet's values, row by row, trailing empty rows dropped."""
    return [list(row) for row in book[title].iter_rows(values_only=True)]


async def month(world: World) -> tuple[FakeUser, FakeUser, FakeUser, FakeUser]:
    """Three evenings of a 19:00–21:00 duty at 2号投放点, with everything a ledger lists."""
    boss = await leader(world)
    alice, bob, carol = (world.user(n) for n in ("Alice", "Bob", "Carol"))
    at(world, "09:00", day=22)
    await world.say(boss, "/signup 陈队长")
    await world.say(alice, "/signup 王阿姨 楼栋=3号楼")
    await world.say(bob, "/signup 李叔")
    await world.say(carol, "/signup 张姐")
    await world.say(boss, "/duty add 督导 每天 19:00-21:00 需要1-2人 在 2号投放点")
    at(world, "12:00", day=23)
    await world.say(alice, "/shift claim 2")  # tonight is shift 2: 22 was shift 1
    at(world, "18:40", day=23)
    await world.say(alice, "/checkin")
    at(world, "19:10", day=23)
    await world.say(carol, "/checkin +1")  # a walk-in with her husband; she will forget
    at(world, "20:50", day=23)
    await world.say(alice, "/checkout")  # 19:00 → 20:50: 1.75 h, confirmed
    await world.say(alice, "/report 劝导3次 问题2个 服务居民10人次 分拣2.5公斤 桶边很干净")
    await world.say(bob, "/problem 3号楼垃圾桶盖坏了")
    at(world, "22:30", day=23)
    await upkeep(world.database.sessions, world.clock.now())  # Carol's record closed at 22:00
    at(world, "10:00", day=24)
    said = plain(await world.say(boss, "/hours 王阿姨 11-23 1.5 晚到了一刻钟"))
    assert "1.5" in said, said
    said = plain(await world.say(boss, "/hours 李叔 11-23 09:00-11:30 植树"))
    assert "2.5" in said, said
    await world.say(boss, "/resolve 1 已报物业更换")
    await world.say(boss, "/training 王阿姨 垃圾分类岗前培训 2026-11-20 2h")
    await world.say(boss, "/commend 李叔 2026-11-24 好人好事")
    return boss, alice, bob, carol


async def test_a_leader_gets_the_ledger_workbook_privately_and_every_cell_is_the_record(
    world: World,
) -> None:
    boss, alice, _, _ = await month(world)
    at(world, "20:00", day=30)
    await world.harness.tick()  # the minute's credit sweep: points for confirmed hours
    # The leader has not started the bot: one button, which only they can open.
    said = await world.say(boss, "/export 2026-11")
    assert "只在私聊中发送" in plain(said), plain(said)
    button = said[-1].reply_markup["inline_keyboard"][0][0]
    assert button["text"] == "在私聊中打开"
    payload = button["url"].rsplit("start=", 1)[1]
    assert payload.startswith("d-")
    said = plain(await world.say(alice, f"/start {payload}", chat=private(world, alice)))
    assert "只有申请的人才能打开" in said, said
    assert not [f for f in world.emulator.sent_files if f.method == "sendDocument"]
    chat = private(world, boss)
    await world.say(boss, f"/start {payload}", chat=chat)
    name, content = sent_file(world, chat)
    assert name == "台账-Sunrise Volunteers-2026年11月.xlsx"
    caption = world.emulator.bot_messages(chat)[-1].caption or ""
    assert "Sunrise Volunteers · 志愿服务台账，2026年11月，共 3 条服务记录" in caption, caption

    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["服务记录", "汇报", "问题", "志愿者", "培训与表彰", "汇总"]
    service = cells(book, "服务记录")
    assert service[0] == [
        "日期", "星期", "时段", "服务项目", "地点", "姓名", "志愿者编号", "楼栋", "签到",
        "签退", "时长（小时）", "确认状态", "确认人", "家属人数", "签到方式", "情况说明",
        "更正记录",
    ]
    day = datetime(2026, 11, 23)
    assert service[1:] == [
        [day, "周一", "19:00–21:00", "督导", "2号投放点", "王阿姨", None, "3号楼",
         time(18, 40), time(20, 50), 1.5, "已确认", "陈队长", 0, "群内签到",
         "晚到了一刻钟", "2026-11-24 10:00 陈队长：1.75 → 1.50 小时（晚到了一刻钟）"],
        [day, "周一", "19:00–21:00", "督导", "2号投放点", "张姐", None, None,
         time(19, 10), None, 1.75, "待确认", None, 1, "忘记签退（系统自动结束）",
         None, None],
        [day, "周一", None, "值班表以外的时长", None, "李叔", None, None,
         time(9, 0), time(11, 30), 2.5, "已确认", "陈队长", 0, "队长补录", "植树",
         "2026-11-24 10:00 陈队长：补录 2.50 小时（植树）"],
    ]
    ws = book["服务记录"]
    assert ws["K2"].number_format == "0.00" and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["I2"].number_format == "hh:mm"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:Q4"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.fitToWidth == 1
    assert ws.oddHeader.center.text == "Sunrise Volunteers · 志愿服务台账 2026年11月"

    assert cells(book, "汇报") == [
        ["日期", "班次", "汇报人", "志愿者编号", "发现问题", "劝导次数", "分拣重量（公斤）",
         "服务居民（人次）", "汇报内容", "照片"],
        [day, "督导 19:00–21:00", "王阿姨", None, 2, 3, 2.5, 10, "桶边很干净", 0],
    ]
    problems = cells(book, "问题")
    assert problems[0] == ["编号", "记录时间", "记录人", "地点", "问题", "期末状态", "解决时间",
                           "解决人", "处理情况"]
    assert problems[1:] == [[1, datetime(2026, 11, 23, 20, 50), "李叔", None,
                             "3号楼垃圾桶盖坏了", "已解决", datetime(2026, 11, 24, 10, 0),
                             "陈队长", "已报物业更换"]]
    volunteers = cells(book, "志愿者")
    assert volunteers[0] == [
        "志愿者编号", "姓名", "队伍", "楼栋", "技能", "本期已确认（小时）", "本期待确认（小时）",
        "累计已确认（截至期末，小时）", "累计待确认（截至期末，小时）", "本期服务人次",
        "星级（期末）", "积分结余（期末）", "未到岗", "培训时长（小时）",
    ]
    team = "Sunrise Volunteers"
    assert volunteers[1:] == [
        [None, "张姐", team, None, None, 0, 1.75, 0, 1.75, 2, 0, 0, 0, 0],
        [None, "李叔", team, None, None, 2.5, 0, 2.5, 0, 1, 0, 25, 0, 0],
        [None, "王阿姨", team, "3号楼", None, 1.5, 0, 1.5, 0, 1, 0, 15, 0, 2],
        [None, "陈队长", team, None, None, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ]
    assert cells(book, "培训与表彰") == [
        ["类别", "日期", "评价期", "姓名", "志愿者编号", "内容或等级", "时长（小时）", "备注",
         "记录人"],
        ["培训", datetime(2026, 11, 20), None, "王阿姨", None, "垃圾分类岗前培训", 2, None,
         "陈队长"],
        ["表彰", datetime(2026, 11, 24), None, "李叔", None, "好人好事", None, None, "陈队长"],
    ]
    summary = cells(book, "汇总")
    assert summary[1] == [team, "合计", None, None, 9, 1, 1, 3, 4, 4, 1.75, 0, 1, 2, 3, 2.5,
                          10, 1, 1, 0]
    assert summary[2:] == [
        [team, "服务项目", "督导", "2号投放点", None, None, 1, None, 3, 1.5, 1.75, None, None,
         None, None, None, None, None, None, None],
        [team, "服务项目", "值班表以外的时长", None, None, None, 0, None, 1, 2.5, 0, None,
         None, None, None, None, None, None, None, None],
        [team, "地点", None, "2号投放点", None, None, 1, None, 3, 1.5, 1.75, None, None, None,
         None, None, None, None, None, None],
    ]

    # Now that the leader has started the bot, the CSV files come straight to the chat.
    said = plain(await world.say(boss, "/export 2026-11-23..2026-11-24 csv"))
    assert "已私信发给你" in said, said
    name, content = sent_file(world, chat)
    assert name == "台账-Sunrise Volunteers-2026年11月23日至24日.zip"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.namelist() == [f"{s}.csv" for s in book.sheetnames]
        raw = archive.read("服务记录.csv")
        assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 Chinese with the BOM
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == service[0]
    assert rows[1][:12] == ["2026-11-23", "周一", "19:00–21:00", "督导", "2号投放点", "王阿姨",
                            "", "3号楼", "18:40", "20:50", "1.50", "已确认"]
    assert len(rows) == len(service)

    # The printed ledger: the shifts with who served, the figures, problems, signatures.
    said = plain(await world.say(boss, "/export 2026-11 pdf"))
    assert "已私信发给你" in said, said
    name, content = sent_file(world, chat)
    assert name == "台账-Sunrise Volunteers-2026年11月.pdf"
    assert any(f.endswith("WenQuanYiMicroHei-0") for f in embedded_fonts(content))
    text = pdf_text(content)
    for expected in ("Sunrise Volunteers · 志愿服务台账", "2026年11月", "一、服务记录",
                     "2026-11-23", "督导 19:00–21:00", "2号投放点",
                     "王阿姨 1.50、张姐 1.75（待确认）", "李叔 2.50", "二、本期数据",
                     "已确认时长（小时）", "4.00", "三、问题及处理情况", "3号楼垃圾桶盖坏了",
                     "已报物业更换", "队长（签字）", "经办人（签字）"):
        assert expected in text, (expected, text)

    async with world.database.sessions() as session:
        sent = (await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "document.send")
            .order_by(AuditEntry.id)
        )).all()
        requests = (await session.scalars(select(DocumentRequest))).all()
    assert [(e.actor_telegram_id, e.after["first"], e.after["last"], e.after["format"])
            for e in sent if e.after] == [
        (boss.id, "2026-11-01", "2026-11-30", "xlsx"),
        (boss.id, "2026-11-23", "2026-11-24", "csv"), (boss.id, "2026-11-01", "2026-11-30", "pdf"),
    ]
    assert len(requests) == 3


async def test_export_is_refused_to_volunteers_anonymous_admins_and_bad_periods(
    world: World,
) -> None:
    boss = await leader(world)
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")
    at(world, "20:00", day=30)
    said = plain(await world.say(alice, "/export"))
    assert "只有本队队长" in said or "只有队长" in said, said
    said = plain(await world.say(None, "/export", sender_chat=world.group))  # type: ignore[arg-type]
    assert "匿名" in said and "私聊" in said, said
    for bad in ("/export 2027-01", "/export 2026-11-20..2026-11-10", "/export 下个世纪",
                "/export month word", "/export 0001-01-01..2026-11-15"):
        said = plain(await world.say(boss, bad))
        assert "不是可以导出的时间段" in said and "用法" in said, (bad, said)
    said = plain(await world.say(alice, "/export", chat=private(world, alice)))
    assert "请在本队的群里发送 /export" in said, said
    assert not world.emulator.sent_files
    async with world.database.sessions() as session:
        assert (await session.scalars(select(DocumentRequest))).all() == []
    # A link from the group is no use a day later.
    said = await world.say(boss, "/export")
    payload = said[-1].reply_markup["inline_keyboard"][0][0]["url"].rsplit("start=", 1)[1]
    world.clock.advance(timedelta(hours=24, minutes=1))
    said = plain(await world.say(boss, f"/start {payload}", chat=private(world, boss)))
    assert "链接已过期" in said, said
    assert not world.emulator.sent_files


async def test_office_staff_get_every_team_and_the_export_command_writes_the_same(
    world: World, tmp_path: Path,
) -> None:
    boss1 = world.user("Boss1")
    world.emulator.set_admin(world.group, boss1)
    boss2 = world.emulator.add_user("Boss2")
    team2 = world.emulator.add_group("夕阳红服务队", chat_id=FORUM_CHAT_ID, admins=[boss2])
    alice = world.user("Alice")
    world.emulator.add_member(team2, alice)
    await world.say(alice, "/signup 王阿姨")
    await world.say(alice, "/signup 王姨", chat=team2)
    code = await create_org(world)
    await join(world, world.group, boss1, code)
    await join(world, team2, boss2, code)
    await hours(world, world.group, alice, 2, 3)  # 11-22 and 11-23, 3 h each
    await hours(world, team2, alice, 1, 2)  # 11-23, 2 h
    await world.harness.tick()
    office = private(world, world.admin)
    await world.say(world.admin, "/export 2026-11", chat=office)
    name, content = sent_file(world, office)
    assert name == "Ledger-幸福里社区居委会-Nov 1 – 24, 2026.xlsx"  # a month so far
    book = openpyxl.load_workbook(io.BytesIO(content))
    service = cells(book, "Service records")
    assert service[0][:3] == ["Team", "Date", "Weekday"]
    assert [(r[0], r[1], r[6], r[7], r[11]) for r in service[1:]] == [
        ("Sunrise Volunteers", datetime(2026, 11, 22), "王阿姨", "0001", 3),
        ("Sunrise Volunteers", datetime(2026, 11, 23), "王阿姨", "0001", 3),
        ("夕阳红服务队", datetime(2026, 11, 23), "王姨", "0001", 2),
    ]
    volunteers = cells(book, "Volunteers")
    # One person across the organisation: both teams, 8 h, 80 points in its passbook.
    assert volunteers[1][:3] == ["0001", "王阿姨", "Sunrise Volunteers、夕阳红服务队"]
    assert volunteers[1][5] == 8 and volunteers[1][11] == 80
    assert [r[:2] for r in cells(book, "Summary")[1:]] == [
        ["Sunrise Volunteers", "Total"], ["Sunrise Volunteers", "Duty"],
        ["夕阳红服务队", "Total"], ["夕阳红服务队", "Duty"],
    ]

    # The printed ledger in English: a section per team.
    await world.say(world.admin, "/export 2026-11 pdf", chat=office)
    name, content = sent_file(world, office)
    assert name == "Ledger-幸福里社区居委会-Nov 1 – 24, 2026.pdf"
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
    assert len(pages) == 2, pages
    assert "Sunrise Volunteers volunteer service ledger" in pages[0], pages[0]
    assert "夕阳红服务队 volunteer service ledger" in pages[1], pages[1]
    for expected in ("1. Shifts held", "hours outside the", "王阿姨 3.00",
                     "Confirmed hours", "6.00", "Team leader (signature)", "Clerk (signature)",
                     "(幸福里社区居委会)"):
        assert expected in pages[0], (expected, pages[0])
    assert "王姨 2.00" in pages[1], pages[1]

    # `dutybot export --org 1` on the office's computer: the same workbook.
    async with world.database.sessions() as session:
        org_id = await session.scalar(select(Organisation.id))
    assert org_id is not None
    out = tmp_path / "ledger.xlsx"
    written = await export_teams(
        world.database.sessions, out, first=date(2026, 11, 1), last=date(2026, 11, 30),
        org_id=org_id, group_id=None, fmt="xlsx", t=translator("en"),
        rules=world.settings.recognition.rules, progress=False,
    )
    assert written.records == 3
    again = openpyxl.load_workbook(out)
    for title in book.sheetnames:
        assert cells(again, title) == cells(book, title), title


def test_the_export_command_says_what_is_wrong_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "dutybot.toml"
    config.write_text(
        f'[telegram]\ntoken = "123:abc"\n[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/d.db"\n',
        encoding="utf-8",
    )
    assert main(["migrate", "--config", str(config)]) == 0
    code = main(["export", "--config", str(config), "--org", "7", "--from", "2026-11-01",
                 "--to", "2026-11-30", str(tmp_path / "out.xlsx")])
    assert code == 2
    assert "there is no organisation 7" in capsys.readouterr().err
    assert not (tmp_path / "out.xlsx").exists()
    code = main(["export", "--config", str(config), "--org", "7", "--from", "2026-11-01",
                 "--to", "2026-11-30", str(tmp_path / "out.csv")])
    assert code == 2 and ".zip (CSV files)" in capsys.readouterr().err
    code = main(["export", "--config", str(config), "--org", "7", "--from", "1999-12-31",
                 "--to", "2026-11-30", str(tmp_path / "out.pdf")])
    assert code == 2 and "before 2000-01-01" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "--config", str(config), "--org", "7", "--from", "2026-11-01",
              "--to", "2026-11-30", "--lang", "fr", str(tmp_path / "out.xlsx")])


async def test_what_people_typed_stays_text_and_problems_stand_as_at_the_period_end(
    world: World,
) -> None:
    boss = await leader(world)
    mallory = world.user("Mallory")
    at(world, "09:00", day=22)
    await world.say(boss, "/signup 陈队长")
    await world.say(mallory, "/signup =1+1 楼栋=@SUM(A1)")
    await world.say(mallory, "/report 劝导1次 =HYPERLINK(\"http://x\") 结尾")
    await world.say(mallory, "/problem =cmd|' /C calc'!A0")
    await world.say(boss, "/hours =1+1 11-21 2 -2+3")
    at(world, "10:00", day=24)
    await world.say(boss, "/resolve 1 +换了新桶")
    # The week of 11-16 to 11-22: the problem was raised then, resolved only on 11-24.
    chat = private(world, boss)
    await world.say(boss, "/start", chat=chat)
    await world.say(boss, "/export 2026-11-16..2026-11-22")
    _, content = sent_file(world, chat)
    book = openpyxl.load_workbook(io.BytesIO(content))
    typed = ["=1+1", "@SUM(A1)", "-2+3", "=HYPERLINK(\"http://x\") 结尾",
             "=cmd|' /C calc'!A0", "+换了新桶"]
    found = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value in typed]
    assert {c.value for c in found} == set(typed)
    assert all(c.data_type == "s" for c in found), [(c.coordinate, c.data_type) for c in found]
    problem = cells(book, "问题")[1]
    assert problem[5:] == ["未解决", datetime(2026, 11, 24, 10, 0), "陈队长", "+换了新桶"]
    summary = cells(book, "汇总")[1]
    assert summary[-3:] == [1, 0, 1]  # raised, resolved by the end, still open at the end

    await world.say(boss, "/export 2026-11-16..2026-11-22 csv")
    _, content = sent_file(world, chat)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        text = "".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())
    for value in typed:  # Excel runs none of them: each starts with an apostrophe
        assert f"'{value}" in text.replace('""', '"'), value


async def test_office_staff_before_any_team_joined_are_told_so(world: World) -> None:
    await create_org(world)
    office = private(world, world.admin)
    said = plain(await world.say(world.admin, "/export", chat=office))
    assert "No team has joined your community yet" in said, said
    assert not world.emulator.sent_files


async def test_a_volunteers_coming_shifts_as_a_calendar_file(world: World) -> None:
    boss = await leader(world)
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")
    chat = private(world, alice)
    said = plain(await world.say(alice, "/calendar", chat=chat))
    assert "你还没有认领接下来的班次" in said, said
    await world.say(boss, "/duty add 督导 每天 19:00-21:00 需要1-2人 在 2号投放点")
    await world.say(alice, "/shift claim 1")
    await world.say(alice, "/shift claim 2")
    said = plain(await world.say(alice, "/calendar 王阿姨"))
    assert "私聊" in said, said  # a private command, in the group
    await world.say(alice, "/calendar", chat=chat)
    name, content = sent_file(world, chat)
    assert name == "值班日历.ics"
    assert "接下来有 2 个班次" in (world.emulator.bot_messages(chat)[-1].caption or "")
    calendar = icalendar.Calendar.from_ical(content)
    events = list(calendar.walk("VEVENT"))
    assert [(str(e["summary"]), str(e["location"]), e.decoded("dtstart")) for e in events] == [
        ("督导（Sunrise Volunteers）", "2号投放点", datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
        ("督导（Sunrise Volunteers）", "2号投放点", datetime(2026, 11, 25, 11, 0, tzinfo=UTC)),
    ]
    assert all(e.decoded("dtend") - e.decoded("dtstart") == timedelta(hours=2) for e in events)
    [alarm] = events[0].walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(minutes=60)
    # Sent again after a release: the same UIDs, so a phone updates instead of duplicating.
    await world.say(alice, "/shift release 2")
    await world.say(alice, "/calendar", chat=chat)
    _, again = sent_file(world, chat)
    kept = [(str(e["uid"]), str(e["status"]))
            for e in icalendar.Calendar.from_ical(again).walk("VEVENT")]
    # The released shift stays as a cancelled event, so a phone drops it instead of keeping it.
    assert kept == [(str(events[0]["uid"]), "CONFIRMED"), (str(events[1]["uid"]), "CANCELLED")]
