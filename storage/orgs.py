"""Organisations (a 社区居委会, a 志愿服务站) and their teams, staff and volunteer numbers.

A bot administrator creates one and becomes its first staff member. A team (a group) asks to
join with a code and is shared with the office only once a staff member approves it. Staff
join through a one-time link. Each person serving in a joined team gets a volunteer number
within the organisation (`XFL-0042`). Star levels and points are counted per scope: the
organisation when the team has joined one, else the team on its own.
"""

from __future__ import annotations

import dataclasses
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.cleaning import TextProblem, clean_name
from storage.db import locking
from storage.members import by_display_name
from storage.models import (
    Group,
    GroupStatus,
    Membership,
    Organisation,
    OrgMember,
    OrgStaff,
    OrgTeam,
    OrgToken,
    Person,
    TeamStatus,
    TokenKind,
)
from storage.recognition import Rules

JOIN_CODE_VALID = timedelta(days=7)
STAFF_LINK_VALID = timedelta(hours=24)
MAX_ORG_NAME = 60
MAX_REAL_NAME = 20
# Join codes are read aloud and typed: no 0/O, 1/I/L.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


# ---- scopes --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """Where stars and points are counted: an organisation's joined teams, or one team."""

    key: str  # org:<id> or group:<id>
    name: str  # the organisation's or the team's name
    group_ids: tuple[int, ...]
    org: Organisation | None = None


async def org_of_group(session: AsyncSession, group_id: int) -> Organisation | None:
    """The organisation a group has joined (approved), if any."""
    return await session.scalar(
        select(Organisation)
        .join(OrgTeam, OrgTeam.org_id == Organisation.id)
        .where(OrgTeam.group_id == group_id, OrgTeam.status == TeamStatus.JOINED)
    )


async def team_ids(session: AsyncSession, org_id: int) -> tuple[int, ...]:
    """The groups that have joined the organisation, oldest first."""
    rows = await session.scalars(
        select(OrgTeam.group_id)
        .where(OrgTeam.org_id == org_id, OrgTeam.status == TeamStatus.JOINED)
        .order_by(OrgTeam.id)
    )
    return tuple(rows.all())


async def teams(session: AsyncSession, org_id: int) -> list[Group]:
    """The joined teams' groups, oldest first."""
    ids = await team_ids(session, org_id)
    found = {g.id: g for g in (await session.scalars(select(Group).where(Group.id.in_(ids))))}
    return [found[i] for i in ids if i in found]


async def pending_teams(session: AsyncSession, org_id: int) -> list[Group]:
    """The groups waiting for a staff member's approval."""
    rows = await session.scalars(
        select(Group)
        .join(OrgTeam, OrgTeam.group_id == Group.id)
        .where(OrgTeam.org_id == org_id, OrgTeam.status == TeamStatus.PENDING)
        .order_by(OrgTeam.id)
    )
    return list(rows.all())


async def org_scope(session: AsyncSession, org: Organisation) -> Scope:
    """The organisation's scope: its joined teams."""
    return Scope(f"org:{org.id}", org.name, await team_ids(session, org.id), org)


async def scope_of_group(session: AsyncSession, group: Group) -> Scope:
    """The scope a group's hours count in."""
    org = await org_of_group(session, group.id)
    if org is None:
        return Scope(f"group:{group.id}", group.title, (group.id,))
    return await org_scope(session, org)


async def team_in_scope(
    session: AsyncSession, person_id: int, scope_key: str
) -> Group | None:
    """The person's first team whose stars and points count in the scope (its leaders hand
    rewards over), or None."""
    groups = (
        await session.scalars(
            select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.person_id == person_id, Membership.active,
                   Group.status == GroupStatus.ACTIVE)
            .order_by(Membership.id)
        )
    ).all()
    for group in groups:
        if (await scope_of_group(session, group)).key == scope_key:
            return group
    return None


