"""Check-in at the place: a leader gets the place's poster privately, its QR code carries the
deep link, a volunteer's scan checks them in at that place and a second one out, a walk-in
by scan lands at the place scanned, a replaced code stops working, passers-by are not
recorded, and every record says how presence was shown."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from storage.models import Attendance, AuditEntry, Place
from tests.e2e.conftest import World
from tests.e2e.test_attendance import at, records
from tests.e2e.test_orgs import private
from tests.e2e.test_roster import leader, plain

pytestmark = pytest.mark.usefixtures("many_commands")


def poster_link(world: World, chat_id: int) -> tuple[str, bytes]:
    """The link the last poster picture sent into a chat carries, and the PDF's bytes."""
    files = [f for f in world.emulator.sent_files if f.chat_id == chat_id]
    png = next(f for f in reversed(files) if f.field == "photo")
    pdf = next(f for f in reversed(files) if f.field == "document")
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    return code.text, pdf.content


async def test_a_volunteer_scans_in_and_out_at_the_place(world: World) -> None:
    boss = await leader(world)
    alice, bob = world.user("Alice"), world.user("Bob")
    stranger = world.emulator.add_user("Passer-by")
    at(world, "17:00")
    await world.say(boss, "/signup 陈队长")
    await world.say(alice, "/signup 王阿姨")
    await world.say(bob, "/signup 李叔")
    await world.say(boss, "/duty add 督导 每天 19:00-21:00 需要1-2人 在 3号投放点")
    await world.say(boss, "/duty add 巡逻 每天 19:00-21:00 需要1人 在 东门")
    await world.say(alice, "/shift claim 1")

    said = plain(await world.say(bob, "/place"))
    assert "本队的地点：\n· 3号投放点\n· 东门" in said, said
    said = plain(await world.say(bob, "/place qr 东门"))
    assert "只有" in said and "队长" in said, said  # a volunteer gets no poster
    said = plain(await world.say(boss, "/place qr 东门"))
    assert "请打开和我的私聊，点“开始”" in said, said  # never posted in the group
    boss_chat = private(world, boss)
    await world.say(boss, "/start", chat=boss_chat)
    said = plain(await world.say(boss, "/place qr 3号点"))
    assert "📬 已私信发给你。" in said, said
    link, pdf = poster_link(world, boss_chat.id)
    prefix = f"https://t.me/{world.emulator.bot_user.username}?start=p-"
    assert link.startswith(prefix) and len(link) - len(prefix) == 22, link
    token = link[len(prefix):]
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text()
    for expected in ("3号投放点", "Sunrise Volunteers", "到岗扫码签到，离开时再扫一次签退"):
        assert expected in text, (expected, text)
    async with world.database.sessions() as session:
        [place] = (await session.scalars(select(Place))).all()  # none for the failed one
    assert place.token_hash is not None and token not in repr(vars(place))  # only its hash
    # The same poster again is the same code (sent by Telegram's file id).
    await world.say(boss, "/place qr 3号投放点")
    assert poster_link(world, boss_chat.id)[0] == link
    await world.say(boss, "/place qr 东门")
    east = poster_link(world, boss_chat.id)[0][len(prefix):]

    # Outside the check-in window: when the next one opens.
    chat = private(world, alice)
    said = plain(await world.say(alice, f"/start p-{token}", chat=chat))
    assert "18:30" in said, said
    assert await records(world, "王阿姨") == []
    # A passer-by scanning the poster is not recorded.
    said = plain(await world.say(stranger, f"/start p-{token}",
                                 chat=private(world, stranger)))
    assert "你不在这个队的群里，所以没有记录" in said, said

    at(world, "18:55")
    posted = len(world.emulator.bot_messages(world.group))
    said = plain(await world.say(alice, f"/start p-{token}", chat=chat))
    assert "王阿姨" in said and "签到" in said, said
    await world.settle()
    heard = plain(world.emulator.bot_messages(world.group)[posted:])
    assert "王阿姨" in heard and "（扫码）" in heard, heard
    # A walk-in scanning the other place's code lands at that place.
    await world.say(bob, f"/start p-{east}", chat=private(world, bob))
    [bobs] = await records(world, "李叔")
    async with world.database.sessions() as session:
        from storage.models import Duty, Shift

        shift = await session.get(Shift, bobs.shift_id)
        assert shift is not None
        duty = await session.get(Duty, shift.duty_id)
    assert duty is not None and duty.place == "东门" and bobs.walk_in
    assert bobs.checkin_source == "scan"

    # A second scan a moment later asks first (a camera reads a code twice); "still on
    # duty" keeps the check-in.
    at(world, "19:00")
    [question] = await world.say(alice, f"/start p-{token}", chat=chat)
    assert "你签到还不到 15 分钟，现在签退的话这次不计时长" in plain([question])
    world.emulator.tap(question, 1, alice)
    await world.settle()
    kept = world.emulator.find_message(chat, question.message_id)
    assert "好的，继续值班" in plain([kept]), kept.text
    [mine] = await records(world, "王阿姨")
    assert mine.is_open
    # Scanning another place's poster while checked in here changes nothing.
    at(world, "20:00")
    said = plain(await world.say(alice, f"/start p-{east}", chat=chat))
    assert "你 18:55 在3号投放点签到了，还没有签退。这次什么也没有改" in said, said
    [mine] = await records(world, "王阿姨")
    assert mine.is_open
    at(world, "21:00")
    said = plain(await world.say(alice, f"/start p-{token}", chat=chat))
    assert "签退" in said and "2 小时" in said, said
    [mine] = await records(world, "王阿姨")
    assert not mine.is_open and mine.minutes == 120
    assert (mine.checkin_source, mine.checkout_source) == ("scan", "scan")
    said = plain(await world.say(boss, "/today"))
    assert "王阿姨" in said and "（扫码）" in said, said
    said = plain(await world.say(boss, "/summary"))
    assert "王阿姨 2 小时（扫码）" in said, said  # the day's summary says so too

    # A new code: the old posters stop working (audited).
    await world.say(boss, "/place qr 3号投放点 new")
    renewed = poster_link(world, boss_chat.id)[0]
    assert renewed != link
    said = plain(await world.say(alice, f"/start p-{token}", chat=chat))
    assert "这个签到码用不了：可能已经换了新的" in said, said
    async with world.database.sessions() as session:
        actions = [e.action for e in await session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "place").order_by(AuditEntry.id))]
    assert actions == ["place.code", "place.code", "place.code_renew"]
    async with world.database.sessions() as session:
        opened = await session.scalars(select(Attendance).where(Attendance.is_open))
        assert [a.person_id for a in opened] != []  # bob is still there


