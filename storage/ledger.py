"""The ledger (台账): a period's records read back row by row for the office's documents.

The workbook, its CSV files and the printed ledger all read these rows, so every document
says the same thing. Service records and reports come in batches (keyset pages, the
session emptied between them), so a district's year takes the memory of one batch.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from storage import daybook, points
from storage.attendance import CheckSource, each_record
from storage.credit import standings_in
from storage.hours import Minutes, counts, present, tally
from storage.models import (
    Attendance,
    AuditEntry,
    Commendation,
    Duty,
    Evaluation,
    Evidence,
    Grade,
    Group,
    Membership,
    NoShow,
    Organisation,
    OrgMember,
    Person,
    Photo,
    Problem,
    Report,
    Shift,
    Training,
)
from storage.orgs import Scope, org_of_group, org_scope, scope_of_group, volunteer_number
from storage.recognition import DEFAULT_RULES, Rules

BATCH = 1000
# What a leader did to a record after it was made, as the audit log holds it.
CORRECTIONS = ("hours.add", "hours.correct", "hours.void")


@dataclass(frozen=True)
class Team:
    """A team in the ledger."""

    id: int
    title: str
    zone: str
    language: str


@dataclass
class Who:
    """A person as the ledger names them: the real name where given, else the roster name."""

    person_id: int
    telegram_id: int
    real_name: str | None
    number: str | None  # volunteer number, in an organisation
    names: dict[int, str] = field(default_factory=dict)  # group id → roster name
    buildings: dict[int, str] = field(default_factory=dict)
    skills: dict[int, str] = field(default_factory=dict)
    fallback: str = ""  # the Telegram name, for someone never on a roster

    def name(self, group_id: int | None = None) -> str:
        """The name on documents: real name, else the roster name in that team."""
        if self.real_name:
            return self.real_name
        if group_id is not None and group_id in self.names:
            return self.names[group_id]
        return next(iter(self.names.values()), self.fallback)


@dataclass
class Ledger:
    """Which teams and days a document covers, and the people it names."""

    teams: list[Team]
    org: Organisation | None
    scope: Scope  # where stars and points count
    first: date
    last: date
    people: dict[int, Who]
    by_telegram: dict[int, str] = field(default_factory=dict)  # telegram id → name
    rules: Rules = DEFAULT_RULES

    @property
    def team_ids(self) -> list[int]:
        """The teams' group ids."""
        return [t.id for t in self.teams]

    def team(self, group_id: int) -> Team:
        """The team with that group id."""
        return next(t for t in self.teams if t.id == group_id)


async def open_ledger(
    session: AsyncSession, group_ids: Sequence[int], first: date, last: date, *,
    rules: Rules = DEFAULT_RULES,
) -> Ledger:
    """The ledger of some teams (one team, or an organisation's) between two local dates."""
    groups = (
        await session.scalars(select(Group).where(Group.id.in_(group_ids)).order_by(Group.id))
    ).all()
    teams = [Team(g.id, g.title, g.timezone, g.language) for g in groups]
    org = await org_of_group(session, groups[0].id)
    scope = await org_scope(session, org) if org is not None else await scope_of_group(
        session, groups[0]
    )
    people: dict[int, Who] = {}
    ids = [t.id for t in teams]
    rows = await session.execute(
        select(Membership, Person).join(Person, Person.id == Membership.person_id)
        .where(Membership.group_id.in_(ids))
        # By team, then the live membership last so its name wins (false sorts first).
        .order_by(Membership.group_id, Membership.active, Membership.joined_at, Membership.id)
    )
    for membership, person in rows.all():
        who = people.get(person.id) or Who(
            person.id, person.telegram_user_id, person.real_name, None,
            fallback=person.telegram_name,
        )
        who.names[membership.group_id] = membership.display_name
        if membership.building:
            who.buildings[membership.group_id] = membership.building
        if membership.skills:
            who.skills[membership.group_id] = membership.skills
        people[person.id] = who
    if org is not None:
        numbers = await session.execute(
            select(OrgMember).where(OrgMember.org_id == org.id,
                                    OrgMember.person_id.in_(list(people)))
        )
        for member in numbers.scalars():
            people[member.person_id].number = volunteer_number(org, member)
    ledger = Ledger(teams, org, scope, first, last, people, rules=rules)
    ledger.by_telegram = {w.telegram_id: w.name() for w in people.values()}
    session.expunge_all()
    return ledger


