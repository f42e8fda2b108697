"""Reports (numbers a community office counts, text, photos) and tracked problems.

A report is one Telegram message: the unique (group, message) key makes a redelivered
update file nothing new, and an album is one report (its uncaptioned photos are adopted).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.db import holds
from storage.models import (
    Attendance,
    Claim,
    ClaimStatus,
    Group,
    Person,
    Photo,
    Problem,
    ProblemStatus,
    Report,
    ReportDraft,
    Shift,
    ShiftStatus,
)
from storage.settings import settings_of

MAX_COUNT = 10_000
MAX_TEXT = 1000
FIELDS = ("problems", "dissuaded", "kg", "served")


@dataclass(frozen=True)
class Numbers:
    """What a report counts. Litter is kept in grams so 1.5 kg (3 斤) is exact."""

    problems: int = 0
    dissuaded: int = 0
    grams: int = 0
    served: int = 0
    text: str = ""

    def is_empty(self) -> bool:
        """Nothing counted and nothing said."""
        return not (self.problems or self.dissuaded or self.grams or self.served or self.text)


@dataclass(frozen=True)
class PhotoRef:
    """Telegram's ids for a photo (its largest size); the bytes stay with Telegram."""

    message_id: int
    file_id: str
    file_unique_id: str


@dataclass(frozen=True)
class OutOfRange:
    """A number above what any evening gives: probably a typo."""

    field: str
    limit: int


@dataclass(frozen=True)
class TextTooLong:
    """The free text is longer than a report should be."""

    length: int
    limit: int


def check(numbers: Numbers, max_kg: int) -> OutOfRange | TextTooLong | None:
    """Why these numbers cannot be stored, or None."""
    for name in ("problems", "dissuaded", "served"):
        if getattr(numbers, name) > MAX_COUNT:
            return OutOfRange(name, MAX_COUNT)
    if numbers.grams > max_kg * 1000:
        return OutOfRange("kg", max_kg)
    if len(numbers.text) > MAX_TEXT:
        return TextTooLong(len(numbers.text), MAX_TEXT)
    return None


@dataclass(frozen=True)
class Filed:
    """The report is stored, attached to `shift` (None: outside a shift)."""

    report: Report
    shift: Shift | None
    photos: int


@dataclass(frozen=True)
class AlreadyFiled:
    """This message filed its report before."""

    report: Report


FileResult = Filed | AlreadyFiled | OutOfRange | TextTooLong


def local_day(group: Group, at: datetime) -> date:
    """The group's calendar date at an instant."""
    return at.astimezone(ZoneInfo(group.timezone)).date()


_LOCK_GROUP = select(Group.id).where(Group.id == bindparam("group")).with_for_update(
    key_share=True)
_FILED = select(Report).where(Report.group_id == bindparam("group"),
                              Report.message_id == bindparam("message"))


async def lock_group(session: AsyncSession, group_id: int) -> None:
    """Serialise album handling in a group (PostgreSQL; SQLite's writer lock does it)."""
    if not holds(session, "groups", group_id):
        await session.scalar(_LOCK_GROUP, {"group": group_id})


# Built once, the values bound at each call (every report asks): the day's shifts the person
# claimed or came to.
_SHIFTS_OF_DAY = (
    select(Shift)
    .where(
        Shift.group_id == bindparam("group"), Shift.local_date == bindparam("day"),
        Shift.status == ShiftStatus.OPEN,
        or_(
            Shift.id.in_(
                select(Claim.shift_id).where(
                    Claim.person_id == bindparam("person"), Claim.status == ClaimStatus.ACTIVE
                )
            ),
            Shift.id.in_(
                select(Attendance.shift_id).where(Attendance.person_id == bindparam("person"))
            ),
        ),
    )
    .order_by(Shift.start_at, Shift.id)
)


async def report_shift(
    session: AsyncSession, group: Group, person_id: int, at: datetime
) -> Shift | None:
    """The reporter's shift of today: the current one, else the latest (None: no shift)."""
    day = local_day(group, at)
    shifts = list(
        (
            await session.scalars(
                _SHIFTS_OF_DAY, {"group": group.id, "day": day, "person": person_id}
            )
        ).all()
    )
    rules = settings_of(group)
    early, late = timedelta(minutes=rules.checkin_early), timedelta(minutes=rules.checkout_late)
    for shift in shifts:
        if shift.start_at - early <= at <= shift.end_at + late:
            return shift
    started = [s for s in shifts if s.start_at <= at]
    if started:
        return started[-1]
    return shifts[-1] if shifts else None


