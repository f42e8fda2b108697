"""Telegram's parse modes as the emulator checks them, and html_to_plain."""

from __future__ import annotations

import pytest

from bot.emulator import EntityParseError, html_to_plain, parse_text, utf16_len
from bot.emulator.html import parse_html, parse_markdown_v2


@pytest.mark.parametrize(
    "text",
    [
        "<b>Tom_*[",  # unclosed
        "<b>bold</i>",  # mismatched
        "</b>",  # unexpected end tag
        "a < b",  # bare <
        "<br>",  # unsupported tag
        "<div>x</div>",
        '<span class="red">x</span>',  # span must be a spoiler
        "Tom & Jerry",  # bare &
        "&nbsp;",  # named entities other than lt gt amp quot
        "&#0;",
        "<b",  # unclosed start tag
        '<a href="x?a=1&b=2">x</a>',  # & in an attribute too
    ],
)
def test_html_telegram_refuses(text: str) -> None:
    with pytest.raises(EntityParseError):
        parse_html(text)


def test_html_entities_and_offsets() -> None:
    parsed = parse_html(
        '👋 <b>王阿姨</b> &lt;3 <a href="https://example.org/?a=1&amp;b=2">link</a> '
        '<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span>&#128512;&#x41;&quot;'
    )
    assert parsed.text == '👋 王阿姨 <3 link st😀A"'
    bold, link, spoiler1, spoiler2 = parsed.entities
    assert bold == {"type": "bold", "offset": 3, "length": 3}
    assert link["type"] == "text_link" and link["url"] == "https://example.org/?a=1&b=2"
    # 👋 is two UTF-16 units: the Python index is one less than the entity offset
    assert parsed.text[link["offset"] - 1 : link["offset"] + 3] == "link"
    assert spoiler1["type"] == spoiler2["type"] == "spoiler"


def test_html_nested_and_pre_with_language() -> None:
    parsed = parse_html('<b><i>x</i>y</b><pre><code class="language-python">p</code></pre>')
    kinds = [(e["type"], e["offset"], e["length"]) for e in parsed.entities]
    assert kinds == [("bold", 0, 2), ("italic", 0, 1), ("pre", 2, 1)]
    assert parsed.entities[2]["language"] == "python"


def test_uppercase_tags_and_blockquote_are_fine() -> None:
    assert parse_html("<B>x</B><blockquote expandable>q</blockquote>").text == "xq"


@pytest.mark.parametrize(
    "text", ["Done.", "a-b", "1+1=2", "(x)", "#tag", "*unclosed", "[link](", "{x}", "!"]
)
def test_markdown_v2_reserved_characters_must_be_escaped(text: str) -> None:
    with pytest.raises(EntityParseError):
        parse_markdown_v2(text)


def test_markdown_v2_valid_text() -> None:
    parsed = parse_markdown_v2(r"*bold* _it_ __u__ ~s~ ||sp|| `a.b` [x](https://e.org/a\)b) 1\.5")
    assert parsed.text == "bold it u s sp a.b x 1.5"
    kinds = [e["type"] for e in parsed.entities]
    assert kinds == ["bold", "italic", "underline", "strikethrough", "spoiler", "code",
                     "text_link"]
    assert parsed.entities[-1]["url"] == "https://e.org/a)b"


def test_plain_text_takes_anything() -> None:
    assert parse_text("<b>Tom_*[ & ", None).text == "<b>Tom_*[ & "


def test_unknown_parse_mode() -> None:
    with pytest.raises(ValueError, match="parse_mode"):
        parse_text("x", "BBCode")


def test_html_to_plain_strips_tags_and_unescapes() -> None:
    assert html_to_plain("<b>Hi</b> &lt;b&gt;Tom_*[ &amp; <a href='x'>you</a>") == (
        "Hi <b>Tom_*[ & you"
    )
    assert html_to_plain("a < b > c") == "a < b > c"


def test_utf16_len() -> None:
    assert utf16_len("a王👋🏽") == 1 + 1 + 2 + 2
