"""Service certificates (服务证明): whoever organises records, whoever records certifies.

A team's leader or the volunteer asks; only the organisation's office staff issue, and the
issuing staff member is the 经办人. Hours are confirmed hours only. At issue the certificate
gets a number that cannot be guessed and a snapshot of what it says, so it keeps verifying
(and shows the same) whatever changes in the records later; staff may revoke it.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, outbox
from storage.db import locking
from storage.hours import tally
from storage.models import (
    Attendance,
    Certificate,
    CertificateStatus,
    Duty,
    Group,
    Membership,
    Organisation,
    Person,
    Shift,
)
from storage.orgs import CODE_LETTERS, number_of, org_settings, team_ids, volunteer_number
from storage.outbox import Planned

RANDOM_LENGTH = 6
IN_PROGRESS = (CertificateStatus.REQUESTED, CertificateStatus.NOTICE,
               CertificateStatus.OBJECTED)
ISSUABLE = (CertificateStatus.REQUESTED, CertificateStatus.OBJECTED)
MAX_REASON = 200
DEFAULT_PREFIX = "ZM"  # 证明


def mask_name(name: str) -> str:
    """`王阿姨` → `王*姨`, `王芳` → `王*`: enough to recognise, not to find someone."""
    chars = list(name.strip())
    if len(chars) <= 1:
        return "*"
    if len(chars) == 2:
        return chars[0] + "*"
    return chars[0] + "*" * (len(chars) - 2) + chars[-1]


def certificate_prefix(org: Organisation) -> str:
    """The letters of the organisation's volunteer number prefix (`XFL`), else `ZM`."""
    letters = "".join(c for c in org_settings(org).prefix if c.isascii() and c.isalpha())
    return letters.upper() or DEFAULT_PREFIX


DASHES = str.maketrans({"_": "-", "—": "-", "–": "-", "‐": "-", "－": "-", " ": "-"})


def normal_number(raw: str) -> str:
    """A number as typed, scanned or copied (any case, full-width, spaces or dashes between
    its parts, a 编号： label, a full stop after) in its stored form."""
    text = unicodedata.normalize("NFKC", raw).strip().removeprefix("编号").lstrip(":：").strip()
    text = re.sub(r"\s+", " ", text).translate(DASHES).upper()
    return text.strip("-。.,，;；!！")


@dataclass(frozen=True)
class Served:
    """Confirmed minutes of one duty at one place (None: hours outside the roster)."""

    duty: str | None
    place: str | None
    minutes: int


async def served_in(
    session: AsyncSession, org_id: int, person_id: int, first: date, last: date
) -> list[Served]:
    """What the person served across the organisation's teams: confirmed hours only (by
    `hours.tally`), per duty and place, most first."""
    rows = await session.execute(
        select(Attendance, Duty.name, Duty.place)
        .outerjoin(Shift, Shift.id == Attendance.shift_id)
        .outerjoin(Duty, Duty.id == Shift.duty_id)
        .where(
            Attendance.person_id == person_id,
            Attendance.group_id.in_(await team_ids(session, org_id)),
            Attendance.local_date >= first, Attendance.local_date <= last,
        )
    )
    found: dict[tuple[str | None, str | None], int] = {}
    for attendance, duty, place in rows.all():
        minutes = tally([attendance]).confirmed
        if minutes:
            found[(duty, place)] = found.get((duty, place), 0) + minutes
    return sorted((Served(d, p, m) for (d, p), m in found.items()),
                  key=lambda s: (-s.minutes, s.duty or "", s.place or ""))


# ---- asking ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Requested:
    """Asked for: the office staff are to be asked."""

    certificate: Certificate
    minutes: int


@dataclass(frozen=True)
class NoRealName:
    """A certificate carries the real name: the person has none yet."""


@dataclass(frozen=True)
class NoHours:
    """No confirmed hours in the period: nothing to certify."""


@dataclass(frozen=True)
class AlreadyAsked:
    """The same certificate is waiting for the office already."""

    certificate: Certificate


RequestResult = Requested | NoRealName | NoHours | AlreadyAsked