async def scope_by_key(session: AsyncSession, key: str) -> Scope | None:
    """The scope a key (`org:<id>`, `group:<id>`) names, if it still exists."""
    kind, _, number = key.partition(":")
    if not number.isdigit():
        return None
    if kind == "org":
        org = await session.get(Organisation, int(number))
        return await org_scope(session, org) if org is not None else None
    group = await session.get(Group, int(number))
    return Scope(key, group.title, (group.id,)) if group is not None else None


async def scopes_of_person(session: AsyncSession, person_id: int) -> list[Scope]:
    """Every scope the person serves in now (by their active memberships), in a stable order."""
    groups = (
        await session.scalars(
            select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.person_id == person_id, Membership.active)
            .order_by(Group.id)
        )
    ).all()
    found: dict[str, Scope] = {}
    for group in groups:
        scope = await scope_of_group(session, group)
        found.setdefault(scope.key, scope)
    return list(found.values())


# ---- settings ------------------------------------------------------------------------------

@dataclass(frozen=True)
class OrgSettings:
    """What staff may set; None takes the deployment's default (config `[recognition]`)."""

    prefix: str = ""  # volunteer numbers: XFL-0042
    head: str = ""  # 负责人
    clerk: str = ""  # 经办人
    phone: str = ""
    star_hours: tuple[int, ...] | None = None
    points_per_hour: int | None = None
    report_points: int | None = None
    certificate_notice_days: int | None = None  # 组织公示 before a certificate; 0/None: none


MAX_NOTICE_DAYS = 30
ORG_KEYS = ("name", *(f.name for f in dataclasses.fields(OrgSettings)))
# Chinese names staff may type for the keys.
ORG_KEY_ALIASES = {
    "名称": "name", "全称": "name", "编号前缀": "prefix", "前缀": "prefix",
    "负责人": "head", "经办人": "clerk", "电话": "phone", "联系电话": "phone",
    "星级": "star_hours", "星级时长": "star_hours", "每小时积分": "points_per_hour",
    "汇报积分": "report_points", "每条汇报积分": "report_points",
    "公示": "certificate_notice_days", "公示天数": "certificate_notice_days",
    "证明公示天数": "certificate_notice_days",
}


def org_settings(org: Organisation) -> OrgSettings:
    """The organisation's settings, unset keys None or empty; unknown stored keys ignored."""
    stored = dict(org.settings or {})
    if isinstance(stored.get("star_hours"), list):
        stored["star_hours"] = tuple(stored["star_hours"])
    known = {f.name for f in dataclasses.fields(OrgSettings)}
    return OrgSettings(**{k: v for k, v in stored.items() if k in known})


def rules_of(org: Organisation | None, defaults: Rules) -> Rules:
    """Star thresholds and points rules: the organisation's where it set them."""
    if org is None:
        return defaults
    chosen = org_settings(org)
    return Rules(
        star_hours=chosen.star_hours or defaults.star_hours,
        points_per_hour=(
            defaults.points_per_hour if chosen.points_per_hour is None
            else chosen.points_per_hour
        ),
        report_points=(
            defaults.report_points if chosen.report_points is None else chosen.report_points
        ),
    )


@dataclass(frozen=True)
class OrgSettingChanged:
    """Stored (and audited)."""

    key: str
    before: Any
    after: Any


@dataclass(frozen=True)
class UnknownOrgSetting:
    """No such key."""

    key: str


@dataclass(frozen=True)
class BadOrgValue:
    """The key does not take this value."""

    key: str
    value: str


OrgSettingResult = OrgSettingChanged | UnknownOrgSetting | BadOrgValue


def _star_hours(raw: str) -> tuple[int, ...] | None:
    parts = [p for p in raw.replace("，", ",").replace("、", ",").split(",") if p.strip()]
    if not 1 <= len(parts) <= 10 or not all(p.strip().isdecimal() for p in parts):
        return None
    hours = tuple(int(p) for p in parts)
    if any(h <= 0 or h > 100_000 for h in hours) or list(hours) != sorted(set(hours)):
        return None
    return hours


