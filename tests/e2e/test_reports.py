"""Reports, photos, the button form, problems, /today and /me end to end."""

from __future__ import annotations

from sqlalchemy import select

from bot import views
from bot.i18n import translator
from storage.models import Photo, Problem, ProblemStatus, Report
from tests.e2e.conftest import World
from tests.e2e.test_attendance import at, evening
from tests.e2e.test_roster import count, plain


async def stored(world: World) -> list[Report]:
    async with world.database.sessions() as session:
        return list((await session.scalars(select(Report).order_by(Report.id))).all())


async def photos_of(world: World, report_id: int) -> int:
    return await count(world, Photo, Photo.report_id == report_id)


async def test_reports_with_numbers_chinese_keys_photos_and_an_album(world: World) -> None:
    await evening(world)
    alice, bob = world.user("Alice"), world.user("Bob")
    at(world, "18:00")
    await world.say(alice, "/shift claim 1")
    at(world, "20:30")
    typed = "/report problems=2 dissuaded=5 kg=3.5 served=10 楼下很干净"
    said = plain(await world.say(alice, typed))
    assert "督导" in said and "3.5" in said  # attached to her shift tonight
    await world.say(bob, "/report 问题=1 劝导＝３ 3斤 大家辛苦了")
    # A captioned photo.
    await world.say(bob, "", photo=True, caption="/report 公斤=1")
    # An album: the uncaptioned photos may arrive before or after the captioned one.
    world.emulator.send(world.group, alice, photo=True, caption="", media_group_id="album-1")
    world.emulator.send(world.group, alice, photo=True, caption="/report 服务=4 门口",
                        media_group_id="album-1")
    world.emulator.send(world.group, alice, photo=True, caption="", media_group_id="album-1")
    await world.settle()
    # /report as a reply to a photo.
    picture = world.emulator.send(world.group, bob, photo=True, caption="看这里")
    await world.settle()
    await world.say(bob, "/report 劝导=1", reply_to=picture)

    found = await stored(world)
    assert [(r.problems, r.dissuaded, r.grams, r.served) for r in found] == [
        (2, 5, 3500, 10), (1, 3, 1500, 0), (0, 0, 1000, 0), (0, 0, 0, 4), (0, 1, 0, 0),
    ]
    assert found[0].text == "楼下很干净" and found[1].text == "大家辛苦了"
    assert found[0].shift_id == 1 and found[1].shift_id is None  # Bob has no shift today
    assert [await photos_of(world, r.id) for r in found] == [0, 0, 1, 3, 1]
    async with world.database.sessions() as session:
        ids = (await session.scalars(select(Photo.file_unique_id))).all()
    assert len(set(ids)) == 5 and all(ids)

    today = plain(await world.say(world.user("Carol"), "/today"))
    # Summed: problems 2+1, dissuaded 5+3+1, litter 3.5+1.5+1 kg, served 10+4.
    assert "汇报 5 条：发现问题 3 · 劝导次数 9 · 分拣重量 6 公斤 · 服务居民 14 人次" in today


async def test_an_edited_report_files_nothing_new(world: World) -> None:
    alice = world.user("Alice")
    message = world.emulator.send(world.group, alice, "/report problems=1")
    await world.settle()
    world.emulator.edit(message, "/report problems=5")
    await world.settle()
    photo = world.emulator.send(world.group, alice, photo=True, caption="/report kg=1")
    await world.settle()
    world.emulator.edit(photo, "/report kg=2")
    await world.settle()
    found = await stored(world)
    assert [(r.problems, r.grams) for r in found] == [(1, 0), (0, 1000)]


async def test_bad_report_input_gets_a_reply_and_stores_nothing(world: World) -> None:
    people = [world.user(f"P{i}") for i in range(7)]
    attempts = [
        "/report kg=-1", "/report problems=abc", "/report problems=1.5", "/report kg=600",
        "/report colour=3", "/report problems=1 problems=2", "/report " + "字" * 4000,
    ]
    for person, attempt in zip(people, attempts, strict=True):
        said = plain(await world.say(person, attempt))
        assert said, attempt
    assert await count(world, Report) == 0


async def test_the_button_form_files_one_report(world: World) -> None:
    alice, bob = world.user("Alice"), world.user("Bob")
    [form] = await world.say(alice, "/report")
    data = [b["callback_data"] for b in form.buttons]
    draft = data[0].split(":")[1]
    # Someone else's taps change nothing.
    query = world.emulator.tap(form, f"rf:{draft}:n:5", bob)
    await world.settle()
    assert world.emulator.callback_answers[query].get("text")
    for tap in (f"rf:{draft}:f:dissuaded", f"rf:{draft}:n:3", f"rf:{draft}:s:1",
                f"rf:{draft}:f:kg", f"rf:{draft}:n:2"):
        world.emulator.tap(form, tap, alice)
        await world.settle()
    assert "4" in plain([form]) and "2" in plain([form])
    # Free text through a ForceReply prompt.
    world.emulator.tap(form, f"rf:{draft}:text", alice)
    await world.settle()
    prompt = world.emulator.bot_messages(world.group)[-1]
    assert prompt.reply_markup == {"force_reply": True, "selective": True}
    await world.say(alice, "路口有人乱扔垃圾", reply_to=prompt)
    assert "路口有人乱扔垃圾" in plain([form])
    assert await count(world, Report) == 0  # nothing filed before Save
    world.emulator.tap(form, f"rf:{draft}:save", alice)
    world.emulator.tap(form, f"rf:{draft}:save", alice)  # a double tap files once
    await world.settle()
    [report] = await stored(world)
    assert (report.dissuaded, report.grams, report.text) == (4, 2000, "路口有人乱扔垃圾")
    assert form.reply_markup is None or not form.buttons
    # Forged data on the form is refused with a toast.
    for forged in (f"rf:{draft}:n:7", f"rf:{draft}:f:money", "rf:999:save", "rf:x:y"):
        query = world.emulator.tap_raw(form, forged, alice)
        await world.settle()
        assert world.emulator.callback_answers[query].get("text")
    assert await count(world, Report) == 1