async def request(
    session: AsyncSession, org: Organisation, person: Person, *, first: date, last: date,
    requested_by: int, group_id: int | None, now: datetime,
) -> RequestResult:
    """Ask the office for a certificate of the person's confirmed hours in the period."""
    if not person.real_name:
        return NoRealName()
    waiting = await session.scalar(
        select(Certificate).where(
            Certificate.org_id == org.id, Certificate.person_id == person.id,
            Certificate.first <= last, Certificate.last >= first,
            Certificate.status.in_(IN_PROGRESS),
        ).order_by(Certificate.id).limit(1)
    )
    # One at a time for the same days: two would certify the same hours twice (and staff
    # issue exactly the period they were shown).
    if waiting is not None:
        return AlreadyAsked(waiting)
    minutes = sum(s.minutes for s in await served_in(session, org.id, person.id, first, last))
    if not minutes:
        return NoHours()
    certificate = Certificate(
        org_id=org.id, person_id=person.id, group_id=group_id, first=first, last=last,
        status=CertificateStatus.REQUESTED, requested_by=requested_by, requested_at=now,
    )
    session.add(certificate)
    await session.flush()
    audit.record(
        session, at=now, action="certificate.request", object_type="certificate",
        object_id=certificate.id, actor=requested_by, group_id=group_id,
        after={"person_id": person.id, "first": first.isoformat(), "last": last.isoformat()},
    )
    return Requested(certificate, minutes)


# ---- issuing ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Issued:
    """Issued: the snapshot says what the PDF shows; the person is to get it."""

    certificate: Certificate
    person: Person


@dataclass(frozen=True)
class Declined:
    """Not issued; the person who asked is to be told."""

    certificate: Certificate


@dataclass(frozen=True)
class AlreadyDecided:
    """Another staff member (or a double tap) decided first."""

    certificate: Certificate


@dataclass(frozen=True)
class NotFound:
    """No such certificate in the organisation."""


@dataclass(frozen=True)
class NoticeStarted:
    """Approved, and announced in the team's group: issued when the notice ends without
    an objection."""

    certificate: Certificate
    person: Person
    minutes: int
    days: int


DecideResult = (
    Issued | Declined | AlreadyDecided | NoRealName | NoHours | NotFound | NoticeStarted
)


async def _team_of(session: AsyncSession, org_id: int, person_id: int) -> int | None:
    """The person's first team in the organisation (where a notice is announced)."""
    teams = await team_ids(session, org_id)
    return await session.scalar(
        select(Membership.group_id)
        .where(Membership.person_id == person_id, Membership.active,
               Membership.group_id.in_(teams))
        .order_by(Membership.id).limit(1)
    )


async def _serial(session: AsyncSession, org: Organisation, year: int) -> int:
    """The next serial of the year's numbers (the organisation's row is locked by the
    caller): counted by the numbers themselves, so the local year is the one they show."""
    issued = await session.scalar(
        select(func.count(Certificate.id)).where(
            Certificate.org_id == org.id,
            Certificate.number.like(f"{certificate_prefix(org)}{year}-%"),
        )
    )
    return int(issued or 0) + 1


def _random() -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(RANDOM_LENGTH))


async def decide(
    session: AsyncSession, certificate_id: int, *, issue: bool, staff: Person, now: datetime,
    today: date,
) -> DecideResult:
    """Issue (number, snapshot) or decline a requested certificate: office staff only (the
    caller checks), once."""
    found = await session.get(Certificate, certificate_id)
    if found is None:
        return NotFound()
    org = await session.scalar(locking(select(Organisation).where(Organisation.id == found.org_id)))
    certificate = await session.scalar(
        locking(select(Certificate).where(Certificate.id == certificate_id))
    )
    assert org is not None and certificate is not None
    # Staff issue a request or an objected notice; they may also stop a running notice.
    if certificate.status not in (IN_PROGRESS if not issue else ISSUABLE):
        return AlreadyDecided(certificate)
    person = await session.get(Person, certificate.person_id)
    assert person is not None
    if not issue:
        certificate.status = CertificateStatus.DECLINED
        certificate.decided_by, certificate.decided_at = staff.telegram_user_id, now
        _audit(session, certificate, "certificate.decline", staff, now)
        return Declined(certificate)
    if not person.real_name:
        return NoRealName()
    served = await served_in(session, org.id, person.id, certificate.first, certificate.last)
    minutes = sum(s.minutes for s in served)
    if not minutes:
        return NoHours()
    certificate.decided_by, certificate.decided_at = staff.telegram_user_id, now
    days = org_settings(org).certificate_notice_days or 0
    if days and certificate.status is CertificateStatus.REQUESTED:
        team = certificate.group_id or await _team_of(session, org.id, person.id)
        if team is not None:  # announced in the team's group first (组织公示)
            certificate.status, certificate.group_id = CertificateStatus.NOTICE, team
            certificate.notice_until = now + timedelta(days=days)
            certificate.notice_minutes = minutes
            _audit(session, certificate, "certificate.notice", staff, now)
            return NoticeStarted(certificate, person, minutes, days)
    return await _issue(session, org, certificate, person, served, staff, now, today)


