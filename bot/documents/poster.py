"""The check-in poster of a place: an A5 PDF to print and a PNG to share, each with the
place's name, the team, one large QR code of the deep link and a one-line instruction.
Read from a metre away: the place name is the largest text and the code fills the width."""

from __future__ import annotations

import io

import segno
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from bot.documents.fonts import cjk_font, font_path
from bot.i18n import Translator

PNG_SIZE = (1240, 1748)  # A5 at 212 dpi


def scan_link(bot_username: str, token: str) -> str:
    """The deep link a poster's QR code carries (`start=p-<token>`)."""
    return f"https://t.me/{bot_username}?start=p-{token}"


def _qr(link: str, scale: int) -> Image.Image:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=scale, border=2)
    out.seek(0)
    return Image.open(out).convert("RGB")


def _lines(t: Translator) -> tuple[str, str]:
    return (t.gettext("Scan when you arrive to check in; scan again when you leave."),
            t.gettext("Use your phone's camera. Only members of the team can check in."))


def poster_pdf(t: Translator, place: str, team: str, link: str) -> bytes:
    """The A5 poster to print."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A5, invariant=True)
    canvas.setTitle(t.gettext("Check-in code: {place}").format(place=place))
    width, height = A5
    font = cjk_font()
    room = width - 20 * mm
    canvas.setFont(font, _fit(team, font, 14, room))
    canvas.drawCentredString(width / 2, height - 20 * mm, team)
    canvas.setFont(font, _fit(place, font, 34, room))
    canvas.drawCentredString(width / 2, height - 36 * mm, place)
    side = 104 * mm
    canvas.drawImage(ImageReader(_qr(link, 10)), (width - side) / 2, height - 48 * mm - side,
                     width=side, height=side)
    first, second = _lines(t)
    canvas.setFont(font, _fit(first, font, 15, room))
    canvas.drawCentredString(width / 2, 36 * mm, first)
    canvas.setFont(font, _fit(second, font, 11, room))
    canvas.drawCentredString(width / 2, 27 * mm, second)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


MARGIN = 60  # pixels kept free at each side of the picture


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, width: int) -> None:
    """One line, centred, its font shrunk until it fits between the margins."""
    path = str(font_path())
    while True:
        font = ImageFont.truetype(path, size)
        left, _, right, _ = draw.textbbox((0, 0), text, font=font)
        if right - left <= width - 2 * MARGIN or size <= 12:
            break
        size -= 2
    draw.text(((width - (right - left)) / 2, y), text, font=font, fill="black")


def _fit(text: str, font: str, size: float, width: float) -> float:
    """The largest size up to `size` at which `text` fits `width` points."""
    while size > 6 and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def poster_png(t: Translator, place: str, team: str, link: str) -> bytes:
    """The same poster as a picture, to share in a chat or print at home."""
    width = PNG_SIZE[0]
    image = Image.new("RGB", PNG_SIZE, "white")
    draw = ImageDraw.Draw(image)
    _centred(draw, 90, team, 56, width)
    _centred(draw, 190, place, 132, width)
    code = _qr(link, 12)
    side = 900
    image.paste(code.resize((side, side), Image.Resampling.NEAREST), ((width - side) // 2, 400))
    first, second = _lines(t)
    _centred(draw, 1390, first, 54, width)
    _centred(draw, 1480, second, 40, width)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
