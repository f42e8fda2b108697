"""People and their team memberships: signing up, changing a profile, leaving."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.claims import Released, release_future
from storage.cleaning import TextProblem, clean_name, is_forgotten_label, name_key
from storage.db import note_held
from storage.models import Group, Membership, Person

MAX_NAME = 32
MAX_BUILDING = 64
MAX_SKILLS = 200
# The name of someone whose Telegram name shows nothing: "志愿者 1", "Volunteer 2".
UNNAMED = {"zh_CN": "志愿者", "en": "Volunteer"}


@dataclass(frozen=True)
class UserRef:
    """Who a Telegram user is, as far as storage cares (no telegram import here)."""

    telegram_user_id: int
    full_name: str
    username: str | None = None
    language_code: str | None = None


def ref_of(person: Person) -> UserRef:
    """A stored person as a Telegram user, to write to privately."""
    return UserRef(
        telegram_user_id=person.telegram_user_id, full_name=person.telegram_name,
        username=person.username, language_code=person.language_code,
    )


@dataclass(frozen=True)
class Profile:
    """What /signup asks to store; None leaves a field as it is (a name: the one the group
    knows them by, a former member's too; a newcomer's Telegram name)."""

    display_name: str | None
    building: str | None = None
    skills: str | None = None


@dataclass(frozen=True)
class Registered:
    """A new member (or a former one back)."""

    membership: Membership
    rejoined: bool = False


@dataclass(frozen=True)
class Updated:
    """An existing member's profile changed."""

    membership: Membership
    changed: tuple[str, ...]


@dataclass(frozen=True)
class Unchanged:
    """Already registered exactly like this."""

    membership: Membership


@dataclass(frozen=True)
class NameTaken:
    """Another active member of the group uses this display name."""

    name: str


@dataclass(frozen=True)
class NameReserved:
    """The name is the label of an erased volunteer ("已注销志愿者 #N"): nobody may use it."""

    name: str


@dataclass(frozen=True)
class NoName:
    """No name was given and their Telegram name shows nothing."""


SignupResult = Registered | Updated | Unchanged | NameTaken | NameReserved | NoName


async def _claim_username(session: AsyncSession, person: Person) -> None:
    """A @username points only to the person who used it last: drop anyone else's link."""
    if person.username:
        await session.execute(
            update(Person)
            .where(func.lower(Person.username) == person.username.lower(), Person.id != person.id)
            .values(username=None)
            .execution_options(synchronize_session=False)
        )


