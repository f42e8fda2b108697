"""Translations: gettext catalogs (zh_CN default, en), compiled from the .po files at load.

Code names a message in English (the msgid); the catalog says it. Loading the .po directly
(compiled in memory with Babel) means there is no stale .mo to forget to rebuild.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "dutybot"
LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated where shown)."""
    return message


class Translator:
    """One language's catalog; `gettext` and `ngettext` as usual."""

    def __init__(self, language: str, catalog: gettext.NullTranslations) -> None:
        self.language = language
        self._catalog = catalog

    def gettext(self, message: str) -> str:
        """Translate one message."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message whose form depends on a count."""
        return self._catalog.ngettext(singular, plural, n)


def po_path(language: str) -> Path:
    """Where a language's catalog lives."""
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translator(language: str) -> Translator:
    """The translator for a language (unknown languages get the default)."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    with po_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translator(language, gettext.GNUTranslations(buffer))


def language_for_user(language_code: str | None, default: str) -> str:
    """The catalog for a user's Telegram language (private chats): English or Chinese."""
    if language_code and language_code.lower().startswith("en"):
        return "en"
    if language_code and language_code.lower().startswith("zh"):
        return "zh_CN"
    return default
