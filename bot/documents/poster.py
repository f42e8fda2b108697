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
    if _fit(place, font, 34, room) >= 26:
        canvas.setFont(font, _fit(place, font, 34, room))
        canvas.drawCentredString(width / 2, height - 36 * mm, place)
    else:  # a long name: two lines, still large
        first, second = _halves(place)
        size = min(_fit(first, font, 26, room), _fit(second, font, 26, room))
        canvas.setFont(font, size)
        canvas.drawCentredString(width / 2, height - 32 * mm, first)
        canvas.drawCentredString(width / 2, height - 32 * mm - size * 1.2, second)
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


def _size(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> int:
    """The largest font size up to `size` at which `text` fits between the margins."""
    path = str(font_path())
    while size > 12:
        left, _, right, _ = draw.textbbox((0, 0), text, font=ImageFont.truetype(path, size))
        if right - left <= width - 2 * MARGIN:
            break
        size -= 2
    return size


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, width: int) -> None:
    """One line, centred, its font shrunk until it fits between the margins."""
    font = ImageFont.truetype(str(font_path()), _size(draw, text, size, width))
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    draw.text(((width - (right - left)) / 2, y), text, font=font, fill="black")


def _halves(text: str) -> tuple[str, str]:
    """A long name in two lines: at the space or bracket nearest the middle, else the middle."""
    middle = len(text) // 2
    cuts = [i for i, ch in enumerate(text) if ch in " （(" and 0 < i < len(text)]
    cut = min(cuts, key=lambda i: abs(i - middle)) if cuts else middle
    return text[:cut].strip(), text[cut:].strip()


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
    if _size(draw, place, 132, width) >= 100:
        _centred(draw, 190, place, 132, width)
    else:  # a long name: two lines, still large
        first, second = _halves(place)
        size = min(_size(draw, first, 100, width), _size(draw, second, 100, width))
        _centred(draw, 170, first, size, width)
        _centred(draw, 170 + int(size * 1.15), second, size, width)
    code = _qr(link, 12)
    side = 900
    image.paste(code.resize((side, side), Image.Resampling.NEAREST), ((width - side) // 2, 400))
    first, second = _lines(t)
    _centred(draw, 1390, first, 54, width)
    _centred(draw, 1480, second, 40, width)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
