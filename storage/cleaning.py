"""The one rule for text people type: free text, names and places, and comparing names.

Free text (reports, notes, reasons, building, skills) is stored as typed, minus the characters
that only do harm: control characters (a NUL fails on PostgreSQL) and invisible format
characters. Names and places must also be visible and distinct: no line separators, private
or unassigned characters, blank "filler" letters, and at least one letter or digit.
"""

from __future__ import annotations

import enum
import re
import unicodedata

# Blank characters that are letters by category, so a name of them would look empty.
FILLERS = frozenset("\u3164\u115f\u1160\uffa0\u2800")
ZWJ = "\u200d"  # kept in free text: it joins emoji sequences (👨‍👩‍👧)
_SPACES = re.compile(r"[^\S\n]+")  # runs of spacing, not line breaks
_SPACING_CONTROLS = re.compile(r"[\t\x0b\x0c\x1c-\x1f]")


class TextProblem(enum.Enum):
    """Why a piece of text cannot be stored (a plain Enum: never mistaken for the text)."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNSHOWABLE = "unshowable"  # line separators, private-use, unassigned, fillers
    NO_LETTER = "no_letter"  # a name or place needs a letter or a digit


def _kept(ch: str, lines: bool) -> bool:
    if ch == "\n":
        return lines
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs"):
        return False
    return category != "Cf" or ch == ZWJ


def strip_invisible(raw: str, *, lines: bool = False) -> str:
    """Drop control and format characters (a line break stays where `lines`); tabs, other
    spacing and, without `lines`, line breaks become single spaces."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n").replace("\x85", "\n")
    text = _SPACING_CONTROLS.sub(" ", text)  # a vertical tab is a space, not nothing
    if not lines:
        text = text.replace("\n", " ")
    text = "".join(ch for ch in text if _kept(ch, lines))
    text = _SPACES.sub(" ", text)
    if lines:
        text = "\n".join(line.strip() for line in text.split("\n"))
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def clean_text(raw: str, limit: int, *, lines: bool = False) -> str | TextProblem:
    """Free text as typed, cleaned (`strip_invisible`), or why it cannot be stored."""
    text = strip_invisible(raw, lines=lines)
    if not text:
        return TextProblem.EMPTY
    if len(text) > limit:
        return TextProblem.TOO_LONG
    return text


def says_something(text: str) -> bool:
    """Is there a letter, digit or symbol (an emoji) that shows, not a blank filler?"""
    return any(
        (unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "So")
        and ch not in FILLERS
        for ch in text
    )


def _unassigned(ch: str) -> bool:
    """Unassigned, as far as we can tell: Python's Unicode tables lag behind Telegram's, so
    only a code point in the basic plane (or a noncharacter) counts; new emoji and the rare
    CJK characters of names live in the planes above."""
    point = ord(ch)
    if 0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE:
        return True
    return point <= 0xFFFF and unicodedata.category(ch) == "Cn"


def clean_words(raw: str, limit: int, *, lines: bool = False) -> str | TextProblem:
    """Free text that must say something: a problem, a note (`ㅤ` alone is not a problem)."""
    text = clean_text(raw, limit, lines=lines)
    if isinstance(text, str) and not says_something(text):
        return TextProblem.NO_LETTER
    return text


def name_problem(text: str) -> TextProblem | None:
    """Why a name or place cannot be used, or None."""
    for ch in text:
        if ch in FILLERS or unicodedata.category(ch) in ("Zl", "Zp", "Co") or _unassigned(ch):
            return TextProblem.UNSHOWABLE
    if not says_something(text):
        return TextProblem.NO_LETTER
    return None


def clean_name(raw: str, limit: int) -> str | TextProblem:
    """A display name or a place: free text on one line that is also visible and distinct
    (a line separator is refused here, not turned into a space)."""
    if any(unicodedata.category(ch) in ("Zl", "Zp") for ch in raw):
        return TextProblem.UNSHOWABLE
    text = clean_text(raw, limit)
    if isinstance(text, TextProblem):
        return text
    return name_problem(text) or text


def name_key(name: str) -> str:
    """The form two names are compared in: case, spacing, full-width forms and invisible
    format characters (a zero-width joiner, a direction mark) do not make a new name."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in "".join(folded.split()) if unicodedata.category(ch) != "Cf")


# The roster name an erased volunteer's records stand under (storage/forget.py), in the team's
# language; nobody may take one as their own name.
FORGOTTEN = {"zh_CN": "已注销志愿者 #{n}", "en": "Former volunteer #{n}"}


def is_forgotten_label(name: str) -> bool:
    """Is this name (in any spacing or case) the label of an erased volunteer?"""
    key = name_key(name)
    for label in FORGOTTEN.values():
        prefix = name_key(label.split("{n}")[0])
        if key.startswith(prefix) and key[len(prefix):].isdigit():
            return True
    return False