async def test_with_checkin_proof_qr_a_plain_checkin_waits_for_a_leader(world: World) -> None:
    boss = await leader(world)
    alice, bob = world.user("Alice"), world.user("Bob")
    at(world, "17:00")
    await world.say(boss, "/signup 陈队长")
    await world.say(alice, "/signup 王阿姨")
    await world.say(bob, "/signup 李叔")
    await world.say(boss, "/duty add 督导 每天 19:00-21:00 需要1-2人 在 3号投放点")
    await world.say(alice, "/shift claim 1")
    await world.say(bob, "/shift claim 1")
    said = plain(await world.say(boss, "/settings checkin_proof=qr"))
    assert "checkin_proof" in said and "qr" in said, said
    boss_chat = private(world, boss)
    await world.say(boss, "/start", chat=boss_chat)
    await world.say(boss, "/place qr 3号投放点")
    token = poster_link(world, boss_chat.id)[0].split("?start=p-", 1)[1]

    at(world, "18:55")
    said = plain(await world.say(alice, "/checkin"))
    assert "本队要求到岗扫码签到，这次的时长要等队长确认" in said, said
    await world.say(bob, f"/start p-{token}", chat=private(world, bob))
    at(world, "21:00")
    said = plain(await world.say(alice, "/checkout"))
    assert "这次签到没有按本队的要求（扫地点的签到海报，或在地点定位）" in said, said
    await world.say(bob, f"/start p-{token}", chat=private(world, bob))
    [plain_one] = await records(world, "王阿姨")
    [scanned] = await records(world, "李叔")
    assert (plain_one.minutes, plain_one.confirmed) == (120, False)
    assert (scanned.minutes, scanned.confirmed) == (120, True)


