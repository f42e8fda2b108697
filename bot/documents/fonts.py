"""The Chinese font embedded in every PDF: WenQuanYi Micro Hei (Apache-2.0), TrueType.

reportlab embeds only TrueType outlines (Noto/Source Han CJK are PostScript outlines and
are refused), and its built-in STSong-Light is never embedded: a reader without it draws
every character as a box. The font comes with a pip package (`paperang-p2-fonts-cjk`,
pinned), or from Debian's `fonts-wqy-microhei`; either way only the known file is used.
"""

from __future__ import annotations

import contextlib
import hashlib
from functools import cache
from importlib.resources import files
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "WenQuanYiMicroHei"
# The upstream file, byte for byte (the same in the pip package and in Debian's package).
SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"
PACKAGED = "wqy-microhei.ttc"
SYSTEM_FONT = Path("/usr/share/fonts/truetype/wqy") / PACKAGED


class FontMissing(RuntimeError):
    """No known copy of the font on this machine: say how to get one."""


def font_path() -> Path:
    """The font file: the pip package's, else the system's; only the known file."""
    candidates = []
    with contextlib.suppress(ModuleNotFoundError):
        candidates.append(Path(str(files("paperang_p2_fonts_cjk") / "fonts" / PACKAGED)))
    candidates.append(SYSTEM_FONT)
    for path in candidates:
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == SHA256:
            return path
    raise FontMissing(
        "the Chinese font for PDFs is missing: pip install paperang-p2-fonts-cjk==0.1.0 "
        "(or apt install fonts-wqy-microhei)"
    )


def unprintable(text: str) -> str:
    """The characters of `text` the font has no glyph for (rare characters such as 䶮, most
    emoji): a certificate must never drop part of a name without anyone noticing."""
    face = pdfmetrics.getFont(cjk_font()).face  # type: ignore[attr-defined]
    known: dict[int, int] = face.charToGlyph
    return "".join(dict.fromkeys(c for c in text if not c.isspace() and ord(c) not in known))


@cache
def cjk_font() -> str:
    """Register the font with reportlab once; its name for setFont and styles."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
    return FONT_NAME
