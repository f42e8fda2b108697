"""The roster a group sees: its lines read in one query, and the coalesced edits of its
latest roster message after anything it shows changed (a claim, a release, a rename, a
departure, an erasure, a duty edited)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot import views
from bot.context import DutyContext, GroupInfo, Services
from bot.i18n import translator
from bot.views.roster import ShiftLine
from storage import duties, roster
from storage.db import reading, transaction
from storage.models import ClaimStatus


async def roster_lines(
    services: Services, group: GroupInfo, *, bring_ahead: bool = True
) -> list[ShiftLine]:
    """The upcoming shifts of a group with the names on them.

    `/shift` and `/gaps` first bring the duties' shifts up to date (the hourly job may not
    have run yet); re-rendering after a tap does not need to, and only reads.
    """
    opened = transaction(services.sessions) if bring_ahead else reading(services.sessions)
    async with opened as session:
        lines, _state = await _read_lines(session, services, group, bring_ahead=bring_ahead)
    return lines


async def _read_lines(
    session: AsyncSession, services: Services, group: GroupInfo, *, bring_ahead: bool
) -> tuple[list[ShiftLine], duties.RosterState]:
    """`roster_lines` in a session of the caller's, with the state of the roster read."""
    now = services.clock.now()
    days = services.settings.bot.roster_days
    if bring_ahead:
        await duties.bring_ahead(session, group.id, group.timezone, now=now)
    found, state = await duties.roster(session, group.id, now=now, days=days)
    lines = [
        ShiftLine(
            entry.shift, entry.duty,
            ["?" if name is None else name for status, name in entry.claims
             if status is ClaimStatus.ACTIVE],
            sum(1 for status, _ in entry.claims if status is not ClaimStatus.ACTIVE),
        )
        for entry in found
    ]
    return lines, state


def refresh_roster(context: DutyContext) -> None:
    """Ask for this update's group's latest roster message to be re-rendered (coalesced)."""
    if context.group is not None:
        request_roster_refresh(context.services, context.group)


def request_roster_refresh(services: Services, group: GroupInfo) -> None:
    """Ask for a group's latest roster message to be re-rendered (coalesced)."""
    services.roster_edits.request(("roster", group.id), lambda: _edit_roster(services, group))


ROSTER_RECHECKS = 3


async def _edit_roster(services: Services, group: GroupInfo) -> None:
    """Edit the latest roster message to show the claims as they are now. Once the edit
    landed, look again: another instance may have committed a claim after this rendering and
    its own edit landed first, so the last edit to land must be rendered after every claim.
    The look again reads only the roster's state (what it shows of its shifts, their claims
    and the claimants' names) and its latest message; it renders again only when one of them
    changed."""
    days = services.settings.bot.roster_days
    landed: tuple[int, int, duties.RosterState] | None = None  # message, page, state shown
    shown: tuple[str, object] | None = None
    for _ in range(ROSTER_RECHECKS):
        if landed is not None:
            async with reading(services.sessions) as session:
                latest = await roster.latest(session, group.id)
                state = await duties.roster_state(
                    session, group.id, now=services.clock.now(), days=days
                )
            if latest is None or (int(latest.message_id), latest.page, state) == landed:
                return  # what landed last is the latest
        async with reading(services.sessions) as session:
            latest = await roster.latest(session, group.id)
            if latest is None:
                return
            lines, state = await _read_lines(session, services, group, bring_ahead=False)
        t = translator(group.language)
        page = views.roster.roster_page(t, lines, group.timezone, days, latest.page)
        if landed is not None and landed[0] == int(latest.message_id) and shown == (
            page.text, page.keyboard
        ):
            return  # the change does not show on this message
        alive = await services.outgoing.edit_in_group(
            latest.chat_id, int(latest.message_id), page.text, page.keyboard
        )
        if not alive:
            async with transaction(services.sessions) as session:
                await roster.forget(session, group.id, int(latest.message_id))
            return
        landed, shown = (int(latest.message_id), latest.page, state), (page.text, page.keyboard)
        if services.roster_edits.waiting(("roster", group.id)):
            return  # a later edit of this instance is on its way and will look again
