"""Crediting confirmed hours: points passbook lines and star levels reached.

A record whose confirmed minutes changed is marked `unsettled` on flush (storage.attendance);
`settle` writes one passbook line for the change (存入 the first time, a correcting line
after) and notes every star level the person reached in that scope. Earlier lines are never
changed; a level, once reached, is never reached (or announced) again, and a correction below
a threshold is not announced: the level shown simply follows the hours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.attendance import each_record
from storage.claims import lock_person
from storage.db import locking
from storage.hours import tally
from storage.members import hidden_among
from storage.models import (
    Attendance,
    Group,
    Membership,
    OrgMember,
    Outbox,
    OutboxStatus,
    Person,
    PointsEntry,
    PointsKind,
    Report,
    StarLevel,
)
from storage.orgs import (
    DecideResult,
    Scope,
    TeamDecided,
    decide,
    rules_of,
    scope_by_key,
    scope_of_group,
    scopes_of_person,
)
from storage.orgs import volunteer_number as number_text
from storage.outbox import Planned
from storage.recognition import Rules, Stars, points_for, stars

# A level waits this long for the team's daily summary before it is announced on its own.
ANNOUNCE_WITHIN = timedelta(days=1)
PRIVATE_WITHIN = timedelta(days=3)
SETTLE_BATCH = 200  # records a scheduler tick credits at most


@dataclass(frozen=True)
class Standing:
    """A person's stars in one scope, with what they rest on."""

    scope: Scope
    stars: Stars
    confirmed_minutes: int  # in the scope's teams
    opening_minutes: int  # 期初时长 (organisations only)
    number: str | None  # volunteer number (organisations only)


async def standing(
    session: AsyncSession, person_id: int, scope: Scope, defaults: Rules
) -> Standing:
    """Stars from confirmed hours across the scope's teams plus opening hours."""
    return (await standings_in(session, scope, [person_id], defaults))[person_id]


async def standings_in(
    session: AsyncSession, scope: Scope, person_ids: Sequence[int], defaults: Rules, *,
    until: date | None = None,
) -> dict[int, Standing]:
    """Several people's stars in one scope (the ledger's volunteers), reading the scope's
    records once: confirmed hours by `hours.tally`, plus opening hours; `until` a day, as
    they stood at its end (opening hours recorded as of a later day left out)."""
    wanted = set(person_ids)
    confirmed = dict.fromkeys(wanted, 0)
    where: list[ColumnElement[bool]] = [Attendance.group_id.in_(scope.group_ids)]
    if len(wanted) <= 1000:  # else read the scope through: cheaper than a long IN list
        where.append(Attendance.person_id.in_(wanted))
    if until is not None:
        where.append(Attendance.local_date <= until)
    async for row in each_record(session, *where):
        if row.person_id in wanted:
            confirmed[row.person_id] += tally([row]).confirmed
    members: dict[int, OrgMember] = {}
    if scope.org is not None:
        found = await session.scalars(
            select(OrgMember).where(OrgMember.org_id == scope.org.id,
                                    OrgMember.person_id.in_(wanted))
        )
        members = {m.person_id: m for m in found.all()}
    rules = rules_of(scope.org, defaults)
    out: dict[int, Standing] = {}
    for person_id in wanted:
        member = members.get(person_id)
        opening = member.opening_minutes if member is not None and (
            until is None or member.opening_as_of is None or member.opening_as_of <= until
        ) else 0
        number = number_text(scope.org, member) if member is not None and scope.org else None
        out[person_id] = Standing(
            scope, stars(confirmed[person_id] + opening, rules.star_hours),
            confirmed[person_id], opening, number,
        )
    return out


async def standings(
    session: AsyncSession, person_id: int, defaults: Rules
) -> list[Standing]:
    """The person's stars in every scope they serve in now."""
    return [
        await standing(session, person_id, scope, defaults)
        for scope in await scopes_of_person(session, person_id)
    ]


@dataclass(frozen=True)
class Settled:
    """What one sweep credited: passbook lines written and levels newly reached."""

    entries: list[PointsEntry]
    levels: list[StarLevel]


