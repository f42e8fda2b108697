"""The audit log: every change a person makes is written down with before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


def record(
    session: AsyncSession,
    *,
    at: datetime,
    action: str,
    object_type: str,
    object_id: int | None,
    actor: int | None,
    group_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEntry:
    """Add one audit entry to the current transaction."""
    entry = AuditEntry(
        at=at,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_telegram_id=actor,
        group_id=group_id,
        before=before,
        after=after,
        note=note,
    )
    session.add(entry)
    return entry


async def entries(
    session: AsyncSession, *, group_id: int | None = None, action: str | None = None
) -> list[AuditEntry]:
    """Audit entries, oldest first, optionally for one group or one action."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if group_id is not None:
        query = query.where(AuditEntry.group_id == group_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list((await session.scalars(query)).all())