async def _name_of_actor(session: AsyncSession, ledger: Ledger, telegram_id: int | None) -> str:
    """Who did something (confirmed, corrected, resolved), by Telegram id."""
    if telegram_id is None:
        return ""
    known = ledger.by_telegram.get(telegram_id)
    if known is None:
        person = await session.scalar(
            select(Person).where(Person.telegram_user_id == telegram_id)
        )
        known = (person.real_name or person.telegram_name) if person is not None else ""
        ledger.by_telegram[telegram_id] = known
    return known


def _local(at: datetime | None, zone: str) -> datetime | None:
    return at.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if at is not None else None


def _clock(at: datetime | None, zone: str) -> time | None:
    local = _local(at, zone)
    return local.time().replace(second=0, microsecond=0) if local is not None else None


# ---- 服务记录: one row per attendance ------------------------------------------------------

class Status(enum.StrEnum):
    """Where a record's hours stand."""

    CONFIRMED = "confirmed"
    PENDING = "pending"
    VOIDED = "voided"
    OPEN = "open"  # still checked in


class Source(enum.StrEnum):
    """How the record came about."""

    CHECKIN = "checkin"  # checked in and out in the group
    WALK_IN = "walk_in"  # checked in without a place on the roster
    LEADER = "leader"  # entered by a leader (/hours)
    FORGOTTEN = "forgotten"  # the check-out was forgotten: closed by the bot
    SCAN = "scan"  # checked in by scanning the place's code
    SCAN_WALK_IN = "scan_walk_in"  # the same, without a place on the roster
    LOCATION = "location"  # checked in with a location within the place's radius
    PRIVATE = "private"  # /checkin in the private chat, without a location


@dataclass(frozen=True)
class Correction:
    """One change a leader made to a record."""

    at: datetime  # local
    by: str
    before: int | None  # minutes (None: the record did not exist)
    after: int | None  # minutes (None: voided)
    note: str | None


@dataclass(frozen=True)
class ServiceRow:
    """One attendance as the ledger lists it."""

    id: int
    team: Team
    day: date
    start: time | None  # the shift's local times (None: hours outside the roster)
    end: time | None
    duty: str | None
    place: str | None
    name: str
    number: str | None
    building: str | None
    checkin: time | None
    checkout: time | None
    minutes: int | None
    status: Status
    confirmed_by: str
    companions: int
    source: Source
    note: str | None
    corrections: list[Correction]


def status_of(a: Attendance) -> Status:
    """A record's status, by the one rule of what counts (`hours.counts`)."""
    if a.voided:
        return Status.VOIDED
    if not counts(a):
        return Status.OPEN
    return Status.CONFIRMED if a.confirmed else Status.PENDING


async def _corrections(
    session: AsyncSession, ledger: Ledger, ids: list[int], zone_of: dict[int, str]
) -> tuple[dict[int, list[Correction]], set[int], set[int]]:
    """Corrections per record; the records a leader entered; those the bot closed."""
    entries = await session.scalars(
        select(AuditEntry).where(
            AuditEntry.object_type == "attendance", AuditEntry.object_id.in_(ids),
            AuditEntry.action.in_((*CORRECTIONS, "attendance.autoclose")),
        ).order_by(AuditEntry.id)
    )
    found: dict[int, list[Correction]] = {}
    entered: set[int] = set()
    closed: set[int] = set()
    for entry in entries.all():
        record = int(entry.object_id or 0)
        if entry.action == "attendance.autoclose":
            closed.add(record)
            continue
        if entry.action == "hours.add":
            entered.add(record)
        before: dict[str, Any] = entry.before or {}
        after: dict[str, Any] = entry.after or {}
        at = _local(entry.at, zone_of[record])
        assert at is not None
        found.setdefault(record, []).append(Correction(
            at=at, by=await _name_of_actor(session, ledger, entry.actor_telegram_id),
            before=before.get("minutes") if entry.before is not None else None,
            after=None if after.get("voided") else after.get("minutes"),
            note=entry.note,
        ))
    return found, entered, closed


async def service_rows(
    session: AsyncSession, ledger: Ledger, batch: int = BATCH
) -> AsyncIterator[list[ServiceRow]]:
    """The period's service records, team by team and by day, in batches."""
    for team in ledger.teams:
        async for rows in _service_batches(session, ledger, team, batch):
            yield rows