async def settle(
    session: AsyncSession, *, now: datetime, defaults: Rules, person_id: int | None = None
) -> Settled:
    """Credit the unsettled records (a person's all; else the oldest SETTLE_BATCH, so one
    sweep after a backlog holds the write lock briefly): points, then star levels."""
    query = select(Attendance.id, Attendance.person_id).where(Attendance.unsettled)
    if person_id is not None:
        query = query.where(Attendance.person_id == person_id)
    else:
        query = query.order_by(Attendance.id).limit(SETTLE_BATCH)
    found = (await session.execute(query)).all()
    # People first (in order), as check-ins, corrections and redemptions lock them: a
    # redemption never reads a balance this sweep is about to change.
    for who in sorted({p for _, p in found}):
        await lock_person(session, who)
    records = list(
        (
            await session.scalars(
                locking(select(Attendance).where(
                    Attendance.id.in_([i for i, _ in found]), Attendance.unsettled
                )).order_by(Attendance.id)
            )
        ).all()
    ) if found else []
    # What each record has earned so far: the sum of its earlier lines.
    earned: dict[int, int] = {
        attendance_id: int(total) for attendance_id, total in (
            await session.execute(
                select(PointsEntry.attendance_id, func.sum(PointsEntry.points))
                .where(PointsEntry.attendance_id.in_([r.id for r in records]))
                .group_by(PointsEntry.attendance_id)
            )
        ).all() if attendance_id is not None
    } if records else {}
    scopes: dict[int, Scope] = {}
    entries: list[PointsEntry] = []
    touched: dict[tuple[str, int], tuple[Scope, int]] = {}
    for record in records:
        group = await session.get(Group, record.group_id)
        assert group is not None
        if group.id not in scopes:
            scopes[group.id] = await scope_of_group(session, group)
        scope = scopes[group.id]
        rules = rules_of(scope.org, defaults)
        target = tally([record]).confirmed
        before = record.credited or 0
        record.credited, record.unsettled = target, False
        if target == before:
            continue
        # The new line brings the record's points to what its confirmed minutes earn under
        # today's rule.
        points = points_for(target, rules) - earned.get(record.id, 0)
        entry = PointsEntry(
            scope=scope.key, person_id=record.person_id, group_id=group.id, at=now,
            kind=PointsKind.EARNED if before == 0 else PointsKind.CORRECTED,
            points=points, minutes=target - before, attendance_id=record.id,
            local_date=record.local_date,
        )
        session.add(entry)
        entries.append(entry)
        if target > before:
            touched[(scope.key, record.person_id)] = (scope, group.id)
    entries += await _report_bonuses(session, scopes, defaults, now=now, person_id=person_id)
    levels: list[StarLevel] = []
    for (_, who), (scope, group_id) in touched.items():
        levels += await note_levels(session, who, scope, defaults, group_id=group_id, now=now)
    await session.flush()
    await outbox.enqueue(session, [
        # Privately too, for those who started the bot (the sender checks).
        Planned(f"starp:{lv.id}", lv.group_id, "starp", now, now + PRIVATE_WITHIN,
                lv.person_id, {"level": lv.id})
        for lv in levels if lv.announce and lv.group_id is not None
    ], now=now)
    return Settled(entries, levels)


async def assign_announcements(
    session: AsyncSession, *, now: datetime, defaults: Rules,
    quiet: Callable[[Group], bool] = lambda g: False,
) -> list[Planned]:
    """Give each level still to be announced its post: the team's daily summary while one is
    waiting to go out, else, a day after it was reached and outside the team's quiet hours,
    a post of its own (returned, for the outbox). Someone who chose /me hide is never
    announced in the group."""
    # A post that never went out (expired, refused, cancelled) gives its levels back.
    await session.execute(
        update(StarLevel)
        .where(StarLevel.announced_in.in_(
            select(Outbox.key).where(Outbox.status.in_(
                [OutboxStatus.EXPIRED, OutboxStatus.FAILED, OutboxStatus.CANCELLED]
            ))
        ))
        .values(announced_in=None)
    )
    waiting = list(
        (
            await session.scalars(
                locking(
                    select(StarLevel)
                    .where(StarLevel.announce, StarLevel.announced_in.is_(None),
                           StarLevel.group_id.is_not(None))
                    .order_by(StarLevel.id)
                )
            )
        ).all()
    )
    if not waiting:
        return []
    # A level corrected away before it was announced is no news: forgotten, so that
    # reaching it again is announced then.
    held: dict[tuple[str, int], int] = {}
    for lv in list(waiting):
        if (lv.scope, lv.person_id) not in held:
            scope = await scope_by_key(session, lv.scope)
            now_held = (
                await standing(session, lv.person_id, scope, defaults) if scope else None
            )
            held[(lv.scope, lv.person_id)] = now_held.stars.level if now_held else 0
        if held[(lv.scope, lv.person_id)] < lv.level:
            waiting.remove(lv)
            await session.delete(lv)
    hidden = await hidden_among(session, {lv.person_id for lv in waiting})
    own: list[Planned] = []
    for group_id in sorted({lv.group_id for lv in waiting if lv.group_id is not None}):
        mine = [lv for lv in waiting if lv.group_id == group_id]
        summary = await outbox.pending_summary(session, group_id)
        if summary is not None:
            key = summary
        elif min(lv.reached_at for lv in mine) + ANNOUNCE_WITHIN <= now and not quiet(
            await _group(session, group_id)
        ):
            key = f"stars:{group_id}:{mine[0].id}"
            own.append(Planned(key, group_id, "stars", now, now + ANNOUNCE_WITHIN, None, {}))
        else:
            continue
        for lv in mine:
            lv.announced_in = "" if lv.person_id in hidden else key
    return own


