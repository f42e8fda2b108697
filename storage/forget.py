"""/forgetme: a volunteer asks to be forgotten.

What identifies them goes: real name, roster names, building, skills, usernames, the Telegram
identity, evaluation notes, their values in the audit log and in imported lists; future
places, standing slots and roles end; the points passbook is closed. The service records stay,
under "已注销志愿者 #N", so team totals do not change; certificates already issued keep
verifying from their masked snapshot (the full name in it is replaced by the masked one). The
erasure is audited without the erased values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, pacing, points
from storage.claims import release_future
from storage.cleaning import FORGOTTEN, name_key
from storage.models import (
    AuditEntry,
    Certificate,
    CertificateStatus,
    DocumentRequest,
    Evaluation,
    Group,
    Membership,
    OrgStaff,
    Person,
    PointsEntry,
    PointsKind,
    RosterEntry,
    StandingSlot,
)


@dataclass(frozen=True)
class Forgotten:
    """What the erasure did (counts only: nothing erased is repeated)."""

    teams: int
    places_released: int
    groups: tuple[Group, ...] = ()  # the teams they were in, whose rosters may show them


async def forget(session: AsyncSession, person: Person, *, now: datetime) -> Forgotten:
    """Erase the person as described above, in one transaction."""
    telegram_id = person.telegram_user_id
    memberships = list(await session.scalars(
        select(Membership).where(Membership.person_id == person.id)
    ))
    released = 0
    teams: list[Group] = []
    for membership in memberships:
        group = await session.get(Group, membership.group_id)
        if group is not None:
            teams.append(group)
        released += len(await release_future(session, membership.group_id, person,
                                             actor=None, now=now))
        label = FORGOTTEN.get(group.language if group else "", FORGOTTEN["en"])
        membership.display_name = label.format(n=membership.id)[:64]
        membership.name_key = name_key(membership.display_name)
        membership.building = membership.skills = None
        membership.is_leader = False
        if membership.active:
            membership.active, membership.left_at = False, now
    await session.execute(
        update(StandingSlot).where(StandingSlot.person_id == person.id, StandingSlot.active)
        .values(active=False, ended_at=now)
    )
    await session.execute(delete(OrgStaff).where(OrgStaff.person_id == person.id))
    await session.execute(
        update(Evaluation).where(Evaluation.person_id == person.id).values(note=None)
    )
    listed = list(await session.scalars(
        select(RosterEntry.id).where(RosterEntry.person_id == person.id)
    ))
    await session.execute(delete(RosterEntry).where(RosterEntry.person_id == person.id))
    await session.execute(delete(DocumentRequest).where(DocumentRequest.person_id == person.id))
    for certificate in await session.scalars(
        select(Certificate).where(Certificate.person_id == person.id)
    ):
        if certificate.snapshot is not None:  # keeps verifying, by the masked name only
            certificate.snapshot = {**certificate.snapshot,
                                    "name": certificate.snapshot.get("masked", "*")}
        if certificate.status in (CertificateStatus.REQUESTED, CertificateStatus.NOTICE,
                                  CertificateStatus.OBJECTED):
            certificate.status = CertificateStatus.DECLINED
    for scope in set(await session.scalars(
        select(PointsEntry.scope).where(PointsEntry.person_id == person.id)
    )):
        left = await points.balance(session, scope, person.id)
        if left:
            session.add(PointsEntry(scope=scope, person_id=person.id, at=now,
                                    kind=PointsKind.CLOSED, points=-left))
    # Certificates they decided, objected to or revoked as staff keep no trace of them; a
    # notice they approved goes back to the office.
    await session.execute(
        update(Certificate).where(Certificate.decided_by == telegram_id,
                                  Certificate.status == CertificateStatus.NOTICE)
        .values(status=CertificateStatus.REQUESTED)
    )
    for column in (Certificate.decided_by, Certificate.objected_by, Certificate.revoked_by):
        await session.execute(
            update(Certificate).where(column == telegram_id).values({column: None})
        )
    # Their values in the audit log: who acted stays a number, what was said about them goes.
    membership_ids = [m.id for m in memberships]
    await session.execute(
        update(AuditEntry).where(AuditEntry.actor_telegram_id == telegram_id)
        .values(actor_telegram_id=None)
    )
    await session.execute(
        update(AuditEntry).where(or_(
            (AuditEntry.object_type == "person") & (AuditEntry.object_id == person.id),
            (AuditEntry.object_type == "membership")
            & AuditEntry.object_id.in_(membership_ids or [-1]),
            (AuditEntry.object_type == "roster_entry") & AuditEntry.object_id.in_(listed or [-1]),
        )).values(before=None, after=None, note=None)
    )
    # their command counts in each group (several instances keep them in the database)
    await pacing.forget_user(await session.connection(), telegram_id)
    person.real_name = None
    person.telegram_name = ""
    person.username = None
    person.language_code = None
    person.private_chat = False
    person.hidden = True
    person.location_consent = None
    person.telegram_user_id = -person.id  # no Telegram account is this person any more
    await session.flush()
    audit.record(
        session, at=now, action="person.forget", object_type="person", object_id=person.id,
        actor=None, after={"teams": len(memberships), "released": released},
    )
    return Forgotten(len(memberships), released, tuple(teams))