async def upsert_person(session: AsyncSession, user: UserRef, *, now: datetime) -> Person:
    """Find or create the person for a Telegram user and refresh what Telegram says of them."""
    person = await session.scalar(
        select(Person).where(Person.telegram_user_id == user.telegram_user_id)
    )
    if person is None:
        person = Person(
            telegram_user_id=user.telegram_user_id,
            telegram_name=user.full_name,
            username=user.username,
            language_code=user.language_code,
            created_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(person)
        except IntegrityError:
            # The same user's other update created them a moment ago.
            found = await session.scalar(
                select(Person).where(Person.telegram_user_id == user.telegram_user_id)
            )
            assert found is not None
            return found
        await _claim_username(session, person)
        return person
    person.telegram_name = user.full_name
    renamed = (person.username or "").lower() != (user.username or "").lower()
    person.username = user.username
    if user.language_code:
        person.language_code = user.language_code
    if renamed:
        await _claim_username(session, person)
    return person


async def membership_of(
    session: AsyncSession, group_id: int, telegram_user_id: int
) -> Membership | None:
    """A user's membership in a group, active or not."""
    return await session.scalar(
        select(Membership)
        .join(Person)
        .where(Membership.group_id == group_id, Person.telegram_user_id == telegram_user_id)
    )


def _snapshot(m: Membership) -> dict[str, str | bool | None]:
    return {
        "display_name": m.display_name,
        "building": m.building,
        "skills": m.skills,
        "active": m.active,
    }


async def _name_holder(
    session: AsyncSession, group_id: int, key: str, except_id: int | None
) -> Membership | None:
    query = select(Membership).where(
        Membership.group_id == group_id, Membership.name_key == key, Membership.active
    )
    if except_id is not None:
        query = query.where(Membership.id != except_id)
    return await session.scalar(query)


async def signup(
    session: AsyncSession, group_id: int, user: UserRef, profile: Profile, *, now: datetime
) -> SignupResult:
    """Register a user in a group, or update their profile; display names are unique."""
    membership = await membership_of(session, group_id, user.telegram_user_id)
    name = profile.display_name or (membership.display_name if membership is not None
                                    else telegram_name(user.full_name))
    if name is None:
        return NoName()
    if is_forgotten_label(name):
        return NameReserved(name)
    person = await upsert_person(session, user, now=now)
    key = name_key(name)
    if await _name_holder(session, group_id, key, membership.id if membership else None):
        return NameTaken(name)
    if membership is None:
        membership = Membership(
            group_id=group_id,
            person_id=person.id,
            display_name=name,
            name_key=key,
            building=profile.building,
            skills=profile.skills,
            joined_at=now,
            active=True,
        )
        try:
            async with session.begin_nested():
                session.add(membership)
        except IntegrityError:
            return NameTaken(name)  # someone took it a moment ago
        audit.record(
            session, at=now, action="member.signup", object_type="membership",
            object_id=membership.id, actor=user.telegram_user_id, group_id=group_id,
            after=_snapshot(membership),
        )
        return Registered(membership)

    before = _snapshot(membership)
    rejoined = not membership.active
    membership.display_name = name
    membership.name_key = key
    if profile.building is not None:
        membership.building = profile.building
    if profile.skills is not None:
        membership.skills = profile.skills
    if rejoined:
        membership.active = True
        membership.left_at = None
        membership.joined_at = now
    after = _snapshot(membership)
    changed = tuple(k for k in after if after[k] != before[k])
    if not changed:
        return Unchanged(membership)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        return NameTaken(name)
    audit.record(
        session, at=now, action="member.rejoin" if rejoined else "member.update",
        object_type="membership", object_id=membership.id, actor=user.telegram_user_id,
        group_id=group_id, before=before, after=after,
    )
    if rejoined:
        return Registered(membership, rejoined=True)
    return Updated(membership, changed)


@dataclass(frozen=True)
class Left:
    """The membership is inactive now; its history stays; future places were given back."""

    membership: Membership
    released: tuple[Released, ...] = ()


@dataclass(frozen=True)
class NotMember:
    """The user was not an active member of the group."""


LeaveResult = Left | NotMember


async def leave(
    session: AsyncSession, group_id: int, telegram_user_id: int, *, actor: int | None,
    now: datetime,
) -> LeaveResult:
    """Deactivate a membership (by the member, or because they left the Telegram group)."""
    membership = await membership_of(session, group_id, telegram_user_id)
    if membership is None or not membership.active:
        return NotMember()
    before = _snapshot(membership)
    membership.active = False
    membership.left_at = now
    audit.record(
        session, at=now, action="member.leave", object_type="membership",
        object_id=membership.id, actor=actor, group_id=group_id, before=before,
        after=_snapshot(membership),
    )
    if membership.is_leader:
        # Leaving ends a promotion: rejoining makes a member again, not a leader.
        membership.is_leader = False
        audit.record(
            session, at=now, action="leader.remove", object_type="membership",
            object_id=membership.id, actor=actor, group_id=group_id,
            before={"is_leader": True}, after={"is_leader": False}, note="left the group",
        )
    person = await session.get(Person, membership.person_id)
    assert person is not None
    released = await release_future(session, group_id, person, actor=actor, now=now)
    return Left(membership, tuple(released))


async def note_private_chat(
    session: AsyncSession, user: UserRef, *, now: datetime, started: bool = True
) -> Person:
    """Remember that a user has (or no longer has) a private chat open with the bot."""
    person = await upsert_person(session, user, now=now)
    person.private_chat = started
    return person


def set_hidden(session: AsyncSession, person: Person, hidden: bool, *, now: datetime) -> None:
    """/me hide: counted everywhere, named in no top list or announcement (audited)."""
    if person.hidden == hidden:
        return
    person.hidden = hidden
    audit.record(
        session, at=now, action="person.hidden", object_type="person", object_id=person.id,
        actor=person.telegram_user_id, before={"hidden": not hidden}, after={"hidden": hidden},
    )


async def hidden_among(session: AsyncSession, person_ids: Collection[int]) -> set[int]:
    """Those of the people who chose /me hide."""
    if not person_ids:
        return set()
    rows = await session.scalars(
        select(Person.id).where(Person.id.in_(list(person_ids)), Person.hidden)
    )
    return set(rows.all())


async def set_private_reminders(
    session: AsyncSession, user: UserRef, on: bool, *, now: datetime
) -> Person:
    """/remindme on|off."""
    person = await upsert_person(session, user, now=now)
    person.remind_private = on
    return person


async def ensure_member(
    session: AsyncSession, group_id: int, user: UserRef, *, now: datetime,
    lock: Locking = None,
) -> tuple[Membership, Person, bool]:
    """The user's active membership and person, signing them up under their Telegram name.

    Returns (membership, person, joined_now). A taken name gets a number: "Alice 2".
    """
    membership, person, _group, joined = await member_and_group(
        session, group_id, user, now=now, lock=lock
    )
    return membership, person, joined


# Statements asked on most updates are built once, with their values bound at each call:
# building one costs more than running it (and its cache key is then worked out only once).
_MEMBER = (
    select(Membership, Person, Group)
    .join(Person, Person.id == Membership.person_id)
    .join(Group, Group.id == Membership.group_id)
    .where(Membership.group_id == bindparam("group"), Person.telegram_user_id == bindparam("user"))
)
# The same for an active member, locking the person's row (for what `claims.lock_person`
# serialises) or the group's (`reports.lock_group`) in the one query: the lock's own query is
# then spared. A former member finds nothing and rejoins first, as without the lock (the
# membership, then the person: locking the person here first could deadlock with that).
Locking = Literal["people", "groups"] | None
_ACTIVE_MEMBER = _MEMBER.where(Membership.active).execution_options(populate_existing=True)
_MEMBER_LOCKING = {
    "people": _ACTIVE_MEMBER.with_for_update(of=Person, key_share=True),
    "groups": _ACTIVE_MEMBER.with_for_update(of=Group, key_share=True),
}
_NAMES = select(Membership.person_id, Membership.display_name).where(
    Membership.group_id == bindparam("group"),
    Membership.person_id.in_(bindparam("people", expanding=True)),
)


async def member_and_group(
    session: AsyncSession, group_id: int, user: UserRef, *, now: datetime,
    lock: Locking = None,
) -> tuple[Membership, Person, Group, bool]:
    """`ensure_member` with the group's row (its settings). Most updates come from a member:
    the three are read in one query, which with `lock` also locks the person's or the
    group's row for the rest of the transaction."""
    statement = _MEMBER if lock is None else _MEMBER_LOCKING[lock]
    found = (
        await session.execute(statement, {"group": group_id, "user": user.telegram_user_id})
    ).first()
    if found is not None and lock is not None:
        note_held(session, lock, found[1].id if lock == "people" else group_id)
    if found is not None and found[0].active:
        return found[0], found[1], found[2], False
    membership = await _join_with_telegram_name(session, group_id, user, now=now)
    person, group = await session.get(Person, membership.person_id), await session.get(
        Group, group_id
    )
    assert person is not None and group is not None
    return membership, person, group, True


def telegram_name(full_name: str) -> str | None:
    """A Telegram name as a display name (cut to fit), or None when it shows nothing."""
    cleaned = clean_name(full_name[: MAX_NAME * 2], MAX_NAME * 2)
    if isinstance(cleaned, TextProblem):
        return None
    return cleaned[:MAX_NAME].strip() or None


async def _join_with_telegram_name(
    session: AsyncSession, group_id: int, user: UserRef, *, now: datetime
) -> Membership:
    """Sign a user up as they act, as /signup without a name does (a former member under
    the name the team knew them by); when that name is taken, under their Telegram name
    numbered."""
    first = await signup(session, group_id, user, Profile(None), now=now)
    if isinstance(first, Registered | Updated | Unchanged):
        return first.membership
    shown = telegram_name(user.full_name)
    group = await session.get(Group, group_id)
    unnamed = UNNAMED.get(group.language if group else "", UNNAMED["zh_CN"])
    for suffix in range(1, 100):
        if shown is None:
            name = f"{unnamed} {suffix}"
        else:
            name = shown if suffix == 1 else f"{shown[: MAX_NAME - 3]} {suffix}"
        result = await signup(session, group_id, user, Profile(name), now=now)
        if isinstance(result, Registered | Updated | Unchanged):
            return result.membership
        if isinstance(result, NameReserved):
            shown = None  # it reads as an erased volunteer's label: as if it showed nothing
    raise RuntimeError("no free display name")  # 99 namesakes in one group: a bug elsewhere


async def by_username(session: AsyncSession, group_id: int, username: str) -> Person | None:
    """A person this group has seen with that @username (the Bot API cannot look one up).

    Only the person who used it last holds it (`upsert_person`)."""
    return await session.scalar(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group_id, func.lower(Person.username) == username.lower())
        .limit(1)
    )


