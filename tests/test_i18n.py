"""The catalogs: every message in the code is translated in zh_CN and en, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.emulator.html import EntityParseError, parse_html
from bot.i18n import LANGUAGES, po_path, translator

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?(?:b|i|u|s|a|em|strong|code|pre|blockquote|span|tg-spoiler)\b")


def code_messages(
    keywords: dict[str, tuple[int, ...] | None] | None = None,
) -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for package in ("bot", "commands", "scheduler", "storage"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")],
            keywords=keywords or {"gettext": None, "ngettext": (1, 2), "N_": None, "_": None,
                                  "plain_text": (2,)},
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_code_is_translated(language: str) -> None:
    with po_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    missing = []
    for message in code_messages():
        key = message if isinstance(message, str) else message[0]
        entry = catalog.get(key)
        strings = [] if entry is None else (
            [entry.string] if isinstance(entry.string, str) else list(entry.string)
        )
        if not strings or not all(strings) or (entry is not None and entry.fuzzy):
            missing.append(key)
    assert missing == [], f"untranslated in {language}: {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_markup(language: str) -> None:
    with po_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    for entry in catalog:
        if not entry.id:
            continue
        source = entry.id if isinstance(entry.id, str) else entry.id[0]
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(source)), source
            assert sorted(TAG.findall(string)) == sorted(TAG.findall(source)), source


def test_chinese_is_the_default_and_unknown_languages_fall_back() -> None:
    assert translator("fr").language == "zh_CN"
    assert translator("zh_CN").gettext("Approved.") == "已批准这个群使用。"
    assert translator("en").gettext("Approved.") == "Approved."


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_parses_as_telegram_html(language: str) -> None:
    """Usage lines with `<班次编号>` once failed to send: a catalog string, its placeholders
    filled with escaped text, must be HTML that Telegram accepts (the emulator's parser)."""
    with po_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    plain = code_messages({"plain_text": (2,)})  # escaped whole before sending
    refused = []
    for entry in catalog:
        if not entry.id or entry.id in plain:
            continue
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        for string in strings:
            filled = PLACEHOLDER.sub("x&lt;y&gt;", string.replace("%(num)s", "2"))
            try:
                parse_html(filled)
            except EntityParseError as exc:
                refused.append(f"{string!r}: {exc}")
    assert refused == []
