"""The catalogs: every message in the code is translated in zh_CN and en, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, po_path, translator

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?(?:b|i|u|s|a|em|strong|code|pre|blockquote|span|tg-spoiler)\b")


def code_messages() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for package in ("bot", "commands", "scheduler", "storage"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")],
            keywords={"gettext": None, "ngettext": (1, 2), "N_": None, "_": None},
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