async def test_everyday_chinese_is_read_and_unread_numbers_open_the_form(world: World) -> None:
    alice, bob, carol = world.user("Alice"), world.user("Bob"), world.user("Carol")
    said = plain(await world.say(alice, "/report 劝导3次 问题2个 捡了3斤"))
    assert "1.5" in said
    [report] = await stored(world)
    assert (report.problems, report.dissuaded, report.grams, report.served, report.text) == (
        2, 3, 1500, 0, ""
    )
    # `5G` is no number: nothing is stored; the form asks for the numbers, the text in it.
    [form] = await world.say(bob, "/report 信号 5G 不好")
    assert await count(world, Report) == 1
    shown = plain([form])
    assert shown.startswith(views.reports.report_numbers_unread(translator("zh_CN")))
    assert "信号 5G 不好" in shown
    draft = form.buttons[0]["callback_data"].split(":")[1]
    world.emulator.tap(form, f"rf:{draft}:save", bob)
    await world.settle()
    found = await stored(world)
    assert [(r.problems, r.dissuaded, r.grams, r.served, r.text) for r in found[1:]] == [
        (0, 0, 0, 0, "信号 5G 不好")
    ]
    # Plain text is still a report; a photo's report cannot wait for a form, so it is filed.
    await world.say(carol, "/report 楼下很干净")
    await world.say(carol, "", photo=True, caption="/report 3号楼门口很脏")
    found = await stored(world)
    assert [r.text for r in found[2:]] == ["楼下很干净", "3号楼门口很脏"]
    assert await photos_of(world, found[-1].id) == 1


async def test_problems_open_and_close_and_the_reporter_is_told(world: World) -> None:
    boss = await evening(world)
    alice = world.user("Alice")
    await world.say(alice, "/start", chat=world.emulator.private_chat(alice))
    said = plain(await world.say(alice, "/problem 3号门垃圾桶坏了"))
    assert "#1" in said
    await world.say(alice, "", photo=True, caption="/problem 路灯不亮")
    listed = plain(await world.say(alice, "/problems"))
    assert "3号门垃圾桶坏了" in listed and "路灯不亮" in listed
    said = plain(await world.say(alice, "/resolve 1"))  # volunteers cannot close problems
    async with world.database.sessions() as session:
        first = await session.get(Problem, 1)
    assert first is not None and first.status is ProblemStatus.OPEN
    private = world.emulator.private_chat(alice)
    before = len(world.emulator.bot_messages(private))
    await world.say(boss, "/resolve 1 已报修")
    async with world.database.sessions() as session:
        first = await session.get(Problem, 1)
    assert first is not None and first.status is ProblemStatus.RESOLVED
    assert first.resolution == "已报修" and first.resolved_by == boss.id
    told = plain(world.emulator.bot_messages(private)[before:])
    assert "3号门垃圾桶坏了" in told and "已报修" in told
    listed = plain(await world.say(boss, "/problems"))
    assert "3号门垃圾桶坏了" not in listed and "路灯不亮" in listed
    assert await count(world, Photo, Photo.problem_id == 2) == 1


async def test_me_answers_privately_or_with_one_deep_link_a_minute(world: World) -> None:
    await evening(world)
    alice, bob = world.user("Alice"), world.user("Bob")
    await world.say(alice, "/shift claim 1")
    at(world, "18:50")
    await world.say(alice, "/checkin")
    at(world, "21:00")
    await world.say(alice, "/checkout")
    [button_message] = await world.say(alice, "/me")
    [button] = button_message.buttons
    assert button["url"].endswith("?start=me")
    assert await world.say(bob, "/me") == []  # one button a minute is enough
    private = world.emulator.private_chat(alice)
    [mine] = await world.say(alice, "/start me", chat=private)
    assert "本月：2 小时" in plain([mine]) and "累计：2 小时" in plain([mine])
    # Now that Alice has started the bot, /me goes straight to her private chat.
    world.clock.advance(__import__("datetime").timedelta(minutes=2))
    before = len(world.emulator.bot_messages(private))
    await world.say(alice, "/me")
    assert len(world.emulator.bot_messages(private)) == before + 1


async def test_group_commands_sent_privately_say_where_they_work(world: World) -> None:
    alice = world.user("Alice")
    private = world.emulator.private_chat(alice)
    for command in ("/checkin", "/report problems=1", "/today", "/problem x"):
        said = plain(await world.say(alice, command, chat=private))
        assert "group" in said.lower() or "群" in said, command
    assert await count(world, Report) == 0