MAX_NAME_WORDS = 4


async def by_display_name(
    session: AsyncSession, group_id: int, words: list[str]
) -> tuple[Membership, Person, int] | None:
    """The member whose display name is the first words (longest first); with how many words.

    Active members first: a former member's name may since have gone to someone else.
    """
    for size in range(min(len(words), MAX_NAME_WORDS), 0, -1):
        key = name_key(" ".join(words[:size]))
        rows = (
            await session.execute(
                select(Membership, Person)
                .join(Person, Person.id == Membership.person_id)
                .where(Membership.group_id == group_id, Membership.name_key == key)
                .order_by(Membership.active.desc(), Membership.id.desc())
                .limit(1)
            )
        ).first()
        if rows is not None:
            return rows[0], rows[1], size
    return None


@dataclass(frozen=True)
class LeaderChanged:
    """The member became (or stopped being) a leader."""

    membership: Membership
    leader: bool


@dataclass(frozen=True)
class LeaderUnchanged:
    """They already were (or were not) a leader."""

    membership: Membership
    leader: bool


LeaderResult = LeaderChanged | LeaderUnchanged | NotMember


async def set_leader(
    session: AsyncSession, group_id: int, telegram_user_id: int, leader: bool, *, by: int,
    now: datetime,
) -> LeaderResult:
    """Promote a member to leader, or take it back (a former member's too); audited."""
    membership = await membership_of(session, group_id, telegram_user_id)
    if membership is None or (leader and not membership.active):
        return NotMember()
    if membership.is_leader == leader:
        return LeaderUnchanged(membership, leader)
    membership.is_leader = leader
    audit.record(
        session, at=now, action="leader.add" if leader else "leader.remove",
        object_type="membership", object_id=membership.id, actor=by, group_id=group_id,
        before={"is_leader": not leader}, after={"is_leader": leader},
    )
    return LeaderChanged(membership, leader)