def check_org_value(key: str, raw: str) -> str | int | tuple[int, ...] | BadOrgValue:
    """The value a key would store, or why not."""
    raw = unicodedata.normalize("NFKC", raw).strip()
    if key in ("name", "head", "clerk"):
        name = clean_name(raw, MAX_ORG_NAME)
        return BadOrgValue(key, raw) if isinstance(name, TextProblem) else name
    if key == "prefix":
        ok = raw == "" or (len(raw) <= 6 and raw.isascii() and raw.isalnum())
        return raw.upper() if ok else BadOrgValue(key, raw)
    if key == "phone":
        digits = raw.replace("-", "").replace(" ", "")
        ok = raw == "" or (digits.isascii() and digits.isdecimal() and 5 <= len(digits) <= 20)
        return raw if ok else BadOrgValue(key, raw)
    if key == "star_hours":
        hours = _star_hours(raw)
        return hours if hours is not None else BadOrgValue(key, raw)
    if key == "certificate_notice_days":
        days = raw.removesuffix("天").removesuffix("days").removesuffix("day").strip()
        ok = days.isdecimal() and len(days) <= 2 and int(days) <= MAX_NOTICE_DAYS
        return int(days) if ok else BadOrgValue(key, raw)
    if not raw.isdecimal() or len(raw) > 4:
        return BadOrgValue(key, raw)
    return int(raw)


def _current(org: Organisation, key: str) -> Any:
    return org.name if key == "name" else getattr(org_settings(org), key)


def change_org_setting(
    session: AsyncSession, org: Organisation, key: str, raw: str, *, actor: int, now: datetime
) -> OrgSettingResult:
    """Set one organisation setting (validated, audited)."""
    key = ORG_KEY_ALIASES.get(key, key.casefold())
    if key not in ORG_KEYS:
        return UnknownOrgSetting(key)
    value = check_org_value(key, raw)
    if isinstance(value, BadOrgValue):
        return value
    before = _current(org, key)
    if key == "name":
        assert isinstance(value, str)
        org.name = value
    else:
        stored = dict(org.settings or {})
        stored[key] = list(value) if isinstance(value, tuple) else value
        org.settings = stored
    audit.record(
        session, at=now, action="org.settings", object_type="organisation", object_id=org.id,
        actor=actor, before={key: list(before) if isinstance(before, tuple) else before},
        after={key: list(value) if isinstance(value, tuple) else value},
    )
    return OrgSettingChanged(key, before, value)


# ---- creating, staff, links ----------------------------------------------------------------

def _code() -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))


def new_token(
    session: AsyncSession, org_id: int, kind: TokenKind, *, by: int, now: datetime
) -> OrgToken:
    """A join code (7 days, several teams) or a one-time staff link (24 hours)."""
    token = OrgToken(
        token=_code() if kind == TokenKind.JOIN else secrets.token_urlsafe(12),
        kind=kind, org_id=org_id, created_at=now, created_by=by,
        expires_at=now + (JOIN_CODE_VALID if kind == TokenKind.JOIN else STAFF_LINK_VALID),
    )
    session.add(token)
    return token


@dataclass(frozen=True)
class Created:
    """A new organisation, its first staff member and a join code for its teams."""

    org: Organisation
    code: OrgToken


@dataclass(frozen=True)
class NameInUse:
    """An organisation of that name exists already (a second /org new by mistake)."""


async def create(
    session: AsyncSession, name: str, person: Person, *, now: datetime
) -> Created | NameInUse:
    """A bot administrator creates an organisation and becomes its first staff member."""
    taken = await session.scalar(select(Organisation.id).where(Organisation.name == name))
    if taken is not None:
        return NameInUse()
    org = Organisation(
        name=name, settings=None, next_number=1, created_at=now,
        created_by=person.telegram_user_id,
    )
    session.add(org)
    await session.flush()
    session.add(OrgStaff(org_id=org.id, person_id=person.id, added_at=now,
                         added_by=person.telegram_user_id))
    code = new_token(session, org.id, TokenKind.JOIN, by=person.telegram_user_id, now=now)
    audit.record(
        session, at=now, action="org.create", object_type="organisation", object_id=org.id,
        actor=person.telegram_user_id, after={"name": name},
    )
    await session.flush()
    return Created(org, code)


