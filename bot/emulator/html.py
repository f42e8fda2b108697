"""Telegram's text formatting, as strictly as the Bot API applies it.

`parse_text` turns (text, parse_mode) into the plain text plus entities that Telegram would
store, or raises `EntityParseError` where Telegram answers
`400 Bad Request: can't parse entities: ...`. `html_to_plain` is the lenient reverse for people
reading a transcript.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EntityParseError",
    "ParsedText",
    "html_to_plain",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "parse_text",
    "utf16_len",
]


class EntityParseError(ValueError):
    """The text does not parse in its parse mode; `str(exc)` is Telegram's explanation."""


@dataclass
class ParsedText:
    """Plain text and its entities (offsets and lengths in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class _Builder:
    """Collects plain text and entities while a parser walks the source."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 offset of the end of the text so far
        self.entities: list[dict[str, Any]] = []

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.pos += utf16_len(chunk)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            length = self.pos - start
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> ParsedText:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.parts), entities)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# HTML

_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_START_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
_ATTR_RE = re.compile(
    r"\s*([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?"
)
_END_RE = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")


def _decode_entity(text: str, i: int) -> tuple[str, int]:
    """Decode the entity at text[i] == '&'; return (character, index after it)."""
    match = _ENTITY_RE.match(text, i)
    if match is None:
        raise EntityParseError(
            f"Character '&' at byte offset {_byte_offset(text, i)} must start an HTML entity; "
            "escape it as &amp;"
        )
    name, dec, hexa = match.groups()
    if name:
        return _NAMED[name], match.end()
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(f"Invalid HTML entity at byte offset {_byte_offset(text, i)}")
    return chr(code), match.end()


def _decode_value(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            char, end = _decode_entity(value, i)
            out.append(char)
            i = end
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


@dataclass
class _Open:
    tag: str
    start: int
    attrs: dict[str, str]
    where: int
    language: str | None = None


def _start_tag(text: str, i: int) -> tuple[str, dict[str, str], int]:
    """Parse the start tag at text[i] == '<'; return (tag, attributes, index after '>')."""
    offset = _byte_offset(text, i)
    match = _START_RE.match(text, i)
    if match is None:
        raise EntityParseError(f'Unsupported start tag "" at byte offset {offset}')
    tag = match.group(1).lower()
    if tag not in _TAGS:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {offset}')
    j = match.end()
    attrs: dict[str, str] = {}
    while True:
        while j < len(text) and text[j].isspace():
            j += 1
        if j >= len(text):
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        if text[j] == ">":
            return tag, attrs, j + 1
        attr = _ATTR_RE.match(text, j)
        if attr is None or attr.end() == j:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {offset}'
            )
        raw = next((g for g in attr.groups()[1:] if g is not None), "")
        attrs[attr.group(1).lower()] = _decode_value(raw)
        j = attr.end()


def _check_start(tag: str, attrs: dict[str, str], offset: int) -> None:
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise EntityParseError(
            f'Tag "tg-emoji" must have a numeric attribute "emoji-id" at byte offset {offset}'
        )


def _close(out: _Builder, item: _Open, stack: list[_Open]) -> None:
    kind = _TAGS[item.tag]
    if item.tag == "a":
        if "href" in item.attrs:
            out.entity("text_link", item.start, url=item.attrs["href"])
        return
    if item.tag == "code" and stack and stack[-1].tag == "pre":
        cls = item.attrs.get("class", "")
        if cls.startswith("language-"):
            stack[-1].language = cls.removeprefix("language-")
            return
    if item.tag == "pre" and item.language:
        out.entity("pre", item.start, language=item.language)
    elif item.tag == "blockquote" and "expandable" in item.attrs:
        out.entity("expandable_blockquote", item.start)
    elif item.tag == "tg-emoji":
        out.entity(kind, item.start, custom_emoji_id=item.attrs["emoji-id"])
    else:
        out.entity(kind, item.start)


def parse_html(text: str) -> ParsedText:
    """Parse Telegram HTML; raise EntityParseError where Telegram would refuse it."""
    out = _Builder()
    stack: list[_Open] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            decoded, i = _decode_entity(text, i)
            out.add(decoded)
        elif char == "<" and text.startswith("</", i):
            offset = _byte_offset(text, i)
            match = _END_RE.match(text, i)
            if match is None:
                raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
            tag = match.group(1).lower()
            if not stack:
                raise EntityParseError(f'Unexpected end tag "{tag}" at byte offset {offset}')
            if stack[-1].tag != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1].tag}>", '
                    f'found "</{tag}>"'
                )
            _close(out, stack.pop(), stack)
            i = match.end()
        elif char == "<":
            offset = _byte_offset(text, i)
            tag, attrs, i = _start_tag(text, i)
            _check_start(tag, attrs, offset)
            stack.append(_Open(tag, out.pos, attrs, offset))
        else:
            j = i
            while j < len(text) and text[j] not in "&<":
                j += 1
            out.add(text[i:j])
            i = j
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return out.result()