def _add_photos(
    session: AsyncSession, group_id: int, photos: Sequence[PhotoRef], *,
    media_group_id: str | None, now: datetime, report_id: int | None = None,
    problem_id: int | None = None,
) -> None:
    for photo in photos:
        session.add(Photo(
            group_id=group_id, report_id=report_id, problem_id=problem_id,
            message_id=photo.message_id, media_group_id=media_group_id,
            file_id=photo.file_id, file_unique_id=photo.file_unique_id, created_at=now,
        ))


async def _adopt_album(
    session: AsyncSession, group_id: int, media_group_id: str | None, *,
    report_id: int | None = None, problem_id: int | None = None,
) -> int:
    """Attach the album's photos that arrived before their captioned sibling."""
    if not media_group_id:
        return 0
    orphans = (
        await session.scalars(
            select(Photo).where(
                Photo.group_id == group_id, Photo.media_group_id == media_group_id,
                Photo.report_id.is_(None), Photo.problem_id.is_(None),
            )
        )
    ).all()
    for photo in orphans:
        photo.report_id, photo.problem_id = report_id, problem_id
    return len(orphans)


async def file_report(
    session: AsyncSession,
    group: Group,
    person: Person,
    numbers: Numbers,
    *,
    at: datetime,
    message_id: int,
    media_group_id: str | None = None,
    photos: Sequence[PhotoRef] = (),
    now: datetime,
) -> FileResult:
    """Store a report (validated) with its photos, on the reporter's shift of today."""
    refused = check(numbers, settings_of(group).max_kg)
    if refused is not None:
        return refused
    await lock_group(session, group.id)
    existing = await session.scalar(_FILED, {"group": group.id, "message": message_id})
    if existing is not None:
        return AlreadyFiled(existing)
    shift = await report_shift(session, group, person.id, at)
    report = Report(
        group_id=group.id, person_id=person.id, shift_id=shift.id if shift else None,
        local_date=shift.local_date if shift else local_day(group, at),
        problems=numbers.problems, dissuaded=numbers.dissuaded, grams=numbers.grams,
        served=numbers.served, text=numbers.text, message_id=message_id,
        media_group_id=media_group_id, created_at=now,
    )
    session.add(report)
    await session.flush()
    _add_photos(session, group.id, photos, media_group_id=media_group_id, now=now,
                report_id=report.id)
    adopted = await _adopt_album(session, group.id, media_group_id, report_id=report.id)
    audit.record(
        session, at=now, action="report.file", object_type="report", object_id=report.id,
        actor=person.telegram_user_id, group_id=group.id,
        after={"problems": report.problems, "dissuaded": report.dissuaded,
               "grams": report.grams, "served": report.served, "text": report.text,
               "shift_id": report.shift_id},
    )
    return Filed(report, shift, len(photos) + adopted)


async def album_photo(
    session: AsyncSession, group_id: int, photo: PhotoRef, *, media_group_id: str,
    now: datetime,
) -> bool:
    """An uncaptioned album photo: attach it to its report or problem, else keep it waiting.

    Returns True when it joined a report or problem.
    """
    await lock_group(session, group_id)
    report_id = await session.scalar(
        select(Report.id).where(
            Report.group_id == group_id, Report.media_group_id == media_group_id
        )
    )
    problem_id = None if report_id else await session.scalar(
        select(Problem.id).where(
            Problem.group_id == group_id, Problem.media_group_id == media_group_id
        )
    )
    _add_photos(session, group_id, [photo], media_group_id=media_group_id, now=now,
                report_id=report_id, problem_id=problem_id)
    return bool(report_id or problem_id)


async def forget_waiting_photos(session: AsyncSession, *, now: datetime) -> int:
    """Album photos no report claimed within an hour were not for us: let them go."""
    stale = (
        await session.scalars(
            select(Photo).where(
                Photo.report_id.is_(None), Photo.problem_id.is_(None),
                Photo.created_at < now - timedelta(hours=1),
            )
        )
    ).all()
    for photo in stale:
        await session.delete(photo)
    return len(stale)