async def staff_orgs(session: AsyncSession, person_id: int) -> list[Organisation]:
    """The organisations the person is staff of, newest membership first."""
    rows = await session.scalars(
        select(Organisation)
        .join(OrgStaff, OrgStaff.org_id == Organisation.id)
        .where(OrgStaff.person_id == person_id)
        .order_by(OrgStaff.id.desc())
    )
    return list(rows.all())


async def is_staff(session: AsyncSession, org_id: int, person_id: int) -> bool:
    """Is the person staff of the organisation?"""
    found = await session.scalar(
        select(OrgStaff.id).where(OrgStaff.org_id == org_id, OrgStaff.person_id == person_id)
    )
    return found is not None


async def staff_people(session: AsyncSession, org_id: int) -> list[Person]:
    """The organisation's staff."""
    rows = await session.scalars(
        select(Person)
        .join(OrgStaff, OrgStaff.person_id == Person.id)
        .where(OrgStaff.org_id == org_id)
        .order_by(OrgStaff.id)
    )
    return list(rows.all())


async def all_orgs(session: AsyncSession) -> list[Organisation]:
    """Every organisation (for bot administrators)."""
    return list((await session.scalars(select(Organisation).order_by(Organisation.id))).all())


@dataclass(frozen=True)
class BecameStaff:
    """The person is staff of the organisation now."""

    org: Organisation


@dataclass(frozen=True)
class AlreadyStaff:
    """They were already."""

    org: Organisation


@dataclass(frozen=True)
class LinkSpent:
    """Used by someone already, expired, or never made."""


StaffLinkResult = BecameStaff | AlreadyStaff | LinkSpent


async def use_staff_link(
    session: AsyncSession, token: str, person: Person, *, now: datetime
) -> StaffLinkResult:
    """A person opened a staff link: once, within 24 hours."""
    link = await session.scalar(
        locking(
            select(OrgToken).where(OrgToken.token == token, OrgToken.kind == TokenKind.STAFF)
        )
    )
    if link is None:
        return LinkSpent()
    org = await session.get(Organisation, link.org_id)
    assert org is not None
    if await is_staff(session, org.id, person.id):
        return AlreadyStaff(org)
    if link.used_at is not None or link.expires_at <= now:
        return LinkSpent()
    link.used_at, link.used_by = now, person.telegram_user_id
    session.add(OrgStaff(org_id=org.id, person_id=person.id, added_at=now,
                         added_by=link.created_by))
    audit.record(
        session, at=now, action="org.staff_added", object_type="organisation",
        object_id=org.id, actor=person.telegram_user_id, after={"person": person.id},
        note=f"link by {link.created_by}",
    )
    return BecameStaff(org)


# ---- teams joining ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Asked:
    """The request waits for a staff member's approval."""

    org: Organisation
    team: OrgTeam


@dataclass(frozen=True)
class AlreadyIn:
    """The group has joined, or asked to join, an organisation already."""

    org: Organisation
    joined: bool


@dataclass(frozen=True)
class NoSuchCode:
    """Not a code, or an expired one."""


JoinResult = Asked | AlreadyIn | NoSuchCode


def normal_code(raw: str) -> str:
    """A typed join code as stored: half-width, upper case, no spaces or dashes."""
    text = unicodedata.normalize("NFKC", raw).upper()
    return "".join(ch for ch in text if ch.isalnum())


