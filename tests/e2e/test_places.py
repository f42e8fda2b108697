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

    # A second scan a moment later asks first; later it checks out with the hours.
    at(world, "19:00")
    [question] = await world.say(alice, f"/start p-{token}", chat=chat)
    assert "你签到还不到" in plain([question]), plain([question])
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

    # A new code: the old posters stop working (audited).
    await world.say(boss, "/place qr 3号投放点 new")
    renewed = poster_link(world, boss_chat.id)[0]
    assert renewed != link
    said = plain(await world.say(alice, f"/start p-{token}", chat=chat))
    assert "这个签到码已经不能用了" in said, said
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
    token = poster_link(world, boss_chat.id)[0].rsplit("p-", 1)[1]

    at(world, "18:55")
    said = plain(await world.say(alice, "/checkin"))
    assert "本队要求到岗扫码签到，这次的时长要等队长确认" in said, said
    await world.say(bob, f"/start p-{token}", chat=private(world, bob))
    at(world, "21:00")
    said = plain(await world.say(alice, "/checkout"))
    assert "这次没有扫地点的签到海报，时长要等队长确认" in said, said
    await world.say(bob, f"/start p-{token}", chat=private(world, bob))
    [plain_one] = await records(world, "王阿姨")
    [scanned] = await records(world, "李叔")
    assert (plain_one.minutes, plain_one.confirmed) == (120, False)
    assert (scanned.minutes, scanned.confirmed) == (120, True)