# ---------------------------------------------------------------------------------------------
# MarkdownV2 (a faithful-enough check: reserved characters, balanced markers, links)

_RESERVED_V2 = set("_*[]()~`>#+-=|{}.!")
_V2_KINDS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
_V2_NAMES = {
    "*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler",
    "[": "TextUrl", "`": "Code", "```": "Pre",
}


def _v2_code(text: str, i: int, marker: str, out: _Builder) -> int:
    """Consume a code or pre span starting after `marker`; return the index after it."""
    start_index = i - len(marker)
    language = None
    if marker == "```":
        newline = text.find("\n", i)
        first = text[i:newline] if newline >= 0 else ""
        if newline >= 0 and first and not any(c.isspace() for c in first):
            language, i = first, newline + 1
    start = out.pos
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.add(text[i + 1])
            i += 2
        elif text.startswith(marker, i):
            extra = {"language": language} if language else {}
            out.entity("pre" if marker == "```" else "code", start, **extra)
            return i + len(marker)
        else:
            out.add(text[i])
            i += 1
    raise EntityParseError(
        f"Can't find end of {_V2_NAMES[marker]} entity at byte offset "
        f"{_byte_offset(text, start_index)}"
    )


def _v2_link_url(text: str, i: int) -> tuple[str, int]:
    """Parse `(url)` starting at text[i] == '('; return (url, index after ')')."""
    url: list[str] = []
    j = i + 1
    while j < len(text) and text[j] != ")":
        if text[j] == "\\" and j + 1 < len(text):
            j += 1
        url.append(text[j])
        j += 1
    if j >= len(text):
        raise EntityParseError(f"Can't find end of a url at byte offset {_byte_offset(text, i)}")
    return "".join(url), j + 1


def parse_markdown_v2(text: str) -> ParsedText:
    """Parse MarkdownV2; raise EntityParseError for unescaped reserved characters and the like."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (marker, utf16 start, source index)
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and ord(text[i + 1]) < 127:
            out.add(text[i + 1])
            i += 2
            continue
        marker = next(
            (m for m in ("```", "__", "||", "`", "*", "_", "~") if text.startswith(m, i)), None
        )
        if marker in ("```", "`"):
            i = _v2_code(text, i + len(marker), marker, out)
        elif marker is not None:
            if stack and stack[-1][0] == marker:
                _, start, _src = stack.pop()
                out.entity(_V2_KINDS[marker], start)
            else:
                stack.append((marker, out.pos, i))
            i += len(marker)
        elif char == "[":
            stack.append(("[", out.pos, i))
            i += 1
        elif char == "]" and stack and stack[-1][0] == "[" and text.startswith("(", i + 1):
            _, start, _src = stack.pop()
            url, i = _v2_link_url(text, i + 1)
            out.entity("text_link", start, url=url)
        elif char == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # a blockquote line; the quote itself is not recorded as an entity
        elif char in _RESERVED_V2:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            out.add(char)
            i += 1
    if stack:
        marker, _start, src = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_V2_NAMES[marker]} entity at byte offset "
            f"{_byte_offset(text, src)}"
        )
    return out.result()


def parse_markdown(text: str) -> ParsedText:
    """Parse legacy Markdown: balanced *bold*, _italic_, `code`, ```pre``` and [links](url)."""
    out = _Builder()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "*_`[":
            out.add(text[i + 1])
            i += 2
        elif char in "*_`" or char == "[":
            closer = {"*": "*", "_": "_", "`": "`", "[": "]"}[char]
            if text.startswith("```", i):
                char, closer = "```", "```"
            end = text.find(closer, i + len(char))
            if end < 0:
                raise EntityParseError(
                    "Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(text, i)}"
                )
            start = out.pos
            out.add(text[i + len(char) : end])
            i = end + len(closer)
            if char == "[":
                if text.startswith("(", i) and (close := text.find(")", i)) >= 0:
                    out.entity("text_link", start, url=text[i + 1 : close])
                    i = close + 1
                continue
            kind = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}[char]
            out.entity(kind, start)
        else:
            out.add(char)
            i += 1
    return out.result()


def parse_text(text: str, parse_mode: str | None) -> ParsedText:
    """Plain text and entities for `text` in `parse_mode` (None: taken literally)."""
    if not parse_mode:
        return ParsedText(text)
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ValueError(f"Unsupported parse_mode {parse_mode!r}")


_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>")


def html_to_plain(text: str) -> str:
    """Strip HTML tags and unescape entities, leniently (for showing messages to people)."""
    return _html.unescape(_TAG_RE.sub("", text))
