"""Service certificates end to end: a leader asks, the office issues with a button, the PDF
says who, how long, what and who issued it, its QR code carries the verification link, and
/verify answers valid, then revoked."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from storage.models import AuditEntry, Certificate, CertificateStatus
from tests.e2e.conftest import World
from tests.e2e.test_export import sent_file
from tests.e2e.test_orgs import create_org, hours, join, private
from tests.e2e.test_roster import plain

pytestmark = pytest.mark.usefixtures("many_commands")


def qr_links(content: bytes) -> list[str]:
    """What the QR codes drawn in a PDF say, read from its images."""
    found = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for image in page.images:
            picture = Image.open(io.BytesIO(image.data))
            found += [code.text for code in zxingcpp.read_barcodes(picture)]
    return found


async def test_a_certificate_is_asked_for_issued_verified_and_revoked(world: World) -> None:
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    alice, bob = world.user("Alice"), world.user("Bob")
    await world.say(alice, "/signup 王阿姨")
    await world.say(bob, "/signup 李叔")
    # A lone team cannot certify: the community office does.
    said = plain(await world.say(boss, "/certificate 王阿姨"))
    assert "服务证明由社区出具，本队还没有加入社区" in said, said
    code = await create_org(world)
    await join(world, world.group, boss, code)
    office = private(world, world.admin)
    await world.say(world.admin, "/org settings head=张主任", chat=office)
    await world.say(world.admin, "/org settings phone=021-5555-0100", chat=office)
    await hours(world, world.group, alice, 2, 3)  # 11-22 and 11-23: 6 h outside the roster

    said = plain(await world.say(boss, "/certificate 王阿姨"))
    assert "王阿姨还没有登记实名，证明上要写实名" in said and "/realname" in said, said
    said = plain(await world.say(bob, "/certificate 王阿姨"))
    assert "只有本队队长" in said, said
    said = plain(await world.say(boss, "/certificate 李叔"))
    assert "还没有登记实名" in said, said
    chat = private(world, alice)
    await world.say(alice, "/realname 王秀英", chat=chat)

    before = len(world.emulator.bot_messages(office))
    said = plain(await world.say(boss, "/certificate 王阿姨 2026"))
    # The group hears the roster name: the real name is for documents and the office.
    assert "已向幸福里社区居委会申请王阿姨的服务证明（2026年1月1日至11月24日）" in said, said
    assert "王秀英" not in plain(world.emulator.bot_messages(world.group))
    said = plain(await world.say(boss, "/certificate 王阿姨 2026"))
    assert "已经申请过了" in said, said
    [request] = world.emulator.bot_messages(office)[before:]
    world.emulator.tap_raw(request, "certok:abc", world.admin)  # forged data: no crash
    world.emulator.tap_raw(request, "certno:99999999999999999999999", world.admin)
    await world.settle()
    assert "王秀英 (0001)" in (request.text or "") and "6 h" in (request.text or ""), request.text
    # Someone who is not office staff cannot issue, even with the button's data.
    world.emulator.tap(request, 0, boss)
    await world.settle()
    async with world.database.sessions() as session:
        [waiting] = (await session.scalars(select(Certificate))).all()
        assert waiting.status is CertificateStatus.REQUESTED and waiting.number is None

    world.emulator.tap(request, 0, world.admin)
    world.emulator.tap(request, 0, world.admin)  # a double tap issues once
    await world.settle()
    name, content = sent_file(world, chat)
    office_name, office_copy = sent_file(world, office)
    assert content == office_copy and name == office_name
    found = re.fullmatch(r"志愿服务证明-(ZM2026-0001-[A-Z2-9]{6})\.pdf", name)
    assert found is not None, name
    number = found[1]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    flat = text.replace("\n", "")
    for expected in ("志愿服务证明", f"编号：{number}", "兹证明王秀英", "志愿者编号：0001",
                     "证件类型：", "证件号码：", "2026年1月1日至2026年11月24日", "幸福里社区居委会",
                     "累计服务时长6 小时", "服务内容：其他志愿服务6 小时", "特此证明",
                     "负责人：张主任", "经办人：Office", "联系电话：021-5555-0100",
                     "出具日期：2026年11月24日", "盖章处"):
        assert expected in flat, (expected, text)
    link = f"https://t.me/{world.emulator.bot_user.username}?start=v-{number}"
    assert qr_links(content) == [link]

    # Staff can have an issued certificate again (a delivery that failed, a lost file).
    await world.say(world.admin, f"/certificate send {number.lower()}", chat=office)
    assert sent_file(world, office) == (name, content)
    # The volunteer may have her own again; nobody else but staff.
    await world.say(alice, f"/certificate send {number}", chat=chat)
    assert sent_file(world, chat) == (name, content)
    said = plain(await world.say(bob, f"/certificate send {number}", chat=private(world, bob)))
    assert "只有社区工作人员" in said, said
    said = plain(await world.say(alice, "/me", chat=chat))
    assert f"我的服务证明：\n· 2026年1月1日至11月24日：已出具，编号 {number}" in said, said

    # The QR code's link, and /verify by anyone: the masked name, period, hours, issuer.
    carol = world.user("Carol")
    said = plain(await world.say(carol, f"/start v-{number}", chat=private(world, carol)))
    for expected in ("✅ 有效", "志愿者：王*英", "2026年1月1日至11月24日", "已确认服务时长：6 小时",
                     "幸福里社区居委会于2026年11月24日出具"):
        assert expected in said, (expected, said)
    assert "王秀英" not in said and "志愿者编号" not in said
    said = plain(await world.say(carol, f"/verify {number.lower()}"))
    assert "✅ 有效" in said, said
    wide = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
    typed = "编号：" + number.replace("-", " ").translate(wide) + "。"
    said = plain(await world.say(carol, f"/verify {typed}"))  # copied from the paper
    assert "✅ 有效" in said, said
    said = plain(await world.say(carol, "/verify ZM2026-0001-AAAAAA"))
    assert "没有编号为 ZM2026-0001-AAAAAA 的证明" in said, said

    # Revoked by the office: it verifies as revoked, from the snapshot taken at issue.
    said = plain(await world.say(boss, f"/certificate revoke {number}", chat=private(world, boss)))
    assert "只有社区工作人员" in said, said
    said = plain(await world.say(world.admin, f"/certificate revoke {number} 信息有误",
                                 chat=office))
    assert f"{number} is revoked" in said, said
    said = plain(await world.say(carol, f"/verify {number}"))
    assert "❌ 已于2026年11月24日撤销" in said and "王*英" in said, said
    async with world.database.sessions() as session:
        actions = [e.action for e in (await session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "certificate")
            .order_by(AuditEntry.id))).all()]
    assert actions == ["certificate.request", "certificate.issue", "certificate.revoke"]

    # Numbers are not to be guessed: ten tries at once, then one every six minutes.
    for n in range(8):
        await world.say(carol, f"/verify ZM2026-{n:04d}-BBBBBB")
    said = plain(await world.say(carol, f"/verify {number}"))
    assert "这一小时核验的编号太多了" in said, said
    world.clock.advance(timedelta(minutes=6))
    said = plain(await world.say(carol, f"/verify {number}"))
    assert "❌ 已于2026年11月24日撤销" in said, said
    said = plain(await world.say(carol, f"/verify {number}"))
    assert "这一小时核验的编号太多了" in said, said


async def test_a_volunteer_asks_from_me_and_staff_may_decline(world: World) -> None:
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    alice = world.user("Alice")
    await world.say(alice, "/signup 王阿姨")
    code = await create_org(world)
    await join(world, world.group, boss, code)
    await hours(world, world.group, alice, 1, 2)
    said = plain(await world.say(boss, "/certificate"))
    assert "用法（队长，在群里）：/certificate 姓名" in said, said
    said = plain(await world.say(boss, "/certificate 王阿姨 下个世纪"))
    assert "用法" in said, said
    said = plain(await world.say(alice, "/verify"))
    assert "用法：/verify 证明编号" in said, said
    chat = private(world, alice)
    await world.say(alice, "/realname 王秀英", chat=chat)
    [me] = (await world.say(alice, "/me", chat=chat))[-1:]
    office = private(world, world.admin)
    before = len(world.emulator.bot_messages(office))
    buttons = [b["text"] for row in me.reply_markup["inline_keyboard"] for b in row]
    world.emulator.tap(me, buttons.index("📜 申请服务证明"), alice)
    await world.settle()
    [which] = world.emulator.bot_messages(chat)[-1:]
    assert plain([which]) == "申请哪段时间的服务证明？"
    assert [row[0]["text"] for row in which.reply_markup["inline_keyboard"]] == [
        "今年到今天（2026年1月1日至11月24日）", "2025年全年"]
    world.emulator.tap(which, 0, alice)
    await world.settle()
    said = plain(world.emulator.bot_messages(chat)[-1:])
    assert "已向幸福里社区居委会申请你的服务证明（2026年1月1日至11月24日）" in said, said
    [request] = world.emulator.bot_messages(office)[before:]
    world.emulator.tap(which, 0, alice)  # the same period again
    await world.settle()
    assert "已经申请过了" in plain(world.emulator.bot_messages(chat)[-1:])
    world.emulator.tap(which, 1, alice)  # last year: nothing was served then
    await world.settle()
    said = plain(world.emulator.bot_messages(chat)[-1:])
    assert "你在2025年还没有已确认的服务时长，暂时不能出具证明。" in said, said
    assert len(world.emulator.bot_messages(office)[before:]) == 1
    assert "本人申请" in (request.text or "") or "asked by the volunteer" in (request.text or "")
    world.emulator.tap(request, 1, world.admin)  # Do not issue
    await world.settle()
    async with world.database.sessions() as session:
        [declined] = (await session.scalars(select(Certificate))).all()
    assert declined.status is CertificateStatus.DECLINED and declined.number is None
    assert "❌ Not issued." in (world.emulator.bot_messages(office)[before].text or "")
    said = plain(world.emulator.bot_messages(chat)[-1:])
    assert "社区没有出具你 2026年1月1日至11月24日的服务证明" in said, said
    assert not [f for f in world.emulator.sent_files if f.method == "sendDocument"]



def test_a_long_list_of_duties_shrinks_to_fit_the_page() -> None:
    from bot.documents.certificate_pdf import certificate_pdf
    from bot.i18n import translator

    served = [[f"服务项目{n}", f"{n}号点", 600] for n in range(40)]
    snapshot = {"name": "王秀英", "masked": "王*英", "volunteer_number": "XFL-0001",
                "first": "2026-01-01", "last": "2026-11-30", "minutes": 24_000,
                "served": served, "org": "幸福里社区居委会", "head": "", "phone": "",
                "clerk": "李红", "issued_on": "2026-11-30"}
    content = certificate_pdf(translator("zh_CN"), snapshot, "XFL2026-0001-K7M2QX", "bot")
    pages = PdfReader(io.BytesIO(content)).pages
    text = "".join(p.extract_text() for p in pages).replace("\n", "")
    assert len(pages) == 1
    for expected in ("服务项目0", "服务项目39（39号点）", "特此证明", "经办人：李红"):
        assert expected in text, expected



async def test_a_name_the_certificate_cannot_print_is_never_issued(world: World) -> None:
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    alice = world.user("Alice")
    await world.say(alice, "/signup 刘阿姨")
    code = await create_org(world)
    await join(world, world.group, boss, code)
    await hours(world, world.group, alice, 1, 2)
    await world.say(alice, "/realname 刘䶮", chat=private(world, alice))
    office = private(world, world.admin)
    before = len(world.emulator.bot_messages(office))
    await world.say(boss, "/certificate 刘阿姨")
    [request] = world.emulator.bot_messages(office)[before:]
    world.emulator.tap(request, 0, world.admin)
    await world.settle()
    async with world.database.sessions() as session:
        [waiting] = (await session.scalars(select(Certificate))).all()
    assert waiting.status is CertificateStatus.REQUESTED and waiting.number is None
    assert not [f for f in world.emulator.sent_files if f.method == "sendDocument"]


async def test_with_a_public_notice_the_certificate_is_issued_when_nobody_objects(
    world: World,
) -> None:
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    alice, bob = world.user("Alice"), world.user("Bob")
    await world.say(boss, "/signup 陈队长")
    await world.say(alice, "/signup 王阿姨")
    await world.say(bob, "/signup 李叔")
    code = await create_org(world)
    await join(world, world.group, boss, code)
    office = private(world, world.admin)
    said = plain(await world.say(world.admin, "/org settings 公示天数=31", chat=office))
    assert "Give a whole number of days from 0 to 30" in said, said
    said = plain(await world.say(world.admin, "/org settings 公示天数=7天", chat=office))
    assert "certificate_notice_days): 7 days" in said, said
    await hours(world, world.group, alice, 2, 3)
    chat = private(world, alice)
    await world.say(alice, "/realname 王秀英", chat=chat)

    before = len(world.emulator.bot_messages(office))
    await world.say(boss, "/certificate 王阿姨 2026")
    [request] = world.emulator.bot_messages(office)[before:]
    posted = len(world.emulator.bot_messages(world.group))
    world.emulator.tap(request, 0, world.admin)  # Issue: the notice begins
    world.emulator.tap(request, 0, world.admin)
    await world.settle()
    [notice] = world.emulator.bot_messages(world.group)[posted:]
    announced = ("📢 公示：社区拟为王阿姨出具 2026年1月1日至11月24日的志愿服务证明（服务 6 小时）。"
                 "如有异议，请在 7 天内（12月1日周二 18:30 前）联系队长。")
    assert plain([notice]) == announced, plain([notice])
    staff_view = world.emulator.find_message(office, request.message_id)
    assert ("📢 On public notice in the group of Sunrise Volunteers until Tue, Dec 1; issued "
            "then if nobody objects.") in plain([staff_view]), plain([staff_view])
    assert not world.emulator.sent_files
    # The same days cannot be asked for twice while the notice runs.
    said = plain(await world.say(boss, "/certificate 王阿姨 2026-11-01..2026-11-24"))
    assert "2026年1月1日至11月24日的服务证明正在公示，到 12月1日周二" in said, said
    # A volunteer cannot object with the button: a leader or the office can.
    world.emulator.tap(notice, 0, bob)
    await world.settle()
    async with world.database.sessions() as session:
        [waiting] = (await session.scalars(select(Certificate))).all()
    assert waiting.status is CertificateStatus.NOTICE and waiting.number is None

    # Six days on: still on notice. The seventh: issued by the staff member who approved,
    # and the notice says so.
    world.clock.advance(timedelta(days=6, hours=23))
    await world.harness.tick()
    await world.settle()
    assert not world.emulator.sent_files
    world.clock.advance(timedelta(hours=1))
    await world.harness.tick()
    await world.settle()
    name, content = sent_file(world, chat)
    assert sent_file(world, office) == (name, content)
    number = re.fullmatch(r"志愿服务证明-(ZM2026-0001-[A-Z2-9]{6})\.pdf", name)
    assert number is not None, name
    flat = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "兹证明王秀英" in flat.replace("\n", "") and "经办人：Office" in flat, flat
    captions = [c.params.get("caption", "") for c in world.emulator.calls
                if c.method == "sendDocument" and c.params.get("chat_id") == office.id]
    assert "公示期满，没有异议，证明已出具。" in str(captions[-1]), captions
    ended = world.emulator.find_message(world.group, notice.message_id)
    assert plain([ended]) == announced + "\n✅ 公示期满，没有异议，已出具。", plain([ended])
    assert not ended.reply_markup
    said = plain(await world.say(bob, f"/verify {number[1]}"))
    assert "✅ 有效" in said, said
    await world.harness.tick()  # ticking again sends nothing twice
    await world.settle()
    assert len([f for f in world.emulator.sent_files if f.chat_id == chat.id]) == 1

    # An objection holds the next one; the staff member who approved decides again, and
    # the leader who objected hears the decision.
    before = len(world.emulator.bot_messages(office))
    await world.say(boss, "/certificate 王阿姨 2026-11-25..2026-11-30")
    await hours(world, world.group, alice, 1, 2)  # 12-01, inside the new period
    await world.say(boss, "/certificate 王阿姨 2026-11-25..2026-12-01")
    [request] = world.emulator.bot_messages(office)[before:]
    posted = len(world.emulator.bot_messages(world.group))
    world.emulator.tap(request, 0, world.admin)
    await world.settle()
    [notice] = world.emulator.bot_messages(world.group)[posted:]
    before = len(world.emulator.bot_messages(office))
    world.emulator.tap(notice, 0, boss)
    world.emulator.tap(notice, 0, boss)  # twice: one objection
    await world.settle()
    held = world.emulator.find_message(world.group, notice.message_id)
    assert "⏸ 有人提出了异议，社区重新审核后再决定是否出具。" in plain([held]), held.text
    assert not held.reply_markup
    [objection] = world.emulator.bot_messages(office)[before:]
    assert "陈队长 objected to the service certificate of 王秀英" in plain([objection])
    world.clock.advance(timedelta(days=8))
    await world.harness.tick()
    await world.settle()
    async with world.database.sessions() as session:
        second = await session.scalar(select(Certificate).order_by(Certificate.id.desc()))
        assert second is not None
        assert second.status is CertificateStatus.OBJECTED and second.number is None
    sent = len(world.emulator.sent_files)
    boss_chat = private(world, boss)
    world.emulator.tap(objection, 0, world.admin)  # issue it anyway, after talking it over
    await world.settle()
    assert len(world.emulator.sent_files) == sent + 2
    decided = world.emulator.find_message(world.group, notice.message_id)
    assert "✅ 社区重新审核后，已出具。" in plain([decided]), decided.text
    said = plain(world.emulator.bot_messages(boss_chat)[-1:])
    assert "社区看了你提出的异议，仍然出具了王阿姨的服务证明。" in said, said
    async with world.database.sessions() as session:
        actions = [e.action for e in (await session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == second.id,
                                     AuditEntry.object_type == "certificate")
            .order_by(AuditEntry.id))).all()]
    assert actions == ["certificate.request", "certificate.notice", "certificate.object",
                       "certificate.issue"]


async def test_a_notice_issues_only_the_hours_it_announced(world: World) -> None:
    boss = world.user("Boss")
    world.emulator.set_admin(world.group, boss)
    alice = world.user("Alice")
    await world.say(boss, "/signup 陈队长")
    await world.say(alice, "/signup 王阿姨")
    code = await create_org(world)
    await join(world, world.group, boss, code)
    office = private(world, world.admin)
    await world.say(world.admin, "/org settings certificate_notice_days=1", chat=office)
    await hours(world, world.group, alice, 2, 3)
    chat = private(world, alice)
    await world.say(alice, "/realname 王秀英", chat=chat)
    before = len(world.emulator.bot_messages(office))
    await world.say(boss, "/certificate 王阿姨 2026")
    [request] = world.emulator.bot_messages(office)[before:]
    posted = len(world.emulator.bot_messages(world.group))
    world.emulator.tap(request, 0, world.admin)
    await world.settle()
    [notice] = world.emulator.bot_messages(world.group)[posted:]
    # During the notice a leader enters more hours: the group was shown 6, not 8.
    await world.say(boss, "/hours 王阿姨 11-20 2")
    world.clock.advance(timedelta(days=1))
    before = len(world.emulator.bot_messages(office))
    await world.harness.tick()
    await world.settle()
    assert not world.emulator.sent_files
    [again] = world.emulator.bot_messages(office)[before:]
    assert "confirmed hours changed meanwhile: 6 h were announced, 8 h now" in plain([again])
    changed = world.emulator.find_message(world.group, notice.message_id)
    assert "公示期间已确认的时长有变化，社区重新审核后再决定。" in plain([changed]), changed.text
    # Issuing again starts a new notice with the hours as they are now; staff may stop it.
    posted = len(world.emulator.bot_messages(world.group))
    world.emulator.tap(again, 0, world.admin)
    await world.settle()
    [renewed] = world.emulator.bot_messages(world.group)[posted:]
    assert "（服务 8 小时）" in plain([renewed]), plain([renewed])
    staff_view = world.emulator.find_message(office, again.message_id)
    buttons = [b["text"] for row in staff_view.reply_markup["inline_keyboard"] for b in row]
    assert buttons == ["Stop the notice: do not issue"]
    world.emulator.tap(staff_view, 0, world.admin)
    await world.settle()
    stopped = world.emulator.find_message(world.group, renewed.message_id)
    assert "社区决定不出具。" in plain([stopped]), stopped.text
    assert "社区没有出具你 2026年1月1日至11月24日的服务证明" in plain(
        world.emulator.bot_messages(chat)[-1:])
    async with world.database.sessions() as session:
        [declined] = (await session.scalars(select(Certificate))).all()
    assert declined.status is CertificateStatus.DECLINED and declined.number is None

    # A volunteer who blocked the bot: the issuer is asked to hand the PDF over.
    before = len(world.emulator.bot_messages(office))
    await world.say(boss, "/certificate 王阿姨 2026")
    [request] = world.emulator.bot_messages(office)[before:]
    world.emulator.tap(request, 0, world.admin)
    await world.settle()
    world.emulator.block_bot(alice)
    world.clock.advance(timedelta(days=1))
    before = len(world.emulator.bot_messages(office))
    await world.harness.tick()
    await world.settle()
    await world.harness.tick()  # the hand-over note is queued by the refusal
    await world.settle()
    told = plain(world.emulator.bot_messages(office)[before:])
    assert "王秀英 has not started a private chat with the bot, so only you got the " \
           "certificate ZM2026-0001-" in told, told


def test_a_long_office_name_wraps_left_of_the_seal() -> None:
    from bot.documents.certificate_pdf import certificate_pdf
    from bot.i18n import translator

    office = "上海市浦东新区花木街道幸福里社区居民委员会志愿服务站"
    snapshot = {"name": "王秀英", "masked": "王*英", "volunteer_number": "XFL-0001",
                "first": "2026-01-01", "last": "2026-11-30", "minutes": 600,
                "served": [["督导", "3号点", 600]], "org": office, "head": "张主任",
                "phone": "021-5555-0100", "clerk": "李红", "issued_on": "2026-11-30"}
    content = certificate_pdf(translator("zh_CN"), snapshot, "XFL2026-0001-K7M2QX", "bot")
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    line = f"出具单位：{office}（盖章）"
    assert line in text.replace("\n", "")
    assert line not in text  # wrapped before the seal circle, not drawn across it