async def ask_to_join(
    session: AsyncSession, group: Group, raw_code: str, *, by: int, now: datetime
) -> JoinResult:
    """A team's Telegram admin asks, with the code, for the group to join an organisation."""
    current = await session.scalar(
        select(OrgTeam).where(
            OrgTeam.group_id == group.id,
            OrgTeam.status.in_([TeamStatus.PENDING, TeamStatus.JOINED]),
        )
    )
    if current is not None:
        org = await session.get(Organisation, current.org_id)
        assert org is not None
        return AlreadyIn(org, current.status == TeamStatus.JOINED)
    code = normal_code(raw_code)
    token = await session.scalar(
        select(OrgToken).where(OrgToken.token == code, OrgToken.kind == TokenKind.JOIN)
    ) if 0 < len(code) <= 32 else None
    if token is None or token.expires_at <= now:
        return NoSuchCode()
    org = await session.get(Organisation, token.org_id)
    assert org is not None
    team = OrgTeam(org_id=org.id, group_id=group.id, status=TeamStatus.PENDING,
                   requested_at=now, requested_by=by)
    try:
        async with session.begin_nested():
            session.add(team)
    except IntegrityError:  # asked a moment ago by another admin
        return await ask_to_join(session, group, raw_code, by=by, now=now)
    audit.record(
        session, at=now, action="org.team_asked", object_type="organisation",
        object_id=org.id, actor=by, group_id=group.id, after={"team": team.id},
    )
    return Asked(org, team)


@dataclass(frozen=True)
class TeamDecided:
    """Approved (joined) or declined now."""

    org: Organisation
    group: Group
    joined: bool


@dataclass(frozen=True)
class TeamAlreadyDecided:
    """Another staff member decided first."""

    org: Organisation
    group: Group
    joined: bool


@dataclass(frozen=True)
class NotStaff:
    """Only the organisation's staff decide."""


@dataclass(frozen=True)
class NoSuchTeam:
    """No such request."""


DecideResult = TeamDecided | TeamAlreadyDecided | NotStaff | NoSuchTeam


async def decide(
    session: AsyncSession, team_id: int, person: Person, *, approve: bool, now: datetime
) -> DecideResult:
    """A staff member approves or declines a team's request to join."""
    team = await session.scalar(locking(select(OrgTeam).where(OrgTeam.id == team_id)))
    if team is None:
        return NoSuchTeam()
    org = await session.get(Organisation, team.org_id)
    group = await session.get(Group, team.group_id)
    assert org is not None and group is not None
    if not await is_staff(session, org.id, person.id):
        return NotStaff()
    if team.status != TeamStatus.PENDING or group.status == GroupStatus.LEFT:
        return TeamAlreadyDecided(org, group, team.status == TeamStatus.JOINED)
    team.status = TeamStatus.JOINED if approve else TeamStatus.DECLINED
    team.decided_at, team.decided_by = now, person.telegram_user_id
    audit.record(
        session, at=now, action="org.team_joined" if approve else "org.team_declined",
        object_type="organisation", object_id=org.id, actor=person.telegram_user_id,
        group_id=group.id, after={"team": team.id},
    )
    if approve:
        await session.flush()
        for person_id in await _active_people(session, group.id):
            await number_of(session, org.id, person_id, now=now)
    return TeamDecided(org, group, approve)


async def _active_people(session: AsyncSession, group_id: int) -> list[int]:
    rows = await session.scalars(
        select(Membership.person_id)
        .where(Membership.group_id == group_id, Membership.active)
        .order_by(Membership.joined_at, Membership.id)
    )
    return list(rows.all())


# ---- volunteer numbers, real names, opening hours ------------------------------------------

def volunteer_number(org: Organisation, member: OrgMember) -> str:
    """`XFL-0042`, or `0042` while the organisation has no prefix."""
    prefix = org_settings(org).prefix
    return f"{prefix}-{member.number:04d}" if prefix else f"{member.number:04d}"


async def member_of(session: AsyncSession, org_id: int, person_id: int) -> OrgMember | None:
    """The person's record in the organisation, if they have a number yet."""
    return await session.scalar(
        select(OrgMember).where(OrgMember.org_id == org_id, OrgMember.person_id == person_id)
    )