async def _group(session: AsyncSession, group_id: int) -> Group:
    group = await session.get(Group, group_id)
    assert group is not None
    return group


async def announced_in(session: AsyncSession, key: str) -> list[StarLevel]:
    """The levels a post announces, in the order they were reached."""
    rows = await session.scalars(
        select(StarLevel).where(StarLevel.announced_in == key).order_by(StarLevel.id)
    )
    return list(rows.all())


async def _report_bonuses(
    session: AsyncSession, scopes: dict[int, Scope], defaults: Rules, *, now: datetime,
    person_id: int | None,
) -> list[PointsEntry]:
    """A bonus line for each report not yet credited, under the rule in force now (a report
    filed while the bonus was 0 stays without one)."""
    query = select(Report).where(Report.credited.is_(False)).order_by(Report.id)
    if person_id is not None:
        query = query.where(Report.person_id == person_id)
    else:
        query = query.limit(SETTLE_BATCH)
    found = list((await session.scalars(locking(query))).all())
    for who in sorted({r.person_id for r in found}):
        await lock_person(session, who)
    entries = []
    for report in found:
        report.credited = True
        if report.group_id not in scopes:
            group = await session.get(Group, report.group_id)
            assert group is not None
            scopes[report.group_id] = await scope_of_group(session, group)
        scope = scopes[report.group_id]
        bonus = rules_of(scope.org, defaults).report_points
        if bonus:
            entry = PointsEntry(
                scope=scope.key, person_id=report.person_id, group_id=report.group_id,
                at=now, kind=PointsKind.BONUS, points=bonus, minutes=0, report_id=report.id,
                local_date=report.local_date,
            )
            session.add(entry)
            entries.append(entry)
    return entries


async def note_levels(
    session: AsyncSession, person_id: int, scope: Scope, defaults: Rules, *,
    group_id: int | None, now: datetime, announce: bool = True,
) -> list[StarLevel]:
    """Write down the levels the person has reached in the scope and not before.

    Only the highest new level is announced, and only when served hours alone reach it
    (not opening hours); `announce=False` records them silently (a team joining)."""
    await lock_person(session, person_id)  # two sweeps never note the same level twice
    mine = await standing(session, person_id, scope, defaults)
    reached = set(
        (
            await session.scalars(
                select(StarLevel.level).where(
                    StarLevel.scope == scope.key, StarLevel.person_id == person_id
                )
            )
        ).all()
    )
    rules = rules_of(scope.org, defaults)
    new: list[StarLevel] = []
    for level in range(1, mine.stars.level + 1):
        if level in reached:
            continue
        hours = rules.star_hours[level - 1]
        served = mine.confirmed_minutes >= hours * 60
        level_row = StarLevel(
            scope=scope.key, person_id=person_id, level=level, hours=hours, reached_at=now,
            group_id=group_id,
            announce=announce and served and level == mine.stars.level,
        )
        session.add(level_row)
        new.append(level_row)
    return new


async def note_levels_silently(
    session: AsyncSession, person_ids: Sequence[int], scope: Scope, defaults: Rules, *,
    now: datetime,
) -> None:
    """Levels already reached when a team joins an organisation are not news."""
    for person_id in person_ids:
        await note_levels(session, person_id, scope, defaults, group_id=None, now=now,
                          announce=False)


async def decide_team(
    session: AsyncSession, team_id: int, person: Person, *, approve: bool, defaults: Rules,
    now: datetime,
) -> DecideResult:
    """A staff member approves (or declines) a team. On joining, the team's passbooks move to
    the organisation's (a closing and an opening line each) and the levels its people already
    hold there are written down unannounced."""
    await settle(session, now=now, defaults=defaults)  # credited where they served first
    result = await decide(session, team_id, person, approve=approve, now=now)
    if not isinstance(result, TeamDecided) or not result.joined:
        return result
    group, org = result.group, result.org
    old = f"group:{group.id}"
    scope = await scope_of_group(session, group)
    rows = (
        await session.execute(
            select(PointsEntry.person_id, func.sum(PointsEntry.points))
            .where(PointsEntry.scope == old)
            .group_by(PointsEntry.person_id)
        )
    ).all()
    for who, total in rows:
        if not total:
            continue
        session.add(PointsEntry(scope=old, person_id=who, group_id=group.id, at=now,
                                kind=PointsKind.MOVED_OUT, points=-int(total), minutes=0,
                                note=org.name))
        session.add(PointsEntry(scope=scope.key, person_id=who, group_id=group.id, at=now,
                                kind=PointsKind.MOVED_IN, points=int(total), minutes=0,
                                note=group.title))
    people = (
        await session.scalars(
            select(Membership.person_id).where(
                Membership.group_id.in_(scope.group_ids), Membership.active
            )
        )
    ).all()
    await note_levels_silently(session, sorted(set(people)), scope, defaults, now=now)
    return result