async def _issue(
    session: AsyncSession, org: Organisation, certificate: Certificate, person: Person,
    served: list[Served], staff: Person, now: datetime, today: date,
) -> Issued:
    """Give the certificate its number and snapshot (the organisation's row is locked)."""
    assert person.real_name is not None
    minutes = sum(s.minutes for s in served)
    member = await number_of(session, org.id, person.id, now=now)
    serial = await _serial(session, org, today.year)
    certificate.number = f"{certificate_prefix(org)}{today.year}-{serial:04d}-{_random()}"
    chosen = org_settings(org)
    certificate.status = CertificateStatus.ISSUED
    certificate.snapshot = {
        "name": person.real_name, "masked": mask_name(person.real_name),
        "volunteer_number": volunteer_number(org, member),
        "first": certificate.first.isoformat(), "last": certificate.last.isoformat(),
        "minutes": minutes,
        "served": [[s.duty, s.place, s.minutes] for s in served],
        "org": org.name, "head": chosen.head, "phone": chosen.phone,
        "clerk": staff.real_name or chosen.clerk or staff.telegram_name,
        "issued_on": today.isoformat(),
    }
    _audit(session, certificate, "certificate.issue", staff, now)
    return Issued(certificate, person)


def _audit(
    session: AsyncSession, certificate: Certificate, action: str, staff: Person, now: datetime
) -> None:
    audit.record(
        session, at=now, action=action, object_type="certificate", object_id=certificate.id,
        actor=staff.telegram_user_id, group_id=certificate.group_id,
        after={"number": certificate.number, "status": certificate.status.value},
    )


# ---- the public notice (组织公示) -----------------------------------------------------------

@dataclass(frozen=True)
class Objected:
    """Held: the staff member who approved decides again."""

    certificate: Certificate


@dataclass(frozen=True)
class NotInNotice:
    """Issued, declined or objected to already: nothing to object to."""

    held: bool = False  # objected to already: the office is looking at it


async def object_to(
    session: AsyncSession, certificate_id: int, *, actor: int, now: datetime
) -> Objected | NotInNotice:
    """A leader of the team or a staff member objects during the notice (the caller
    checks who); audited."""
    certificate = await session.scalar(
        locking(select(Certificate).where(Certificate.id == certificate_id))
    )
    if certificate is None or certificate.status is not CertificateStatus.NOTICE:
        return NotInNotice(held=certificate is not None
                           and certificate.status is CertificateStatus.OBJECTED)
    certificate.status = CertificateStatus.OBJECTED
    certificate.objected_by, certificate.objected_at = actor, now
    audit.record(
        session, at=now, action="certificate.object", object_type="certificate",
        object_id=certificate.id, actor=actor, group_id=certificate.group_id,
        before={"status": "notice"}, after={"status": "objected"},
    )
    return Objected(certificate)


DELIVERY_WINDOW = timedelta(days=3)


async def finish_notices(session: AsyncSession, *, now: datetime) -> list[Issued]:
    """Issue every certificate whose notice ended without an objection, by the staff member
    who approved it, and queue the PDF for the volunteer and the issuer (outbox kind
    `certificate`) and the outcome for the group's notice (`certgroup`). Where the
    confirmed hours are no longer those announced (or the real name is gone), nothing is
    issued: the staff member decides again (`certagain`)."""
    due = list(await session.scalars(
        select(Certificate.id).where(Certificate.status == CertificateStatus.NOTICE,
                                     Certificate.notice_until <= now)
        .order_by(Certificate.id)
    ))
    done: list[Issued] = []
    for certificate_id in due:
        found = await session.get(Certificate, certificate_id)
        assert found is not None
        org = await session.scalar(
            locking(select(Organisation).where(Organisation.id == found.org_id))
        )
        certificate = await session.scalar(
            locking(select(Certificate).where(Certificate.id == certificate_id))
        )
        assert org is not None and certificate is not None
        if certificate.status is not CertificateStatus.NOTICE:
            continue  # another process finished it, or someone objected a moment ago
        person = await session.get(Person, certificate.person_id)
        staff = await session.scalar(
            select(Person).where(Person.telegram_user_id == certificate.decided_by)
        ) if certificate.decided_by is not None else None
        assert person is not None
        if staff is None:  # the approver is gone (forgotten): back to the office
            certificate.status, certificate.decided_by = CertificateStatus.REQUESTED, None
            audit.record(
                session, at=now, action="certificate.notice_changed",
                object_type="certificate", object_id=certificate.id, actor=None,
                group_id=certificate.group_id, note="the approving staff member is gone",
            )
            continue
        served = await served_in(session, org.id, person.id, certificate.first,
                                 certificate.last)
        assert certificate.group_id is not None
        minutes = sum(s.minutes for s in served)
        if not person.real_name or minutes != certificate.notice_minutes:
            # Not what the group was shown: the staff member who approved decides again
            # (issuing starts a new notice with the hours as they are now).
            certificate.status = CertificateStatus.REQUESTED
            audit.record(
                session, at=now, action="certificate.notice_changed",
                object_type="certificate", object_id=certificate.id, actor=None,
                group_id=certificate.group_id,
                before={"minutes": certificate.notice_minutes}, after={"minutes": minutes},
            )
            await outbox.enqueue(session, [
                Planned(f"certificate:{certificate.id}:changed:{now.isoformat()}:{who}",
                        certificate.group_id, kind, now, now + DELIVERY_WINDOW, person_id,
                        {"certificate": certificate.id, "minutes": minutes})
                for who, kind, person_id in (("staff", "certagain", staff.id),
                                             ("group", "certgroup", None))
            ], now=now)
            continue
        group = await session.get(Group, certificate.group_id)
        zone = group.timezone if group is not None else "UTC"
        issued = await _issue(session, org, certificate, person, served, staff, now,
                              now.astimezone(ZoneInfo(zone)).date())
        await outbox.enqueue(session, [
            *(Planned(f"certificate:{certificate.id}:p{who}", certificate.group_id,
                      "certificate", now, now + DELIVERY_WINDOW, who,
                      {"certificate": certificate.id})
              for who in dict.fromkeys((staff.id, person.id))),
            Planned(f"certificate:{certificate.id}:group", certificate.group_id, "certgroup",
                    now, now + DELIVERY_WINDOW, None, {"certificate": certificate.id}),
        ], now=now)
        done.append(issued)
    return done