async def _team_pages(
    session: AsyncSession, ledger: Ledger, team: Team, model: type[Attendance] | type[Report],
    batch: int,
) -> AsyncIterator[Sequence[Any]]:
    """A team's records of the period with their shift and duty, by day, a page at a time.

    One team at a time: its (group, day) index hands the rows over in order, so a page costs
    a range scan, not a sort of the whole period; the session is emptied between pages."""
    key: tuple[date, int] = (date.min, 0)
    while True:
        rows: Sequence[Any] = (
            await session.execute(
                select(model, Shift, Duty)
                .outerjoin(Shift, Shift.id == model.shift_id)
                .outerjoin(Duty, Duty.id == Shift.duty_id)
                .where(
                    model.group_id == team.id,
                    model.local_date >= ledger.first, model.local_date <= ledger.last,
                    tuple_(model.local_date, model.id) > tuple_(*key),
                )
                .order_by(model.local_date, model.id)
                .limit(batch)
            )
        ).all()
        if not rows:
            return
        key = (rows[-1][0].local_date, rows[-1][0].id)
        yield rows
        session.expunge_all()  # a page at a time, whatever the period


async def _service_batches(
    session: AsyncSession, ledger: Ledger, team: Team, batch: int
) -> AsyncIterator[list[ServiceRow]]:
    async for rows in _team_pages(session, ledger, team, Attendance, batch):
        zone_of = {a.id: ledger.team(a.group_id).zone for a, _, _ in rows}
        corrections, entered, closed = await _corrections(
            session, ledger, list(zone_of), zone_of
        )
        out: list[ServiceRow] = []
        for a, shift, duty in rows:
            team = ledger.team(a.group_id)
            who = ledger.people.get(a.person_id)
            if a.id in entered:
                source = Source.LEADER
            elif a.evidence is Evidence.AUTO or a.id in closed:
                source = Source.FORGOTTEN
            elif a.checkin_source == CheckSource.LOCATION:
                source = Source.LOCATION
            elif a.checkin_source == CheckSource.PRIVATE:
                source = Source.PRIVATE
            elif a.checkin_source == CheckSource.SCAN:
                source = Source.SCAN_WALK_IN if a.walk_in else Source.SCAN
            else:
                source = Source.WALK_IN if a.walk_in else Source.CHECKIN
            out.append(ServiceRow(
                id=a.id, team=team, day=a.local_date,
                start=_clock(shift.start_at, team.zone) if shift else None,
                end=_clock(shift.end_at, team.zone) if shift else None,
                duty=duty.name if duty else None, place=duty.place if duty else None,
                name=who.name(a.group_id) if who else "?",
                number=who.number if who else None,
                building=who.buildings.get(a.group_id) if who else None,
                checkin=_clock(a.checkin_at, team.zone),
                # A forgotten check-out has no time: the bot closed the record later.
                checkout=(None if source is Source.FORGOTTEN
                          else _clock(a.checkout_at, team.zone)),
                minutes=a.minutes if counts(a) else None,
                status=status_of(a),
                confirmed_by=(await _name_of_actor(session, ledger, a.confirmed_by)
                              if a.confirmed or a.voided else ""),
                companions=a.companions, source=source, note=a.note,
                corrections=corrections.get(a.id, []),
            ))
        yield out


# ---- 汇报: one row per report --------------------------------------------------------------

@dataclass(frozen=True)
class ReportRow:
    """One report as the ledger lists it."""

    id: int
    team: Team
    day: date
    start: time | None
    end: time | None
    duty: str | None
    name: str
    number: str | None
    problems: int
    dissuaded: int
    grams: int
    served: int
    text: str
    photos: int


async def report_rows(
    session: AsyncSession, ledger: Ledger, batch: int = BATCH
) -> AsyncIterator[list[ReportRow]]:
    """The period's reports, team by team and by day, in batches."""
    for team in ledger.teams:
        async for rows in _report_batches(session, ledger, team, batch):
            yield rows


async def _report_batches(
    session: AsyncSession, ledger: Ledger, team: Team, batch: int
) -> AsyncIterator[list[ReportRow]]:
    async for rows in _team_pages(session, ledger, team, Report, batch):
        photos = {report: int(n) for report, n in (
            await session.execute(
                select(Photo.report_id, func.count(Photo.id))
                .where(Photo.report_id.in_([r.id for r, _, _ in rows]))
                .group_by(Photo.report_id)
            )
        ).all()}
        out: list[ReportRow] = []
        for r, shift, duty in rows:
            team = ledger.team(r.group_id)
            who = ledger.people.get(r.person_id)
            out.append(ReportRow(
                id=r.id, team=team, day=r.local_date,
                start=_clock(shift.start_at, team.zone) if shift else None,
                end=_clock(shift.end_at, team.zone) if shift else None,
                duty=duty.name if duty else None,
                name=who.name(r.group_id) if who else "?", number=who.number if who else None,
                problems=r.problems, dissuaded=r.dissuaded, grams=r.grams, served=r.served,
                text=r.text, photos=int(photos.get(r.id, 0)),
            ))
        yield out


