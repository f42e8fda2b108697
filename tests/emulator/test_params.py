"""Decoding request parameters the way every transport does."""

from __future__ import annotations

from bot.emulator import decode_params


def test_decode_keeps_text_and_decodes_the_rest() -> None:
    params = decode_params({
        "chat_id": "-100123", "text": "42", "disable_notification": "true",
        "reply_markup": '{"inline_keyboard": []}', "parse_mode": "HTML",
        "allowed_updates": '["message"]', "callback_query_id": "123", "chat": "@name",
    })
    assert params == {
        "chat_id": -100123, "text": "42", "disable_notification": True,
        "reply_markup": {"inline_keyboard": []}, "parse_mode": "HTML",
        "allowed_updates": ["message"], "callback_query_id": "123", "chat": "@name",
    }
