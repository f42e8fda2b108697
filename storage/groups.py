"""Groups: first contact, approval, leaving, and the chat id changing under us."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, event, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, object_session

from storage import audit
from storage.models import AuditEntry, Group, GroupStatus, Membership


@dataclass(frozen=True)
class GroupDefaults:
    """What a newly seen group starts with."""

    timezone: str
    language: str


# ---- "a group changed", for a copy of groups kept outside the database --------------------

_committed_changes = [0]


def changes() -> int:
    """How many transactions that changed a group row have committed in this process. A copy
    of a group read before this moved may be stale (another process's changes are seen only
    by reading again). Counted from the ORM's flushes: the two UPDATEs below touch only the
    pending notice and the attention flag."""
    return _committed_changes[0]


def _row_changed(_mapper: Any, _connection: Any, target: Group) -> None:
    session = object_session(target)
    if session is not None:
        session.info["groups_changed"] = True


for _moment in ("after_insert", "after_update", "after_delete"):
    event.listen(Group, _moment, _row_changed)


@event.listens_for(Session, "after_commit")
def _count_change(session: Session) -> None:
    # (A rolled-back change may count too: a copy is dropped for nothing, which is harmless.)
    if session.in_nested_transaction():
        return  # a savepoint released: the change counts when the transaction commits
    if session.info.pop("groups_changed", False):
        _committed_changes[0] += 1


async def by_chat_id(session: AsyncSession, chat_id: int) -> Group | None:
    """The group behind a Telegram chat id, if known."""
    return await session.scalar(select(Group).where(Group.telegram_chat_id == chat_id))


async def by_id(session: AsyncSession, group_id: int) -> Group | None:
    """The group with this internal id."""
    return await session.get(Group, group_id)


INT32 = 2**31


async def by_id_or_chat(session: AsyncSession, number: int) -> Group | None:
    """A team by its id or its Telegram chat id (as the office's command line names it);
    a chat id like -1001234567890 is beyond a team id's integer range."""
    query = select(Group).where(Group.telegram_chat_id == number)
    if -INT32 <= number < INT32:
        query = select(Group).where((Group.id == number) | (Group.telegram_chat_id == number))
    return await session.scalar(query)


async def of_person(session: AsyncSession, person_id: int) -> list[Group]:
    """The active groups the person is an active member of, oldest membership first."""
    rows = await session.scalars(
        select(Group)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.person_id == person_id, Membership.active,
               Group.status == GroupStatus.ACTIVE)
        .order_by(Membership.id)
    )
    return list(rows.all())


async def see_group(
    session: AsyncSession,
    chat_id: int,
    title: str,
    *,
    now: datetime,
    defaults: GroupDefaults,
    preapproved: bool,
) -> tuple[Group, bool]:
    """Find or create the group for a chat; returns (group, created).

    A new group is pending unless approved in advance. A group the bot had left comes back
    as it was: active if it was ever approved, else pending.
    """
    group = await by_chat_id(session, chat_id)
    if group is None:
        group = Group(
            telegram_chat_id=chat_id,
            title=title,
            timezone=defaults.timezone,
            language=defaults.language,
            status=GroupStatus.ACTIVE if preapproved else GroupStatus.PENDING,
            created_at=now,
            approved_at=now if preapproved else None,
        )
        try:
            async with session.begin_nested():
                session.add(group)
        except IntegrityError:
            # Another update from the same new chat created it a moment ago.
            found = await by_chat_id(session, chat_id)
            assert found is not None
            return found, False
        audit.record(
            session, at=now, action="group.seen", object_type="group", object_id=group.id,
            actor=None, group_id=group.id, after={"status": group.status.value, "title": title},
        )
        return group, True
    if title and group.title != title:
        group.title = title
    if group.status == GroupStatus.LEFT:
        back = GroupStatus.ACTIVE if (group.approved_at or preapproved) else GroupStatus.PENDING
        audit.record(
            session, at=now, action="group.rejoined", object_type="group", object_id=group.id,
            actor=None, group_id=group.id, before={"status": "left"}, after={"status": back.value},
        )
        group.status = back
    elif group.status == GroupStatus.PENDING and preapproved:
        group.status = GroupStatus.ACTIVE
        group.approved_at = now
    return group, False


@dataclass(frozen=True)
class Approved:
    """The group may now use the bot."""

    group: Group


@dataclass(frozen=True)
class AlreadyApproved:
    """Someone approved it earlier."""

    group: Group


