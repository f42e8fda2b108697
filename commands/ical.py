"""/calendar (privately): the person's coming shifts as an .ics file for their phone."""

from __future__ import annotations

from telegram import InputFile, Update

from bot import views
from bot.context import DutyContext, user_ref
from bot.documents.ical import calendar_file
from storage import claims, members
from storage.db import transaction


async def calendar(update: Update, context: DutyContext) -> None:
    """Every shift the person has a place on, not yet started, in every team."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    t = context.translator_for(update)
    services = context.services
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        person = await members.upsert_person(session, user_ref(user), now=now)
        places = await claims.coming_places(session, person.id, now=now)
        held = sum(1 for p in places if p.held)
        content = calendar_file(t, person.id, places, now) if places else b""
    if not places:
        await message.reply_text(views.documents.no_coming_shifts(t))
        return
    await message.reply_document(
        InputFile(content, filename=t.gettext("duties.ics")),
        caption=views.documents.calendar_caption(t, held),
    )
