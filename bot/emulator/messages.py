"""Bot API methods that post, edit and delete messages, and answer button presses."""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.html import ParsedText
from bot.emulator.model import JSON, FakeChat, FakeMessage, SentFile, UploadedFile, bad_request
from bot.emulator.params import Params, formatted, reply_markup, target_chat
from bot.emulator.world import World

_USER_LINK = re.compile(r"^tg://user\?id=(\d+)$")


def _entities(w: World, parsed: ParsedText | None) -> list[JSON]:
    """Telegram turns a link to tg://user?id=N into a text mention of a user it knows."""
    if parsed is None:
        return []
    out = []
    for entity in parsed.entities:
        match = _USER_LINK.match(str(entity.get("url", "")))
        user = w.users.get(int(match[1])) if match else None
        if entity.get("type") == "text_link" and user is not None:
            entity = {"type": "text_mention", "offset": entity["offset"],
                      "length": entity["length"], "user": user.to_dict()}
        out.append(entity)
    return out


def _reply_target(w: World, chat: FakeChat, p: Params) -> FakeMessage | None:
    params = p.get("reply_parameters")
    if isinstance(params, dict) and params.get("message_id") is not None:
        message_id = int(params["message_id"])
        allow = bool(params.get("allow_sending_without_reply"))
    elif p.has("reply_to_message_id"):
        message_id = p.get_int("reply_to_message_id")
        allow = p.get_bool("allow_sending_without_reply")
    else:
        return None
    message = w.get_message(chat.id, message_id)
    if message is None and not allow:
        raise bad_request("message to be replied not found")
    return message


def _thread(chat: FakeChat, p: Params, reply: FakeMessage | None) -> tuple[int | None, bool]:
    thread_id = p.opt_int("message_thread_id")
    if thread_id is None and reply is not None and chat.is_forum:
        thread_id = reply.message_thread_id
    if thread_id is None or chat.type == "private":
        return None, False
    if thread_id in chat.deleted_topics:
        raise bad_request("message thread not found")
    return thread_id, chat.is_forum


def _bot_post(w: World, chat: FakeChat, p: Params, **fields: Any) -> FakeMessage:
    reply = _reply_target(w, chat, p)
    thread_id, topic = _thread(chat, p, reply)
    return w.store(
        lambda mid: FakeMessage(
            mid, chat, w.now_ts(), w.bot_user, by_bot=True, reply_to=reply,
            message_thread_id=thread_id, is_topic_message=topic,
            disable_notification=p.get_bool("disable_notification"), **fields,
        ),
        chat,
    )


def send_message(w: World, p: Params) -> JSON:
    """sendMessage."""
    chat = target_chat(w, p, writing=True)
    source, parsed, mode = formatted(p, "text")
    markup = reply_markup(p)
    assert parsed is not None
    message = _bot_post(
        w, chat, p, text=source, parse_mode=mode, plain=parsed.text,
        entities=_entities(w, parsed), reply_markup=markup,
        link_preview_options=p.get("link_preview_options"),
    )
    return message.to_dict()