PLACE = (31.2304, 121.4737)
METRE = 1 / 111_195  # degrees of latitude


async def test_a_location_within_the_radius_checks_in_and_one_outside_is_refused(
    world: World,
) -> None:
    boss = await leader(world)
    alice, bob, carol = world.user("Alice"), world.user("Bob"), world.user("Carol")
    at(world, "17:00")
    for who, name in ((boss, "陈队长"), (alice, "王阿姨"), (bob, "李叔"), (carol, "陈老师")):
        await world.say(who, f"/signup {name}")
    await world.say(boss, "/duty add 督导 每天 19:00-21:00 需要1-3人 在 3号投放点")
    await world.say(alice, "/shift claim 1")
    await world.say(carol, "/shift claim 1")
    await world.say(boss, "/settings checkin_proof=location")
    boss_chat = private(world, boss)
    await world.say(boss, "/start", chat=boss_chat)
    before = len(world.emulator.bot_messages(boss_chat))
    await world.say(boss, "/place locate 3号投放点 200米")
    [where] = world.emulator.bot_messages(boss_chat)[before:]
    assert where.reply_markup["keyboard"][0][0]["request_location"] is True
    assert "3号投放点在哪里" in plain([where]), plain([where])
    world.emulator.send_location(boss_chat, boss, *PLACE)
    await world.settle()
    said = plain(world.emulator.bot_messages(boss_chat)[-1:])
    assert "📍 3号投放点的位置已保存：在 200 米以内签到，就算到岗。" in said, said
    await world.say(boss, "/place qr 3号投放点")
    token = poster_link(world, boss_chat.id)[0].split("?start=p-", 1)[1]

    at(world, "18:55")
    chat = private(world, alice)
    [consent] = await world.say(alice, f"/start p-{token}", chat=chat)
    assert "只保存你离地点有多远，不保存位置本身" in plain([consent]), plain([consent])
    before = len(world.emulator.bot_messages(chat))
    world.emulator.tap(consent, 0, alice)  # agree
    await world.settle()
    [ask] = world.emulator.bot_messages(chat)[before:]
    assert "要在3号投放点签到，请在两分钟内点下面的按钮" in plain([ask]), plain([ask])
    posted = len(world.emulator.bot_messages(world.group))
    world.emulator.send_location(chat, alice, PLACE[0] + 120 * METRE, PLACE[1])
    await world.settle()
    said = plain(world.emulator.bot_messages(chat)[-1:])
    assert "✅ 王阿姨" in said, said
    heard = plain(world.emulator.bot_messages(world.group)[posted:])
    assert "王阿姨" in heard and "📍" in heard, heard
    [mine] = await records(world, "王阿姨")
    assert mine.checkin_source == "location"

    # Outside the radius: refused with the distance, the attempt recorded (no location).
    bob_chat = private(world, bob)
    [consent] = await world.say(bob, f"/start p-{token}", chat=bob_chat)
    world.emulator.tap(consent, 0, bob)
    await world.settle()
    world.emulator.send_location(bob_chat, bob, PLACE[0] + 500 * METRE, PLACE[1])
    await world.settle()
    said = plain(world.emulator.bot_messages(bob_chat)[-1:])
    assert "📍 你离3号投放点还有 500 米，要在 200 米以内才能签到。这次没有签到。" in said, said
    assert await records(world, "李叔") == []
    async with world.database.sessions() as session:
        [refused] = (await session.scalars(select(AuditEntry).where(
            AuditEntry.action == "attendance.location_refused"))).all()
    assert refused.after == {"distance": 500, "radius": 200}
    # A forwarded location, or one too late, does not count; /checkin privately asks again.
    await world.say(bob, "/checkin", chat=bob_chat)
    world.emulator.send_location(bob_chat, bob, *PLACE, forwarded_from=alice)
    await world.settle()
    said = plain(world.emulator.bot_messages(bob_chat)[-1:])
    assert "转发的位置不算" in said, said
    await world.say(bob, "/checkin", chat=bob_chat)
    at(world, "18:58")
    world.emulator.send_location(bob_chat, bob, *PLACE)
    await world.settle()
    said = plain(world.emulator.bot_messages(bob_chat)[-1:])
    assert "两分钟以后才发来的，不算" in said, said
    await world.say(bob, "/checkin", chat=bob_chat)
    world.emulator.send_location(bob_chat, bob, *PLACE)
    await world.settle()
    [bobs] = await records(world, "李叔")
    assert bobs.checkin_source == "location" and bobs.walk_in

    # Declining: checked in all the same, the hours wait for a leader.
    carol_chat = private(world, carol)
    [consent] = await world.say(carol, f"/start p-{token}", chat=carol_chat)
    world.emulator.tap(consent, 1, carol)
    await world.settle()
    said = plain(world.emulator.bot_messages(carol_chat)[-1:])
    assert "本队要求在地点定位签到，这次没有定位，时长要等队长确认" in said, said
    [carols] = await records(world, "陈老师")
    assert carols.checkin_source == "scan"
    at(world, "21:00")
    await world.say(alice, "/checkout")
    await world.say(carol, "/checkout")
    [mine] = await records(world, "王阿姨")
    [carols] = await records(world, "陈老师")
    assert mine.confirmed and not carols.confirmed