async def number_of(
    session: AsyncSession, org_id: int, person_id: int, *, now: datetime
) -> OrgMember:
    """The person's volunteer number in the organisation, given the next one if they have
    none (the organisation's row is locked while it is counted up)."""
    found = await member_of(session, org_id, person_id)
    if found is not None:
        return found
    org = await session.scalar(
        locking(select(Organisation).where(Organisation.id == org_id))
    )
    assert org is not None
    found = await member_of(session, org_id, person_id)  # numbered while we waited
    if found is not None:
        return found
    member = OrgMember(org_id=org_id, person_id=person_id, number=org.next_number,
                       created_at=now, opening_minutes=0)
    org.next_number += 1
    session.add(member)
    await session.flush()
    return member


def parse_number(org: Organisation, raw: str) -> int | None:
    """`XFL-0042`, `xfl0042` or `42` → 42 (the organisation's prefix may be left out)."""
    text = unicodedata.normalize("NFKC", raw).strip().upper().replace("-", "")
    prefix = org_settings(org).prefix.upper()
    if prefix and text.startswith(prefix):
        text = text[len(prefix):]
    if not text.isascii() or not text.isdecimal() or len(text) > 9:
        return None
    return int(text)


async def by_number(session: AsyncSession, org: Organisation, raw: str) -> Person | None:
    """The person with this volunteer number in the organisation."""
    number = parse_number(org, raw)
    if number is None:
        return None
    return await session.scalar(
        select(Person)
        .join(OrgMember, OrgMember.person_id == Person.id)
        .where(OrgMember.org_id == org.id, OrgMember.number == number)
    )


@dataclass(frozen=True)
class Found:
    """The person a staff member named, and how many words named them."""

    person: Person
    words: int


@dataclass(frozen=True)
class SeveralNamed:
    """The name is on more than one team: the teams, for the staff member to say which."""

    teams: list[str]


async def named_in_org(
    session: AsyncSession, org: Organisation, words: list[str]
) -> Found | SeveralNamed | None:
    """Whom a staff member names privately: a volunteer number (`XFL-0042`), or a name on
    one of the organisation's teams (if on several, which ones)."""
    if not words:
        return None
    by_no = await by_number(session, org, words[0])
    if by_no is not None:
        return Found(by_no, 1)
    hits: dict[int, tuple[Person, int, str]] = {}
    for group in await teams(session, org.id):
        hit = await by_display_name(session, group.id, words)
        if hit is not None and hit[0].active:
            hits.setdefault(hit[1].id, (hit[1], hit[2], group.title))
    if len(hits) == 1:
        person, used, _ = next(iter(hits.values()))
        return Found(person, used)
    if hits:
        return SeveralNamed(sorted({title for _, _, title in hits.values()}))
    return None


@dataclass(frozen=True)
class RealNameSet:
    """Stored (audited); `before` is what it was."""

    name: str | None
    before: str | None


def set_real_name(
    session: AsyncSession, person: Person, name: str | None, *, actor: int, now: datetime
) -> RealNameSet:
    """Set (or with None clear) a person's real name."""
    before = person.real_name
    person.real_name = name
    audit.record(
        session, at=now, action="person.real_name", object_type="person", object_id=person.id,
        actor=actor, before={"real_name": before}, after={"real_name": name},
    )
    return RealNameSet(name, before)


@dataclass(frozen=True)
class OpeningSet:
    """The opening hours stand as given (replacing any earlier entry)."""

    member: OrgMember
    before_minutes: int


async def set_opening(
    session: AsyncSession, org: Organisation, person: Person, minutes: int, as_of: date,
    source: str, *, actor: int, now: datetime,
) -> OpeningSet:
    """Staff enter the hours a volunteer served before the bot (期初时长): stars only."""
    member = await number_of(session, org.id, person.id, now=now)
    before = member.opening_minutes
    member.opening_minutes, member.opening_as_of, member.opening_source = (
        minutes, as_of, source
    )
    audit.record(
        session, at=now, action="org.opening_hours", object_type="org_member",
        object_id=member.id, actor=actor,
        before={"minutes": before}, after={
            "minutes": minutes, "as_of": as_of.isoformat(), "source": source,
        },
    )
    return OpeningSet(member, before)