def _editable(w: World, p: Params) -> FakeMessage:
    if p.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the emulator")
    chat = target_chat(w, p, writing=True)
    message = w.get_message(chat.id, p.get_int("message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if not message.by_bot:
        raise bad_request("message can't be edited")
    return message


def _keyboard(markup: JSON | None) -> Any:
    return (markup or {}).get("inline_keyboard") or []


def _not_modified() -> Exception:
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )


def _apply_edit(w: World, message: FakeMessage, source: str | None, mode: str | None,
                parsed: ParsedText | None, markup: JSON | None) -> JSON:
    media = message.photo is not None or message.document is not None
    message.history.append((message.caption if media else message.text) or "")
    if media:
        message.caption = source
    else:
        message.text = source
    message.parse_mode, message.reply_markup = mode, markup
    message.plain = parsed.text if parsed else ""
    message.entities = _entities(w, parsed)
    message.edit_date = w.now_ts()
    w.notify()
    return message.to_dict()


def edit_message_text(w: World, p: Params) -> JSON:
    """editMessageText (no reply_markup removes the keyboard, as in Telegram)."""
    message = _editable(w, p)
    if message.photo is not None or message.document is not None:
        raise bad_request("there is no text in the message to edit")
    source, parsed, mode = formatted(p, "text")
    markup = reply_markup(p)
    assert parsed is not None
    if (
        parsed.text == message.plain
        and _entities(w, parsed) == message.entities
        and _keyboard(markup) == _keyboard(message.reply_markup)
    ):
        raise _not_modified()
    if p.has("link_preview_options"):
        message.link_preview_options = p.get("link_preview_options")
    return _apply_edit(w, message, source, mode, parsed, markup)


def edit_message_caption(w: World, p: Params) -> JSON:
    """editMessageCaption."""
    message = _editable(w, p)
    if message.photo is None and message.document is None:
        raise bad_request("there is no caption in the message to edit")
    source, parsed, mode = formatted(p, "caption", limit=1024, required=False)
    markup = reply_markup(p)
    plain = parsed.text if parsed else ""
    if plain == (message.plain or "") and _keyboard(markup) == _keyboard(message.reply_markup):
        raise _not_modified()
    return _apply_edit(w, message, source, mode, parsed, markup)


def edit_message_reply_markup(w: World, p: Params) -> JSON:
    """editMessageReplyMarkup."""
    message = _editable(w, p)
    markup = reply_markup(p)
    if _keyboard(markup) == _keyboard(message.reply_markup):
        raise _not_modified()
    message.history.append(message.text or message.caption or "")
    message.reply_markup = markup
    message.edit_date = w.now_ts()
    w.notify()
    return message.to_dict()


def delete_message(w: World, p: Params) -> bool:
    """deleteMessage: the bot's own messages, or anyone's when it is an administrator."""
    chat = target_chat(w, p)
    message = w.get_message(chat.id, p.get_int("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    if not message.by_bot and chat.is_group and chat.bot_status != "administrator":
        raise bad_request("message can't be deleted")
    message.deleted = True
    w.notify()
    return True


def answer_callback_query(w: World, p: Params) -> bool:
    """answerCallbackQuery: once per query, and only for queries that exist."""
    query_id = p.get_str("callback_query_id") or ""
    if len(p.get_str("text") or "") > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    if not w.close_query(query_id):
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    w.callback_answers[query_id] = dict(p.raw)
    return True


# ------------------------------------------------------------------------------------ files


def _input_file(
    w: World, p: Params, value: Any, kind: str
) -> tuple[str, str, str | None, int | None]:
    """(file_id, file_unique_id, filename, size) for an upload, attach:// name or file id."""
    if isinstance(value, str) and value.startswith("attach://"):
        value = p.get(value.removeprefix("attach://"))
        if value is None:
            raise bad_request(f"there is no file in the request for {kind}")
    if isinstance(value, UploadedFile):
        if value.size == 0:
            raise bad_request("file must be non-empty")
        file_id, unique = w.new_file_id(kind, size=value.size, filename=value.filename,
                                        content=value.content)
        return file_id, unique, value.filename, value.size
    if not isinstance(value, str) or not value:
        raise bad_request(f"there is no {kind} in the request")
    if value.startswith(("http://", "https://")):
        file_id, unique = w.new_file_id(kind, url=value)
        return file_id, unique, value.rsplit("/", 1)[-1] or None, None
    known = w.known_file(value)
    if known is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return value, str(known["file_unique_id"]), known.get("filename"), known.get("size")


def _media_fields(w: World, p: Params, kind: str, value: Any) -> tuple[JSON, tuple[Any, ...]]:
    file_id, unique, filename, size = _input_file(w, p, value, kind)
    if kind == "photo":
        sized: JSON = {"file_id": file_id, "file_unique_id": unique, "width": 800, "height": 600}
        if size is not None:
            sized["file_size"] = size
        return {"photo": [sized]}, (file_id, filename, size)
    document: JSON = {"file_id": file_id, "file_unique_id": unique}
    if filename:
        document["file_name"] = filename
    if size is not None:
        document["file_size"] = size
    return {"document": document}, (file_id, filename, size)


def _send_file(w: World, p: Params, method: str, kind: str) -> JSON:
    chat = target_chat(w, p, writing=True)
    source, parsed, mode = formatted(p, "caption", limit=1024, required=False)
    markup = reply_markup(p)
    fields, (file_id, filename, size) = _media_fields(w, p, kind, p.get(kind))
    message = _bot_post(
        w, chat, p, caption=source, parse_mode=mode, plain=parsed.text if parsed else "",
        entities=_entities(w, parsed), reply_markup=markup, **fields,
    )
    upload = p.get(kind)
    if isinstance(upload, str) and upload.startswith("attach://"):
        upload = p.get(upload.removeprefix("attach://"))
    known = w.known_file(file_id) or {}
    content = upload.content if isinstance(upload, UploadedFile) else known.get("content", b"")
    w.sent_files.append(
        SentFile(method, chat.id, kind, filename, size, file_id, message.message_id, content)
    )
    return message.to_dict()


def send_photo(w: World, p: Params) -> JSON:
    """sendPhoto: an uploaded file, a URL, or a known file_id."""
    return _send_file(w, p, "sendPhoto", "photo")


MAX_DOWNLOAD = 20 * 1024 * 1024  # bots download files up to 20 MB


def get_file(w: World, p: Params) -> JSON:
    """getFile: where to download a file a user sent (up to 20 MB)."""
    file_id = p.get("file_id")
    known = w.known_file(file_id) if isinstance(file_id, str) else None
    if known is None:
        raise bad_request("invalid file_id")
    size = int(known.get("size") or 0)
    if size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    result: JSON = {"file_id": file_id, "file_unique_id": known["file_unique_id"],
                    "file_size": size}
    if "content" in known:
        result["file_path"] = w.file_path(str(file_id))
    return result


def send_document(w: World, p: Params) -> JSON:
    """sendDocument: an uploaded file, a URL, or a known file_id."""
    return _send_file(w, p, "sendDocument", "document")


def send_media_group(w: World, p: Params) -> list[JSON]:
    """sendMediaGroup: 2–10 photos or documents posted as one album."""
    chat = target_chat(w, p, writing=True)
    media = p.get("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media items: must be 2-10")
    group_id = w.new_media_group_id()
    results = []
    for item in media:
        if not isinstance(item, dict) or item.get("type") not in ("photo", "document"):
            raise bad_request("the emulator supports only photo and document media")
        kind = str(item["type"])
        sub = Params({"caption": item.get("caption"), "parse_mode": item.get("parse_mode")})
        source, parsed, mode = formatted(sub, "caption", limit=1024, required=False)
        fields, (file_id, filename, size) = _media_fields(w, p, kind, item.get("media"))
        message = _bot_post(
            w, chat, p, caption=source, parse_mode=mode, plain=parsed.text if parsed else "",
            entities=_entities(w, parsed), media_group_id=group_id, **fields,
        )
        w.sent_files.append(
            SentFile("sendMediaGroup", chat.id, kind, filename, size, file_id, message.message_id)
        )
        results.append(message.to_dict())
    return results