async def test_a_scan_after_a_group_check_in_asks_and_a_forgotten_one_is_told(
    world: World,
) -> None:
    boss = await leader(world)
    carol = world.user("Carol")
    at(world, "17:00")
    await world.say(boss, "/signup 陈队长")
    await world.say(carol, "/signup 陈老师")
    await world.say(boss, "/duty add 督导 每天 19:00-21:00 需要1-2人 在 3号投放点")
    await world.say(boss, "/duty add 巡逻 每天 07:00-08:00 需要1人 在 东门")
    await world.say(carol, "/shift claim 1")
    boss_chat = private(world, boss)
    await world.say(boss, "/start", chat=boss_chat)
    await world.say(boss, "/place qr 3号投放点")
    token = poster_link(world, boss_chat.id)[0].split("?start=p-", 1)[1]
    await world.say(boss, "/place qr 东门")
    east = poster_link(world, boss_chat.id)[0].split("?start=p-", 1)[1]
    chat = private(world, carol)
    # Outside any window: the next shift at the place scanned, not elsewhere.
    said = plain(await world.say(carol, f"/start p-{east}", chat=chat))
    assert "巡逻" in said and "东门" in said and "督导" not in said, said

    at(world, "18:38")
    await world.say(carol, "/checkin")
    at(world, "19:20")
    [question] = await world.say(carol, f"/start p-{token}", chat=chat)
    assert plain([question]) == "你 18:38 已经在群里签到了。现在是要签退吗？"
    world.emulator.tap(question, 1, carol)  # still on duty: arriving, not leaving
    await world.settle()
    [hers] = await records(world, "陈老师")
    assert hers.is_open

    # She forgets to check out; scanning the next morning says what became of it.
    at(world, "07:05", day=25)
    said = plain(await world.say(carol, f"/start p-{east}", chat=chat))
    assert "你 18:38 的签到一直没有签退，机器人已按班次结束时间自动结束" in said, said
    first, second = await records(world, "陈老师")
    assert not first.is_open and first.checkout_source == "auto"
    assert second.is_open and second.checkin_source == "scan"


