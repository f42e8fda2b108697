"""Clock-driven upkeep: keep every duty's shifts materialised ahead.

APScheduler (PTB's JobQueue) only ticks this in `dutybot run`; the console and tests call
`keep_shifts_ahead` through the injected clock instead.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from scheduler import dispatcher, planner
from scheduler.crash import crash_point
from scheduler.dispatcher import Deliver
from scheduler.planner import Plan
from storage import (
    attendance,
    certificates,
    credit,
    duties,
    outbox,
    pacing,
    reports,
    sendslots,
)
from storage.db import SessionFactory, transaction
from storage.recognition import DEFAULT_RULES, Rules

log = logging.getLogger(__name__)

UPKEEP_EVERY = timedelta(hours=1)
TICK_EVERY = timedelta(minutes=1)


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


async def notify(
    sessions: SessionFactory, deliver: Deliver, now: datetime, defaults: Rules = DEFAULT_RULES,
    *, owner: str = outbox.SOLO,
) -> Plan:
    """One scheduler tick: credit changed hours (points, star levels), issue certificates
    whose public notice ended, plan what is due into the outbox, take over the rows of a
    dispatcher whose lease ran out, then send what is due."""
    async with transaction(sessions) as session:
        await credit.settle(session, now=now, defaults=defaults)
    async with transaction(sessions) as session:
        await certificates.finish_notices(session, now=now)  # queues the PDFs
    async with transaction(sessions) as session:
        plan = await planner.plan_and_enqueue(session, now, defaults)
    crash_point("after-plan")
    await recover(sessions, now)
    stats = await dispatcher.dispatch(sessions, deliver, now, owner=owner)
    if stats != dispatcher.Stats():
        log.info("outbox: %s", stats)
    return plan


async def tick(
    sessions: SessionFactory, deliver: Deliver, now: datetime, defaults: Rules = DEFAULT_RULES,
    *, owner: str = outbox.SOLO,
) -> datetime | None:
    """Plan and send what is due at `now`; return when something next falls due."""
    plan = await notify(sessions, deliver, now, defaults, owner=owner)
    async with sessions() as session:
        retry = await outbox.next_due(session)
    later = [at for at in (plan.next_at, retry) if at is not None and at > now]
    return min(later) if later else None


async def recover(
    sessions: SessionFactory, now: datetime, *, owner: str | None = None,
    everything: bool = False,
) -> int:
    """Rows a stopped dispatcher left: `claimed` ones go back to pending, `sending` ones
    become `uncertain`, never resent. At start-up (`owner`: this dispatcher's own rows at
    once; `everything`: the only process there is) and on every tick (leases run out)."""
    async with transaction(sessions) as session:
        found = await outbox.recover(session, now=now, owner=owner, everything=everything)
    if found:
        log.warning("%d notifications were being sent when a dispatcher stopped: not resent",
                    found)
    return found


async def upkeep(sessions: SessionFactory, now: datetime) -> None:
    """Everything the hourly job does."""
    await keep_shifts_ahead(sessions, now)
    await close_forgotten(sessions, now)
    async with transaction(sessions) as session:
        await sendslots.forget_old(session)
        # The command limit counts in the wall clock, /me and /verify in the planner's: the
        # earlier of the two never deletes a row that is still counting.
        await pacing.forget_old(await session.connection(), min(time.time(), now.timestamp()))
