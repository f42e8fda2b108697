"""Clock-driven upkeep: keep every duty's shifts materialised ahead.

APScheduler (PTB's JobQueue) only ticks this in `dutybot run`; the console and tests call
`keep_shifts_ahead` through the injected clock instead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from storage import attendance, duties, reports
from storage.db import SessionFactory, transaction

log = logging.getLogger(__name__)

UPKEEP_EVERY = timedelta(hours=1)


async def keep_shifts_ahead(sessions: SessionFactory, now: datetime) -> int:
    """Materialise every active duty's shifts for the coming days (idempotent)."""
    async with transaction(sessions) as session:
        created = await duties.materialise_all(session, now=now)
    if created:
        log.info("materialised %d new shifts", created)
    return created


async def close_forgotten(sessions: SessionFactory, now: datetime) -> int:
    """Close forgotten check-outs (auto, unconfirmed) and let unclaimed album photos go."""
    async with transaction(sessions) as session:
        closed = await attendance.close_overdue(session, now=now)
        await reports.forget_waiting_photos(session, now=now)
    if closed:
        log.info("closed %d forgotten check-outs", len(closed))
    return len(closed)


async def upkeep(sessions: SessionFactory, now: datetime) -> None:
    """Everything the hourly job does."""
    await keep_shifts_ahead(sessions, now)
    await close_forgotten(sessions, now)