# ---- problems ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProblemFiled:
    """A tracked problem is open."""

    problem: Problem
    photos: int


@dataclass(frozen=True)
class ProblemAlreadyFiled:
    """This message filed its problem before."""

    problem: Problem


async def file_problem(
    session: AsyncSession,
    group: Group,
    person: Person,
    text: str,
    *,
    message_id: int,
    media_group_id: str | None = None,
    photos: Sequence[PhotoRef] = (),
    now: datetime,
) -> ProblemFiled | ProblemAlreadyFiled | TextTooLong:
    """Open a tracked problem (with photos)."""
    if len(text) > MAX_TEXT:
        return TextTooLong(len(text), MAX_TEXT)
    await lock_group(session, group.id)
    existing = await session.scalar(
        select(Problem).where(Problem.group_id == group.id, Problem.message_id == message_id)
    )
    if existing is not None:
        return ProblemAlreadyFiled(existing)
    problem = Problem(
        group_id=group.id, person_id=person.id, text=text, status=ProblemStatus.OPEN,
        message_id=message_id, media_group_id=media_group_id, created_at=now,
    )
    session.add(problem)
    await session.flush()
    _add_photos(session, group.id, photos, media_group_id=media_group_id, now=now,
                problem_id=problem.id)
    adopted = await _adopt_album(session, group.id, media_group_id, problem_id=problem.id)
    audit.record(
        session, at=now, action="problem.open", object_type="problem", object_id=problem.id,
        actor=person.telegram_user_id, group_id=group.id, after={"text": text},
    )
    return ProblemFiled(problem, len(photos) + adopted)


async def open_problems(session: AsyncSession, group_id: int) -> list[Problem]:
    """The group's open problems, oldest first."""
    rows = await session.scalars(
        select(Problem)
        .where(Problem.group_id == group_id, Problem.status == ProblemStatus.OPEN)
        .order_by(Problem.id)
    )
    return list(rows.all())


@dataclass(frozen=True)
class TrackedProblems:
    """Tracked problems (`/problem`) of a period, as they stood at its end.

    Not the `problems` numbers typed into reports: those count what volunteers found;
    these are the items someone follows up.
    """

    raised: int  # raised within the period
    resolved: int  # of those, resolved by the end of the period
    open_then: list[Problem]  # raised by the end and not yet resolved then, oldest first


_PROBLEMS_BEFORE = select(Problem).where(
    Problem.group_id == bindparam("group"), Problem.created_at < bindparam("end"),
).order_by(Problem.id)


async def tracked_problems(
    session: AsyncSession, group_id: int, first: datetime, end: datetime
) -> TrackedProblems:
    """Tracked problems raised in [first, end), and those still open at `end`."""
    rows = list((await session.scalars(_PROBLEMS_BEFORE, {"group": group_id, "end": end})).all())

    def resolved_by_end(p: Problem) -> bool:
        return p.resolved_at is not None and p.resolved_at < end

    raised = [p for p in rows if p.created_at >= first]
    return TrackedProblems(
        raised=len(raised),
        resolved=sum(1 for p in raised if resolved_by_end(p)),
        open_then=[p for p in rows if not resolved_by_end(p)],
    )


@dataclass(frozen=True)
class ProblemResolved:
    """Closed; the reporter is to be told."""

    problem: Problem
    reporter: Person


@dataclass(frozen=True)
class ProblemGone:
    """No such problem in this group."""


@dataclass(frozen=True)
class ProblemAlreadyResolved:
    """Somebody closed it before."""

    problem: Problem


ResolveResult = ProblemResolved | ProblemGone | ProblemAlreadyResolved


