"""Telegram's 4,096-character limit: long messages are cut at lines, never inside markup."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.emulator.html import html_to_plain, parse_html
from bot.longtext import cut_html, size, split_html
from bot.render import esc


def test_a_long_list_is_cut_at_line_breaks() -> None:
    lines = [f"<b>#{i}</b> 垃圾分类督导 &amp; 巡逻 @3号投放点" for i in range(400)]
    text = "\n".join(lines)
    parts = split_html(text)
    assert len(parts) > 1
    assert "\n".join(parts) == text  # nothing lost, every cut at a line break
    for part in parts:
        assert size(part) <= 4096
        parse_html(part)


def test_a_huge_line_inside_a_tag_is_closed_and_reopened() -> None:
    text = "<blockquote>" + esc("x<y " * 3000) + "</blockquote>"
    parts = split_html(text, 1000)
    assert all(p.startswith("<blockquote>") and p.endswith("</blockquote>") for p in parts)
    assert "".join(html_to_plain(p) for p in parts) == "x<y " * 3000
    for part in parts:
        assert size(part) <= 1000
        parse_html(part)


def test_astral_characters_count_twice() -> None:
    text = "😀" * 3000  # 6,000 UTF-16 code units
    parts = split_html(text)
    assert [size(p) for p in parts] == [4096, 1904]


def test_an_edit_is_cut_and_marked() -> None:
    text = "\n".join(f"line {i}" for i in range(1000))
    cut = cut_html(text)
    assert size(cut) <= 4096 and cut.endswith("\n…") and text.startswith(cut[:-2])


_WORD = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@given(st.lists(st.tuples(st.sampled_from(["", "b", "i", "code"]), _WORD), max_size=60),
       st.integers(min_value=20, max_value=400))
def test_any_message_splits_into_valid_parts(pieces: list[tuple[str, str]], limit: int) -> None:
    text = "\n".join(f"<{tag}>{esc(word)}</{tag}>" if tag else esc(word) for tag, word in pieces)
    parts = split_html(text, limit)
    for part in parts:
        assert size(part) <= limit or part == text
        parse_html(part)
    plain = "".join(html_to_plain(p) for p in parts)
    assert plain.replace("\n", "") == html_to_plain(text).replace("\n", "")