# ---- 问题: tracked problems ---------------------------------------------------------------

@dataclass(frozen=True)
class ProblemRow:
    """A tracked problem raised in the period, or still open when it began."""

    id: int
    team: Team
    raised_at: datetime  # local
    raised_by: str
    place: str | None
    text: str
    resolved: bool  # by the end of the period (as the summary counts it)
    resolved_at: datetime | None  # local; may be after the period
    resolved_by: str
    resolution: str | None


async def _place_of(session: AsyncSession, problem: Problem, zone: str) -> str | None:
    """Where the person who raised it was on duty that day, if they were."""
    local = _local(problem.created_at, zone)
    assert local is not None
    return await session.scalar(
        select(Duty.place)
        .join(Shift, Shift.duty_id == Duty.id)
        .join(Attendance, Attendance.shift_id == Shift.id)
        .where(
            Attendance.person_id == problem.person_id, Attendance.group_id == problem.group_id,
            Attendance.local_date == local.date(), Duty.place.is_not(None),
        )
        .order_by(Attendance.id)
        .limit(1)
    )


async def problem_rows(session: AsyncSession, ledger: Ledger) -> list[ProblemRow]:
    """Problems raised in the period, and those raised before and still open at its start."""
    out: list[ProblemRow] = []
    for team in ledger.teams:
        start, end = daybook.local_bounds(ledger.first, ledger.last, team.zone)
        rows = await session.scalars(
            select(Problem)
            .where(
                Problem.group_id == team.id, Problem.created_at < end,
                (Problem.created_at >= start) | (Problem.resolved_at.is_(None))
                | (Problem.resolved_at >= start),
            )
            .order_by(Problem.created_at, Problem.id)
        )
        for p in rows.all():
            who = ledger.people.get(p.person_id)
            raised_at = _local(p.created_at, team.zone)
            assert raised_at is not None
            out.append(ProblemRow(
                id=p.id, team=team, raised_at=raised_at,
                raised_by=who.name(team.id) if who else "?",
                place=await _place_of(session, p, team.zone), text=p.text,
                resolved=p.resolved_at is not None and p.resolved_at < end,
                resolved_at=_local(p.resolved_at, team.zone),
                resolved_by=await _name_of_actor(session, ledger, p.resolved_by),
                resolution=p.resolution,
            ))
    return out


# ---- 志愿者: one row per volunteer --------------------------------------------------------

@dataclass(frozen=True)
class VolunteerRow:
    """A volunteer's figures: the period's, and up to its end (hours in the ledger's teams;
    stars and points in the scope)."""

    who: Who
    teams: list[str]
    period: Minutes
    total: Minutes
    person_times: int
    stars: int
    points: int
    no_shows: int
    training_minutes: int


async def _hours_by_person(
    session: AsyncSession, group_ids: list[int], first: date | None, last: date | None
) -> dict[int, tuple[Minutes, int]]:
    """(hours by `hours.tally`, person-times by `hours.present`) per person, a page at a
    time."""
    where: list[ColumnElement[bool]] = [Attendance.group_id.in_(group_ids)]
    if first is not None:
        where.append(Attendance.local_date >= first)
    if last is not None:
        where.append(Attendance.local_date <= last)
    out: dict[int, tuple[Minutes, int]] = {}
    async for row in each_record(session, *where):
        hours, times = out.get(row.person_id, (Minutes(), 0))
        one = tally([row])
        out[row.person_id] = (
            Minutes(hours.confirmed + one.confirmed, hours.pending + one.pending),
            times + (1 + row.companions if present(row) else 0),
        )
    return out


