"""The service certificate (志愿服务证明): one A4 page in the recommended format, from the
snapshot taken at issue. 证件类型 and 证件号码 are blank lines the clerk fills in by hand (the
bot never stores identity numbers); a QR code links to the bot's verification."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import segno
from babel.dates import format_skeleton
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, KeepInFrame, Paragraph

from bot.documents.fonts import cjk_font
from bot.documents.pdf_ledger import styles
from bot.i18n import Translator
from bot.render import esc
from bot.views.labels import hours_label, locale_of, period_label

VERIFY_PREFIX = "v-"


def verify_link(bot_username: str, number: str) -> str:
    """The deep link a certificate's QR code carries (`start=v-<number>`)."""
    return f"https://t.me/{bot_username}?start={VERIFY_PREFIX}{number}"


def _qr_png(link: str) -> bytes:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def full_period(t: Translator, first: date, last: date) -> str:
    """`2026年1月1日至2026年12月1日`: on a certificate both days carry their year."""
    day = "yMMMd"
    return t.gettext("{first} to {last}").format(
        first=format_skeleton(day, first, locale=locale_of(t)),
        last=format_skeleton(day, last, locale=locale_of(t)),
    )


def served_line(t: Translator, duty: str | None, place: str | None, minutes: int) -> str:
    """`垃圾分类督导（3号投放点）200 小时`."""
    what = duty if duty is not None else t.gettext("other volunteer service")
    if place:
        what += t.gettext(" ({note})").format(note=place)
    return t.gettext("{what} {hours}").format(what=what, hours=hours_label(t, minutes))


SEAL_X, SEAL_R = A4[0] - 60 * mm, 20 * mm  # the seal circle's centre and radius


def certificate_pdf(t: Translator, snapshot: dict[str, Any], number: str,
                    bot_username: str) -> bytes:
    """The certificate as issued: one page."""
    s = styles()
    font = cjk_font()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)  # the same snapshot, the same bytes
    canvas.setTitle(t.gettext("Volunteer service certificate {number}").format(number=number))
    width, height = A4
    canvas.setFont(font, 22)
    title = t.gettext("Volunteer service certificate")
    canvas.drawCentredString(width / 2, height - 40 * mm, title)
    canvas.setFont(font, 10)
    canvas.drawRightString(width - 25 * mm, height - 52 * mm,
                           t.gettext("No. {number}").format(number=number))
    first, last = date.fromisoformat(snapshot["first"]), date.fromisoformat(snapshot["last"])
    served = [served_line(t, d, p, m) for d, p, m in snapshot["served"]]
    body = [
        t.gettext(
            "This is to certify that {name} (volunteer number {volunteer}; identity document "
            "type: ____________; number: ______________________) served as a volunteer with "
            "{org} from {period}, for {hours} of confirmed service in all."
        ).format(name=snapshot["name"], volunteer=snapshot["volunteer_number"],
                 org=snapshot["org"], period=full_period(t, first, last),
                 hours=hours_label(t, snapshot["minutes"])),
        t.gettext("Service: {served}.").format(served=t.gettext("; ").join(served)),
        t.gettext("Hereby certified."),
    ]
    paragraphs: list[Flowable] = [Paragraph(esc(text), s.certificate) for text in body]
    box = (width - 50 * mm, 110 * mm)
    frame = Frame(25 * mm, height - 170 * mm, *box, showBoundary=0)
    # A long list of duties shrinks to fit the page: nothing may fall off a certificate.
    frame.addFromList([KeepInFrame(*box, paragraphs, mode="shrink")], canvas)
    canvas.setFont(font, 11)
    lines = [
        t.gettext("Issued by: {org} (seal)").format(org=snapshot["org"]),
        t.gettext("Person in charge: {head}").format(head=snapshot["head"] or "____________"),
        t.gettext("Clerk: {clerk}").format(clerk=snapshot["clerk"]),
        t.gettext("Contact: {phone}").format(phone=snapshot["phone"] or "____________"),
        t.gettext("Issued on: {day}").format(
            day=period_label(t, *(2 * [date.fromisoformat(snapshot["issued_on"])]))),
    ]
    # Left of the seal: a long office name wraps instead of running into the circle.
    issuer_style = ParagraphStyle("issuer", parent=s.cell, fontSize=11, leading=20)
    issuer_box = (SEAL_X - SEAL_R - 30 * mm, 50 * mm)
    issuer = Frame(25 * mm, height - 235 * mm, *issuer_box, showBoundary=0,
                   leftPadding=0, rightPadding=0)
    issuer.addFromList([KeepInFrame(*issuer_box, [Paragraph(esc(line), issuer_style)
                                                  for line in lines], mode="shrink")], canvas)
    # The seal goes here: a ruled circle the office stamps over.
    canvas.setDash(2, 2)
    canvas.circle(SEAL_X, height - 200 * mm, SEAL_R)
    canvas.setDash()
    canvas.setFont(font, 9)
    canvas.drawCentredString(SEAL_X, height - 201 * mm, t.gettext("Seal"))
    link = verify_link(bot_username, number)
    canvas.drawImage(ImageReader(io.BytesIO(_qr_png(link))), 25 * mm, 22 * mm,
                     width=32 * mm, height=32 * mm)
    canvas.setFont(font, 9)
    canvas.drawString(62 * mm, 42 * mm, t.gettext("Scan to verify, or send the bot:"))
    canvas.drawString(62 * mm, 36 * mm, f"@{bot_username}  /verify {number}")
    canvas.drawString(62 * mm, 30 * mm, t.gettext("Hours are confirmed service hours only."))
    canvas.showPage()
    canvas.save()
    return out.getvalue()
