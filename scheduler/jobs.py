"""Clock-driven upkeep: keep every duty's shifts materialised ahead.

APScheduler (PTB's JobQueue) only ticks this in `dutybot run`; the console and tests call
`keep_shifts_ahead` through the injected clock instead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from storage import duties
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