async def volunteer_rows(session: AsyncSession, ledger: Ledger) -> list[VolunteerRow]:
    """Everyone on the teams' rosters (or with records in the period), by number then name."""
    ids = ledger.team_ids
    in_period = await _hours_by_person(session, ids, ledger.first, ledger.last)
    all_time = await _hours_by_person(session, ids, None, ledger.last)
    no_shows = {person: int(n) for person, n in (
        await session.execute(
            select(NoShow.person_id, func.count(NoShow.id))
            .join(Shift, Shift.id == NoShow.shift_id)
            .where(NoShow.group_id.in_(ids), Shift.local_date >= ledger.first,
                   Shift.local_date <= ledger.last)
            .group_by(NoShow.person_id)
        )
    ).all()}
    trained = {person: int(n) for person, n in (
        await session.execute(
            select(Training.person_id, func.coalesce(func.sum(Training.minutes), 0))
            .where(Training.group_id.in_(ids), Training.on >= ledger.first,
                   Training.on <= ledger.last)
            .group_by(Training.person_id)
        )
    ).all()}
    titles = {t.id: t.title for t in ledger.teams}
    # Totals, stars and balances as they stood at the period's end: a ledger filed for
    # October does not change when November's hours come in.
    stars = await standings_in(session, ledger.scope, list(ledger.people), ledger.rules,
                               until=ledger.last)
    end = daybook.local_bounds(ledger.first, ledger.last, ledger.teams[0].zone)[1]
    balances = await points.balances(session, ledger.scope.key, list(ledger.people),
                                     before=end)
    out: list[VolunteerRow] = []
    for who in ledger.people.values():
        hours, times = in_period.get(who.person_id, (Minutes(), 0))
        out.append(VolunteerRow(
            who=who, teams=[titles[g] for g in who.names if g in titles],
            period=hours, total=all_time.get(who.person_id, (Minutes(), 0))[0],
            person_times=times, stars=stars[who.person_id].stars.level,
            points=balances.get(who.person_id, 0),
            no_shows=int(no_shows.get(who.person_id, 0)),
            training_minutes=int(trained.get(who.person_id, 0)),
        ))
    return sorted(out, key=lambda v: (v.who.number is None, v.who.number or "", v.who.name()))


# ---- 培训与表彰: training, commendations, evaluations -------------------------------------

class RecordKind(enum.StrEnum):
    """Which part of the record a line is."""

    TRAINING = "training"
    COMMENDATION = "commendation"
    EVALUATION = "evaluation"


@dataclass(frozen=True)
class RecordRow:
    """One line of training, a commendation or an evaluation."""

    kind: RecordKind
    team: Team
    on: date | None  # training and commendations: the day; evaluations: none
    period: str | None  # evaluations: 2026 or 2026-11
    name: str
    number: str | None
    title: str  # the training's or commendation's title
    grade: Grade | None
    minutes: int  # training time
    note: str | None
    by: str


def _overlaps(period: str, first: date, last: date) -> bool:
    """Does an evaluation's period (a year or a month) touch the ledger's days?"""
    year, _, month = period.partition("-")
    if not month:
        return int(year) in range(first.year, last.year + 1)
    start = date(int(year), int(month), 1)
    return start <= last and daybook.month_end(start) >= first


async def record_rows(session: AsyncSession, ledger: Ledger) -> list[RecordRow]:
    """The period's training, commendations and evaluations."""
    ids = ledger.team_ids
    out: list[RecordRow] = []

    def who(person_id: int, group_id: int) -> tuple[str, str | None]:
        found = ledger.people.get(person_id)
        return (found.name(group_id), found.number) if found else ("?", None)

    for t in (await session.scalars(
        select(Training).where(Training.group_id.in_(ids), Training.on >= ledger.first,
                               Training.on <= ledger.last).order_by(Training.on, Training.id)
    )).all():
        name, number = who(t.person_id, t.group_id)
        out.append(RecordRow(RecordKind.TRAINING, ledger.team(t.group_id), t.on, None, name,
                             number, t.title, None, t.minutes, None,
                             await _name_of_actor(session, ledger, t.by)))
    for c in (await session.scalars(
        select(Commendation).where(
            Commendation.group_id.in_(ids), Commendation.on >= ledger.first,
            Commendation.on <= ledger.last,
        ).order_by(Commendation.on, Commendation.id)
    )).all():
        name, number = who(c.person_id, c.group_id)
        out.append(RecordRow(RecordKind.COMMENDATION, ledger.team(c.group_id), c.on, None,
                             name, number, c.title, None, 0, None,
                             await _name_of_actor(session, ledger, c.by)))
    for e in (await session.scalars(
        select(Evaluation).where(Evaluation.group_id.in_(ids))
        .order_by(Evaluation.period, Evaluation.id)
    )).all():
        if not _overlaps(e.period, ledger.first, ledger.last):
            continue
        name, number = who(e.person_id, e.group_id)
        out.append(RecordRow(RecordKind.EVALUATION, ledger.team(e.group_id), None, e.period,
                             name, number, "", e.grade, 0, e.note,
                             await _name_of_actor(session, ledger, e.by)))
    return out


# ---- 汇总: the period's figures per team --------------------------------------------------

async def summary(session: AsyncSession, ledger: Ledger) -> list[tuple[Team, daybook.Period]]:
    """Each team's figures for the period, as /summary and /stats count them."""
    out = []
    for team in ledger.teams:
        out.append((team, await daybook.period(session, team.id, ledger.first, ledger.last,
                                               team.zone, top=0)))
        session.expunge_all()
    return out