async def resolve(
    session: AsyncSession, group_id: int, problem_id: int, *, note: str | None, actor: int,
    now: datetime,
) -> ResolveResult:
    """A leader closes a problem."""
    problem = await session.scalar(
        select(Problem).where(Problem.id == problem_id).with_for_update()
    )
    if problem is None or problem.group_id != group_id:
        return ProblemGone()
    if problem.status is ProblemStatus.RESOLVED:
        return ProblemAlreadyResolved(problem)
    problem.status, problem.resolved_at = ProblemStatus.RESOLVED, now
    problem.resolved_by, problem.resolution = actor, note
    audit.record(
        session, at=now, action="problem.resolve", object_type="problem", object_id=problem.id,
        actor=actor, group_id=group_id, before={"status": "open"},
        after={"status": "resolved", "note": note},
    )
    reporter = await session.get(Person, problem.person_id)
    assert reporter is not None
    return ProblemResolved(problem, reporter)


# ---- totals --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportTotals:
    """A day's (or a period's) report numbers."""

    reports: int = 0
    problems: int = 0
    dissuaded: int = 0
    grams: int = 0
    served: int = 0
    photos: int = 0

    @classmethod
    def sum(cls, parts: Sequence[ReportTotals]) -> ReportTotals:
        """Several teams' totals together."""
        return cls(*(sum(getattr(p, f.name) for p in parts) for f in fields(cls)))


@functools.cache
def _totals_statement(by_group: bool, by_person: bool) -> Select[Any]:
    """`totals`' query for one group and/or one person, built once (every /today asks)."""
    where = [Report.local_date >= bindparam("first"), Report.local_date <= bindparam("last")]
    if by_group:
        where.append(Report.group_id == bindparam("group"))
    if by_person:
        where.append(Report.person_id == bindparam("person"))
    photos = (
        select(func.count(Photo.id)).join(Report, Report.id == Photo.report_id).where(*where)
        .correlate(None).scalar_subquery()
    )
    return select(
        func.count(Report.id), func.coalesce(func.sum(Report.problems), 0),
        func.coalesce(func.sum(Report.dissuaded), 0), func.coalesce(func.sum(Report.grams), 0),
        func.coalesce(func.sum(Report.served), 0), photos,
    ).where(*where)


async def totals(
    session: AsyncSession, group_id: int | None, first: date, last: date,
    person_id: int | None = None,
) -> ReportTotals:
    """Sum of reports between two local dates (inclusive), for a group and/or a person."""
    row = (await session.execute(
        _totals_statement(group_id is not None, person_id is not None),
        {"first": first, "last": last, "group": group_id, "person": person_id},
    )).one()
    return ReportTotals(
        int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]), int(row[5] or 0)
    )


# ---- the button form -----------------------------------------------------------------------

async def new_draft(
    session: AsyncSession, group_id: int, person_id: int, *, thread_id: int | None,
    now: datetime,
) -> ReportDraft:
    """An empty form for a person (the message id is set once the form is posted)."""
    draft = ReportDraft(
        group_id=group_id, person_id=person_id, thread_id=thread_id, field="problems",
        problems=0, dissuaded=0, grams=0, served=0, text="", done=False, created_at=now,
    )
    session.add(draft)
    await session.flush()
    return draft


async def draft_by_prompt(
    session: AsyncSession, group_id: int, prompt_message_id: int
) -> ReportDraft | None:
    """The form whose text prompt a message replies to (locked)."""
    return await session.scalar(
        select(ReportDraft)
        .where(
            ReportDraft.group_id == group_id,
            ReportDraft.prompt_message_id == prompt_message_id,
        )
        .with_for_update()
    )


def draft_numbers(draft: ReportDraft) -> Numbers:
    """What the form holds."""
    return Numbers(draft.problems, draft.dissuaded, draft.grams, draft.served, draft.text)


def draft_set(draft: ReportDraft, field: str, value: int, *, step: bool) -> None:
    """Set (or step by) a whole number on the chosen field; kilograms step by 1 kg."""
    attr = "grams" if field == "kg" else field
    unit = 1000 if field == "kg" else 1
    current = getattr(draft, attr)
    new = current + value * unit if step else value * unit
    setattr(draft, attr, max(0, new))


async def save_draft(
    session: AsyncSession, draft: ReportDraft, group: Group, person: Person, *, now: datetime
) -> FileResult:
    """File the form's report once (the form's message is the report's message)."""
    result = await file_report(
        session, group, person, draft_numbers(draft), at=now,
        message_id=draft.message_id or -draft.id, now=now,
    )
    if isinstance(result, Filed | AlreadyFiled):
        draft.done, draft.report_id = True, result.report.id
    return result