async def test_location_questions_never_dead_end_or_move_a_place(world: World) -> None:
    boss = await leader(world)
    alice = world.user("Alice")
    at(world, "17:00")
    await world.say(boss, "/signup 陈队长")
    await world.say(alice, "/signup 王阿姨")
    await world.say(boss, "/duty add 督导 每天 19:00-21:00 需要1-3人 在 3号投放点")
    await world.say(boss, "/duty add 巡逻 每天 19:00-21:00 需要1人 在 东门")
    await world.say(alice, "/shift claim 1")
    await world.say(boss, "/settings checkin_proof=location")
    boss_chat = private(world, boss)
    await world.say(boss, "/start", chat=boss_chat)
    said = plain(await world.say(boss, "/place locate 3号投放点 5公里"))
    assert "“5公里”不是能用的半径：请填 10 到 2000 的米数" in said, said
    await world.say(boss, "/place locate 3号投放点 200")
    world.emulator.send_location(boss_chat, boss, *PLACE)
    await world.settle()
    await world.say(boss, "/place qr 东门")
    east = poster_link(world, boss_chat.id)[0].split("?start=p-", 1)[1]

    # A place without a position: checked in (pending), never stuck on a location.
    at(world, "18:55")
    chat = private(world, alice)
    said = plain(await world.say(alice, f"/start p-{east}", chat=chat))
    assert "这个地点还没有设定位置，这次不用发位置：已签到" in said, said
    [mine] = await records(world, "王阿姨")
    assert mine.is_open and mine.checkin_source == "scan"

    # A leader's old locate question does not take a later location for the place.
    await world.say(boss, "/place locate 3号投放点")
    await world.say(boss, "/checkin", chat=boss_chat)  # a new question replaces it
    world.emulator.send_location(boss_chat, boss, PLACE[0] + 2000 * METRE, PLACE[1])
    await world.settle()
    world.emulator.send_location(boss_chat, boss, PLACE[0] + 2000 * METRE, PLACE[1])
    await world.settle()
    said = plain(world.emulator.bot_messages(boss_chat)[-1:])
    assert "位置已保存" not in said, said
    async with world.database.sessions() as session:
        spot = await session.scalar(select(Place).where(Place.name == "3号投放点"))
    assert spot is not None and (spot.latitude, spot.radius) == (PLACE[0], 200)
    # After the ten minutes a leader is told to ask again.
    await world.say(boss, "/place locate 3号投放点")
    at(world, "19:20")
    world.emulator.send_location(boss_chat, boss, *PLACE)
    await world.settle()
    said = plain(world.emulator.bot_messages(boss_chat)[-1:])
    assert "十分钟以后才发来的，没有保存" in said, said


async def test_a_place_is_not_moved_by_someone_who_no_longer_leads(world: World) -> None:
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    at(world, "17:00")
    await world.say(boss, "/signup 陈队长")
    await world.say(boss, "/duty add 督导 每天 19:00-21:00 需要1-3人 在 3号投放点")
    boss_chat = private(world, boss)
    await world.say(boss, "/start", chat=boss_chat)
    await world.say(boss, "/place locate 3号投放点")
    world.emulator.set_admin(world.group, boss, False)  # stepped down before answering
    world.harness.services.admin_cache.forget(world.group.id)
    world.emulator.send_location(boss_chat, boss, *PLACE)
    await world.settle()
    said = plain(world.emulator.bot_messages(boss_chat)[-1:])
    assert said == "你已不是这个队的队长，值班地点的位置没有保存。", said
    async with world.database.sessions() as session:
        spot = await session.scalar(select(Place).where(Place.name == "3号投放点"))
    assert spot is None or spot.latitude is None