async def person_of(session: AsyncSession, telegram_user_id: int) -> Person | None:
    """The person behind a Telegram user id, if the bot has seen them."""
    return await session.scalar(select(Person).where(Person.telegram_user_id == telegram_user_id))


async def roster_name(
    session: AsyncSession, person_id: int, group_id: int | None = None
) -> str | None:
    """What the bot calls a person: their name on this group's roster, or (privately) on the
    roster they joined last; None when they are on no roster."""
    query = select(Membership.display_name).where(Membership.person_id == person_id)
    if group_id is not None:
        query = query.where(Membership.group_id == group_id)
    return await session.scalar(
        query.order_by(Membership.active.desc(), Membership.joined_at.desc()).limit(1)
    )


async def display_names(
    session: AsyncSession, group_id: int, person_ids: set[int]
) -> dict[int, str]:
    """Person id → the name this group knows them by."""
    if not person_ids:
        return {}
    rows = await session.execute(_NAMES, {"group": group_id, "people": list(person_ids)})
    return {pid: name for pid, name in rows.all()}


@dataclass(frozen=True)
class Leader:
    """A leader of a team, as the notices need them."""

    person_id: int
    telegram_id: int
    name: str
    private_chat: bool


async def leaders_of(
    session: AsyncSession, group_id: int, admin_ids: Collection[int]
) -> list[Leader]:
    """The team's leaders: its Telegram administrators (队长; `admin_ids`, on the roster or
    not, as far as the bot has met them) and the members promoted with /leader add (副队长).

    `bot.leaders.is_leader` asks the same rule about one person at the moment of use; it also
    lets the bot's own administrators act in every team, but they lead none of them, so they
    are not named in a team's notices.
    """
    roster = (
        await session.execute(
            select(Membership.person_id, Membership.display_name, Membership.is_leader)
            .where(Membership.group_id == group_id, Membership.active)
        )
    ).all()
    names = {pid: name for pid, name, _ in roster}
    promoted = {pid for pid, _, leader in roster if leader}
    people = await session.scalars(
        select(Person)
        .where(or_(Person.id.in_(promoted), Person.telegram_user_id.in_(list(admin_ids))))
        .order_by(Person.id)
    )
    return [
        Leader(p.id, p.telegram_user_id, names.get(p.id, p.telegram_name), p.private_chat)
        for p in people.all()
    ]