@dataclass(frozen=True)
class GroupGone:
    """No such group (or the bot has left it)."""


ApproveResult = Approved | AlreadyApproved | GroupGone


async def approve(session: AsyncSession, group_id: int, *, by: int, now: datetime) -> ApproveResult:
    """A bot administrator approves a pending group."""
    group = await by_id(session, group_id)
    if group is None or group.status == GroupStatus.LEFT:
        return GroupGone()
    if group.status == GroupStatus.ACTIVE:
        return AlreadyApproved(group)
    group.status = GroupStatus.ACTIVE
    group.approved_at = now
    group.approved_by = by
    audit.record(
        session, at=now, action="group.approved", object_type="group", object_id=group.id,
        actor=by, group_id=group.id, before={"status": "pending"}, after={"status": "active"},
    )
    return Approved(group)


async def mark_left(session: AsyncSession, chat_id: int, *, by: int | None, now: datetime) -> None:
    """The bot was removed from the chat: keep everything, stop talking there."""
    group = await by_chat_id(session, chat_id)
    if group is None or group.status == GroupStatus.LEFT:
        return
    audit.record(
        session, at=now, action="group.left", object_type="group", object_id=group.id,
        actor=by, group_id=group.id, before={"status": group.status.value},
        after={"status": "left"},
    )
    group.status = GroupStatus.LEFT


async def mark_pending_notice_sent(session: AsyncSession, group_id: int) -> bool:
    """Claim the one explanation a pending group gets; False if it was already sent."""
    # A conditional UPDATE, so two updates arriving together cannot both claim it.
    result = await session.execute(
        update(Group)
        .where(Group.id == group_id, Group.pending_notice_sent.is_(False))
        .values(pending_notice_sent=True)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0))


async def migrate_chat(
    session: AsyncSession, old_chat_id: int, new_chat_id: int, *, now: datetime
) -> Group | None:
    """A group became a supergroup: move it to its new chat id, keeping everything.

    Idempotent; both service messages (in the old and the new chat) may trigger it. A
    placeholder row created for the new id before the migration was seen is folded in.
    """
    # Lock the old row: the two service messages and a ChatMigrated answer may race here.
    old = await session.scalar(
        select(Group).where(Group.telegram_chat_id == old_chat_id).with_for_update()
    )
    new = await by_chat_id(session, new_chat_id)
    if old is None:
        return new
    if new is not None and new.id == old.id:
        return old
    if new is not None:
        has_members = await session.scalar(
            select(exists().where(Membership.group_id == new.id))
        )
        if has_members:
            return new  # both have history: keep them apart rather than guess
        await session.execute(delete(AuditEntry).where(AuditEntry.group_id == new.id))
        await session.delete(new)
        await session.flush()
    old.telegram_chat_id = new_chat_id
    audit.record(
        session, at=now, action="group.migrated", object_type="group", object_id=old.id,
        actor=None, group_id=old.id, before={"chat_id": old_chat_id},
        after={"chat_id": new_chat_id},
    )
    return old


async def mark_attention(
    session: AsyncSession, group_id: int, reason: str | None, *, now: datetime
) -> None:
    """Automatic posts cannot go out (missing rights, a closed topic): leaders must look.

    None clears it (a leader changed the settings, or a post went through again).
    """
    group = await session.get(Group, group_id)
    if group is None or group.needs_attention == reason:
        return
    audit.record(
        session, at=now, action="group.attention", object_type="group", object_id=group_id,
        actor=None, group_id=group_id, before={"needs_attention": group.needs_attention},
        after={"needs_attention": reason},
    )
    group.needs_attention = reason


async def clear_attention(session: AsyncSession, group_id: int) -> None:
    """A post went through: whatever was wrong is fixed (cheap when nothing was)."""
    await session.execute(
        update(Group)
        .where(Group.id == group_id, Group.needs_attention.is_not(None))
        .values(needs_attention=None)
    )


async def set_language(
    session: AsyncSession, group_id: int, language: str, *, by: int, now: datetime
) -> Group | None:
    """Change the language the bot speaks in a group."""
    group = await by_id(session, group_id)
    if group is None:
        return None
    if group.language != language:
        audit.record(
            session, at=now, action="group.language", object_type="group", object_id=group.id,
            actor=by, group_id=group.id, before={"language": group.language},
            after={"language": language},
        )
        group.language = language
    return group
