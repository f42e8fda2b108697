"""The rest of a volunteer's record (志愿服务记录): training, commendations, evaluations, and
the volunteer's own requests for a correction. Service time lives in attendance.

Training is not service time and counts toward no star; an evaluation is seen by the
volunteer and office staff, never in the group.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.db import locking
from storage.models import (
    Commendation,
    CorrectionRequest,
    Evaluation,
    Grade,
    Group,
    Person,
    RequestStatus,
    Training,
)

MAX_TITLE = 60
MAX_NOTE = 200
MAX_REQUEST = 500
GRADE_WORDS = {
    "优秀": Grade.EXCELLENT, "excellent": Grade.EXCELLENT,
    "良好": Grade.GOOD, "good": Grade.GOOD,
    "合格": Grade.PASS, "pass": Grade.PASS,
}


def parse_grade(word: str) -> Grade | None:
    """`优秀` / `good` → the grade."""
    return GRADE_WORDS.get(unicodedata.normalize("NFKC", word).strip().casefold())


def add_training(
    session: AsyncSession, group_id: int, people: list[Person], title: str, on: date,
    minutes: int, *, actor: int, now: datetime,
) -> list[Training]:
    """Record one training for several people (audited)."""
    rows = [
        Training(group_id=group_id, person_id=p.id, title=title, on=on, minutes=minutes,
                 by=actor, at=now)
        for p in people
    ]
    session.add_all(rows)
    audit.record(
        session, at=now, action="record.training", object_type="group", object_id=group_id,
        actor=actor, group_id=group_id,
        after={"people": [p.id for p in people], "title": title, "on": on.isoformat(),
               "minutes": minutes},
    )
    return rows


async def add_commendation(
    session: AsyncSession, group_id: int, person: Person, title: str, on: date, *,
    actor: int, now: datetime,
) -> Commendation:
    """Record a commendation (audited)."""
    row = Commendation(group_id=group_id, person_id=person.id, title=title, on=on, by=actor,
                       at=now)
    session.add(row)
    await session.flush()
    audit.record(
        session, at=now, action="record.commendation", object_type="commendation",
        object_id=row.id, actor=actor, group_id=group_id,
        after={"person": person.id, "title": title, "on": on.isoformat()},
    )
    return row


async def announce_commendation(
    session: AsyncSession, commendation_id: int, *, group_id: int, now: datetime
) -> Commendation | None:
    """Mark the commendation announced; None if it was already (once only), is gone, or
    belongs to another team."""
    row = await session.scalar(
        locking(select(Commendation).where(Commendation.id == commendation_id))
    )
    if row is None or row.announced_at is not None or row.group_id != group_id:
        return None
    row.announced_at = now
    return row


@dataclass(frozen=True)
class Evaluated:
    """Stored; `before` is the grade it replaced, if any."""

    evaluation: Evaluation
    before: Grade | None


@dataclass(frozen=True)
class OwnEvaluation:
    """Nobody evaluates themselves."""


async def evaluate(
    session: AsyncSession, group_id: int, person: Person, period: str, grade: Grade,
    note: str | None, *, actor: int, now: datetime,
) -> Evaluated | OwnEvaluation:
    """A leader's evaluation for a period; a second one for the same period replaces it."""
    if person.telegram_user_id == actor:
        return OwnEvaluation()
    row = await session.scalar(
        locking(select(Evaluation).where(
            Evaluation.group_id == group_id, Evaluation.person_id == person.id,
            Evaluation.period == period,
        ))
    )
    before = row.grade if row is not None else None
    if row is None:
        row = Evaluation(group_id=group_id, person_id=person.id, period=period, grade=grade,
                         note=note, by=actor, at=now)
        session.add(row)
    else:
        row.grade, row.note, row.by, row.at = grade, note, actor, now
    await session.flush()
    audit.record(
        session, at=now, action="record.evaluation", object_type="evaluation",
        object_id=row.id, actor=actor, group_id=group_id,
        before={"grade": before.value} if before else None,
        after={"person": person.id, "period": period, "grade": grade.value, "note": note},
    )
    return Evaluated(row, before)


@dataclass(frozen=True)
class PersonRecord:
    """A person's training, commendations and evaluations (newest first)."""

    trainings: list[Training]
    commendations: list[Commendation]
    evaluations: list[Evaluation]


async def person_record(
    session: AsyncSession, person_id: int, group_ids: list[int] | None = None
) -> PersonRecord:
    """The record's other parts, in every team (or the given ones)."""

    def mine(
        model: type[Training] | type[Commendation] | type[Evaluation],
    ) -> list[ColumnElement[bool]]:
        where = [model.person_id == person_id]
        if group_ids is not None:
            where.append(model.group_id.in_(group_ids))
        return where

    trainings = await session.scalars(
        select(Training).where(*mine(Training)).order_by(Training.on.desc(), Training.id)
    )
    commendations = await session.scalars(
        select(Commendation).where(*mine(Commendation))
        .order_by(Commendation.on.desc(), Commendation.id)
    )
    evaluations = await session.scalars(
        select(Evaluation).where(*mine(Evaluation))
        .order_by(Evaluation.period.desc(), Evaluation.id)
    )
    return PersonRecord(list(trainings.all()), list(commendations.all()),
                        list(evaluations.all()))


def ask_correction(
    session: AsyncSession, group_id: int, person: Person, text: str, *, now: datetime
) -> CorrectionRequest:
    """A volunteer asks the team's leaders to correct their record."""
    row = CorrectionRequest(group_id=group_id, person_id=person.id, text=text,
                            status=RequestStatus.OPEN, at=now)
    session.add(row)
    audit.record(
        session, at=now, action="record.correction_asked", object_type="group",
        object_id=group_id, actor=person.telegram_user_id, group_id=group_id,
        after={"text": text},
    )
    return row


async def request_of(
    session: AsyncSession, request_id: int
) -> tuple[CorrectionRequest, Group] | None:
    """A correction request and its team."""
    row = await session.get(CorrectionRequest, request_id)
    group = await session.get(Group, row.group_id) if row is not None else None
    return (row, group) if row is not None and group is not None else None


@dataclass(frozen=True)
class RequestDecided:
    """The leader's decision stands (first one wins)."""

    request: CorrectionRequest
    accepted: bool
    already: bool = False


async def decide_correction(
    session: AsyncSession, request_id: int, *, accept: bool, actor: int, now: datetime
) -> RequestDecided | None:
    """Accept or reject a correction request; None if there is no such request."""
    row = await session.scalar(
        locking(select(CorrectionRequest).where(CorrectionRequest.id == request_id))
    )
    if row is None:
        return None
    if row.status != RequestStatus.OPEN:
        return RequestDecided(row, row.status == RequestStatus.ACCEPTED, already=True)
    row.status = RequestStatus.ACCEPTED if accept else RequestStatus.REJECTED
    row.decided_by, row.decided_at = actor, now
    audit.record(
        session, at=now, action="record.correction_decided", object_type="correction_request",
        object_id=row.id, actor=actor, group_id=row.group_id,
        before={"status": "open"}, after={"status": row.status.value},
    )
    return RequestDecided(row, accept)