# ---- revoking and verifying ------------------------------------------------------------------

@dataclass(frozen=True)
class Revoked:
    """Revoked now: it verifies as revoked from today."""

    certificate: Certificate


@dataclass(frozen=True)
class AlreadyRevoked:
    """It was revoked before."""

    certificate: Certificate


RevokeResult = Revoked | AlreadyRevoked | NotFound


async def revoke(
    session: AsyncSession, org_id: int, number: str, *, staff: Person, reason: str | None,
    now: datetime,
) -> RevokeResult:
    """Staff withdraw an issued certificate of their organisation (audited)."""
    certificate = await session.scalar(
        locking(select(Certificate).where(Certificate.number == normal_number(number)))
    )
    if certificate is None or certificate.org_id != org_id:
        return NotFound()
    if certificate.status is CertificateStatus.REVOKED:
        return AlreadyRevoked(certificate)
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at, certificate.revoked_by = now, staff.telegram_user_id
    certificate.reason = reason
    audit.record(
        session, at=now, action="certificate.revoke", object_type="certificate",
        object_id=certificate.id, actor=staff.telegram_user_id, group_id=certificate.group_id,
        before={"status": "issued"}, after={"status": "revoked", "number": certificate.number},
        note=reason,
    )
    return Revoked(certificate)


SHOWN_TO_OWNER = 5


async def noticed_at(session: AsyncSession, certificate_id: int, message_id: int) -> None:
    """The group message of a certificate's public notice (edited to say the outcome)."""
    found = await session.get(Certificate, certificate_id)
    if found is not None:
        found.notice_message_id = message_id


async def of_person(session: AsyncSession, person_id: int) -> list[Certificate]:
    """The person's own certificates, newest first (not the declined ones), for /me."""
    return list(await session.scalars(
        select(Certificate)
        .where(Certificate.person_id == person_id,
               Certificate.status != CertificateStatus.DECLINED)
        .order_by(Certificate.requested_at.desc(), Certificate.id.desc())
        .limit(SHOWN_TO_OWNER)
    ))


async def by_number(session: AsyncSession, number: str) -> Certificate | None:
    """A certificate by its number, as typed."""
    return await session.scalar(
        select(Certificate).where(Certificate.number == normal_number(number))
    )


async def issued_in(session: AsyncSession, org_id: int, number: str) -> Certificate | None:
    """An issued (or revoked) certificate of the organisation, by its number."""
    found = await by_number(session, number)
    return found if found is not None and found.org_id == org_id else None


@dataclass(frozen=True)
class Verified:
    """What anyone may learn from a number: the masked name, period, hours, issuer, issue
    date and whether it still stands."""

    number: str
    snapshot: dict[str, Any]
    revoked_at: datetime | None


async def verify(session: AsyncSession, number: str) -> Verified | NotFound:
    """Look a certificate up by its number (only issued ones exist to the public)."""
    certificate = await by_number(session, number)
    if certificate is None or certificate.snapshot is None:
        return NotFound()
    return Verified(certificate.number or "", certificate.snapshot, certificate.revoked_at)
