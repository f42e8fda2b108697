"""Record numbers as people type them and as buttons carry them: one parser for both."""

from __future__ import annotations

import unicodedata

MAX_ID = 2**31 - 1  # the INTEGER id columns' range on PostgreSQL (SQLite takes it too)
NO_RECORD = 0  # ids start at 1: this number names nothing


def parse_id(word: str) -> int | None:
    """`12`, `#12`, `１２`, `²` → 12 or 2; None when the word is not a number at all.

    Digits that are still not ASCII after NFKC (`١٢`) and numbers beyond the id columns'
    range name no record: they give `NO_RECORD`, so the caller's ordinary "no such number"
    reply answers them and no query ever sees an out-of-range value.
    """
    text = unicodedata.normalize("NFKC", word.strip()).removeprefix("#")
    if not text or not all(ch.isdigit() for ch in text):
        return None
    if not text.isascii() or len(text) > len(str(MAX_ID)) or int(text) > MAX_ID:
        return NO_RECORD
    return int(text)
