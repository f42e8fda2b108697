"""A team's volunteer list imported from the office's spreadsheet (roster import).

The list is read row by row: each row is added, updated, left as it was, or rejected with
the reason, and a bad row never stops the rest; the same file twice changes nothing. Only
the roster name, real name, building, skills, tags and a @username are kept: the other
columns of a real roster (身份证号, 手机号) are named back to the leader as not read, and
never stored. An imported volunteer is tied to a Telegram account only when a leader
confirms it, since usernames change hands.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, orgs
from storage.cleaning import TextProblem, clean_name, clean_text, name_key, strip_invisible
from storage.db import locking
from storage.members import MAX_BUILDING, MAX_NAME, MAX_SKILLS
from storage.models import Group, Membership, Person, RosterEntry

MAX_ROWS = 2000
MAX_TAGS = 200
# The fields a list may give, in the order the answer names them.
FIELDS = ("name", "real_name", "building", "skills", "tags", "username")
# Column headings as offices write them (compared after `heading_key`).
HEADINGS: dict[str, str] = {
    **dict.fromkeys(("称呼", "群内称呼", "群昵称", "昵称", "名单名", "名字", "rostername",
                     "displayname", "nickname", "name"), "name"),
    **dict.fromkeys(("姓名", "真实姓名", "真名", "实名", "realname", "fullname"), "real_name"),
    **dict.fromkeys(("楼栋", "楼号", "楼宇", "楼栋号", "所在楼栋", "building"), "building"),
    **dict.fromkeys(("技能", "特长", "专长", "技能特长", "skills", "skill"), "skills"),
    **dict.fromkeys(("标签", "tags", "tag"), "tags"),
    **dict.fromkeys(("telegram", "tg", "用户名", "telegram用户名", "tg用户名", "username",
                     "telegramusername", "@"), "username"),
}
_NOTE = re.compile(r"[(（\[【].*?[)）\]】]")  # 姓名（必填）, Building (optional)
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
# An ID card number (18 characters, the last may be X) or a mainland mobile number: never
# kept, even in a column that is read.
_IDENTITY = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|1[3-9]\d{9}|\d{15})(?![\dXx])")
_LINK = re.compile(r"^(?:https?://)?(?:t\.me|telegram\.me)/", re.IGNORECASE)


def heading_key(text: str) -> str:
    """A heading as compared: full-width forms, case, spacing, a `*` for required and a
    bracketed note do not matter."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _NOTE.sub("", folded).replace("*", "").replace("_", "")
    return "".join(folded.split()).rstrip(":：")


@dataclass(frozen=True)
class Columns:
    """Which column holds which field, and the headings not read."""

    at: dict[str, int]
    ignored: tuple[str, ...]


def read_headings(cells: Sequence[str]) -> Columns | None:
    """The heading row's columns; None when no column gives a name. A list with only
    姓名 uses it as the roster name too."""
    at: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        heading = " ".join(cell.split())
        if not heading:
            continue
        field = HEADINGS.get(heading_key(heading))
        if field is None or field in at:
            ignored.append(heading)
        else:
            at[field] = index
    if "name" not in at and "real_name" not in at:
        return None
    return Columns(at, tuple(ignored))


HEADING_WITHIN = 10  # a title, a date or a note may stand above the headings


def heading_row(rows: Sequence[tuple[int, Sequence[str]]]) -> tuple[Columns, int] | None:
    """The columns and index of the first row (of the first few) that names a column of
    names: offices put a title row ("…志愿者名单（2026年）") above the headings."""
    for index, (_, cells) in enumerate(rows[:HEADING_WITHIN]):
        columns = read_headings(cells)
        if columns is not None:
            return columns, index
    return None


def has_headings(table: Sequence[tuple[int, Sequence[str]]]) -> bool:
    """Could the table (a sheet) be a list?"""
    return heading_row([(n, c) for n, c in table if any(x.strip() for x in c)]) is not None


class RowProblem(enum.Enum):
    """Why a row was not imported."""

    NO_NAME = "no_name"
    BAD_NAME = "bad_name"  # too long, or nothing visible
    BAD_FIELD = "bad_field"  # real name, building, skills or tags too long or unreadable
    BAD_USERNAME = "bad_username"
    SAME_NAME = "same_name"  # an earlier row of the file has this name
    SAME_USERNAME = "same_username"  # an earlier row, or another imported name, has it
    IDENTITY = "identity"  # an ID card or phone number in a field that is kept


@dataclass(frozen=True)
class Added:
    line: int
    name: str


@dataclass(frozen=True)
class Updated:
    line: int
    name: str
    changed: tuple[str, ...]  # fields, in FIELDS order


@dataclass(frozen=True)
class Unchanged:
    line: int
    name: str


@dataclass(frozen=True)
class Rejected:
    line: int
    problem: RowProblem
    field: str | None = None  # BAD_FIELD: which one
    other_line: int | None = None  # SAME_*: the earlier row of the file
    other_name: str | None = None  # SAME_USERNAME: the imported name that has it
    typed: str = ""  # what the row said, shortened


RowOutcome = Added | Updated | Unchanged | Rejected


@dataclass(frozen=True)
class Imported:
    """What became of each row, and the headings not read."""

    rows: tuple[RowOutcome, ...]
    ignored: tuple[str, ...]
    too_many: bool = False  # rows past MAX_ROWS were not read

    def count(self, kind: type[RowOutcome]) -> int:
        return sum(1 for row in self.rows if isinstance(row, kind))


@dataclass(frozen=True)
class NoNameColumn:
    """The file's first row names no column of names (姓名 or 称呼)."""

    headings: tuple[str, ...]


def _username(raw: str) -> str | RowProblem | None:
    """`@wang`, `wang`, `t.me/wang` → `wang`; empty → None."""
    typed = unicodedata.normalize("NFKC", raw).strip()
    text = _LINK.sub("", typed).lstrip("@").strip("/ ")
    if not typed:
        return None
    return text if _USERNAME.fullmatch(text) else RowProblem.BAD_USERNAME


def _cell(cells: Sequence[str], columns: Columns, field: str) -> str | None:
    """The row's text for a field; None when the file has no such column."""
    index = columns.at.get(field)
    if index is None:
        return None
    return cells[index] if index < len(cells) else ""


LIMITS = {"real_name": orgs.MAX_REAL_NAME, "building": MAX_BUILDING, "skills": MAX_SKILLS,
          "tags": MAX_TAGS}


def _read_row(line: int, cells: Sequence[str], columns: Columns
              ) -> dict[str, str | None] | Rejected:
    """The row's values (a field absent from the file is left out; empty is None)."""
    raw_name = _cell(cells, columns, "name") or ""
    raw_real = _cell(cells, columns, "real_name") or ""
    typed = " ".join((raw_name or raw_real).split())[:20]
    if not strip_invisible(raw_name):
        raw_name = raw_real  # a list with 姓名 only: the roster name is the real name
    name = clean_name(raw_name, MAX_NAME)
    if name is TextProblem.EMPTY:
        return Rejected(line, RowProblem.NO_NAME)
    if isinstance(name, TextProblem):
        return Rejected(line, RowProblem.BAD_NAME, typed=typed)
    values: dict[str, str | None] = {"name": name}
    for field, limit in LIMITS.items():
        raw = _cell(cells, columns, field)
        if raw is None:
            continue
        cleaned = (clean_name(raw, limit) if field == "real_name" else clean_text(raw, limit))
        if cleaned is TextProblem.EMPTY:
            values[field] = None
        elif isinstance(cleaned, TextProblem):
            return Rejected(line, RowProblem.BAD_FIELD, field=field, typed=typed)
        else:
            values[field] = cleaned
    for field, value in values.items():
        if value is not None and _IDENTITY.search(value):
            return Rejected(line, RowProblem.IDENTITY, field=field)
    raw_user = _cell(cells, columns, "username")
    if raw_user is not None:
        user = _username(raw_user)
        if isinstance(user, RowProblem):
            return Rejected(line, user, typed=raw_user.strip()[:40])
        values["username"] = user
    return values


def _snapshot(entry: RosterEntry) -> dict[str, Any]:
    return {field: getattr(entry, field) for field in FIELDS}


async def import_rows(
    session: AsyncSession, group_id: int, table: Sequence[tuple[int, Sequence[str]]], *,
    actor: int | None, source: str, now: datetime,
) -> Imported | NoNameColumn:
    """Import a table (line number, cells), its first row the headings, into the team's
    list. Rows are matched to the list by their roster name."""
    rows = [(line, cells) for line, cells in table if any(c.strip() for c in cells)]
    if not rows:
        return NoNameColumn(())
    found = heading_row(rows)
    if found is None:
        return NoNameColumn(tuple(c for c in rows[0][1] if c.strip()))
    columns, at = found
    body = rows[at + 1:]
    # One import at a time per team: a list sent twice at once must not add anyone twice.
    await session.scalar(locking(select(Group.id).where(Group.id == group_id)))
    too_many = len(body) > MAX_ROWS
    existing = list(await session.scalars(
        select(RosterEntry).where(RosterEntry.group_id == group_id)
    ))
    by_key = {e.name_key: e for e in existing}
    by_user = {e.username.lower(): e for e in existing if e.username}
    seen_keys: dict[str, int] = {}
    seen_users: dict[str, int] = {}
    outcomes: list[RowOutcome] = []
    for line, cells in body[:MAX_ROWS]:
        values = _read_row(line, cells, columns)
        if isinstance(values, Rejected):
            outcomes.append(values)
            continue
        name = str(values["name"])
        key = name_key(name)
        if key in seen_keys:
            outcomes.append(Rejected(line, RowProblem.SAME_NAME, other_line=seen_keys[key],
                                     typed=name))
            continue
        user = values.get("username")
        holder = by_user.get(user.lower()) if user else None
        if user and user.lower() in seen_users:
            outcomes.append(Rejected(line, RowProblem.SAME_USERNAME,
                                     other_line=seen_users[user.lower()], typed="@" + user))
            continue
        renamed = holder if holder is not None and holder.name_key != key else None
        if renamed is not None and (key in by_key or renamed.name_key in seen_keys):
            outcomes.append(Rejected(line, RowProblem.SAME_USERNAME, other_name=renamed.name,
                                     typed="@" + (user or "")))
            continue
        seen_keys[key] = line
        if user:
            seen_users[user.lower()] = line
        entry = by_key.get(key)
        if renamed is not None:  # the list renamed the volunteer: the same @username
            by_key.pop(renamed.name_key, None)
            renamed.name_key = key
            by_key[key] = entry = renamed
        if entry is None:
            entry = RosterEntry(group_id=group_id, name=name, name_key=key, created_at=now,
                                updated_at=now, **{f: v for f, v in values.items()
                                                   if f != "name"})
            session.add(entry)
            by_key[key] = entry
            if user:
                by_user[user.lower()] = entry
            outcomes.append(Added(line, name))
            continue
        before = _snapshot(entry)
        for field, value in values.items():
            setattr(entry, field, value)
        after = _snapshot(entry)
        changed = tuple(f for f in FIELDS if before[f] != after[f])
        if not changed:
            outcomes.append(Unchanged(line, name))
            continue
        entry.updated_at = now
        if before["username"] and before["username"] != after["username"]:
            by_user.pop(str(before["username"]).lower(), None)
        if user:
            by_user[user.lower()] = entry
        await session.flush()
        audit.record(
            session, at=now, action="roster_entry.update", object_type="roster_entry",
            object_id=entry.id, actor=actor, group_id=group_id, before=before, after=after,
        )
        if entry.person_id is not None:
            await _apply(session, entry, changed, actor, now)
        outcomes.append(Updated(line, name, changed))
    result = Imported(tuple(outcomes), columns.ignored, too_many)
    audit.record(
        session, at=now, action="roster.import", object_type="group", object_id=group_id,
        actor=actor, group_id=group_id,
        after={"source": source[:100], "added": result.count(Added),
               "updated": result.count(Updated), "unchanged": result.count(Unchanged),
               "rejected": result.count(Rejected), "ignored": list(columns.ignored)},
    )
    return result


# ---- linking an imported volunteer to a member -----------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A member who may be the imported volunteer: the same @username, or (where the list
    gives none) the same roster name. Only a leader's tap links them."""

    entry_id: int
    name: str
    building: str | None
    person_id: int
    username: str | None
    member_name: str
    telegram_name: str
    joined: datetime


async def candidates(session: AsyncSession, group_id: int,
                     names: Collection[str] | None = None) -> list[Candidate]:
    """The team's imported volunteers not yet linked (of those `names`, when given), each
    with the member who may be them."""
    entries = [e for e in await session.scalars(
        select(RosterEntry)
        .where(RosterEntry.group_id == group_id, RosterEntry.person_id.is_(None))
        .order_by(RosterEntry.id)
    ) if names is None or e.name in names]
    if not entries:
        return []
    linked = set(await session.scalars(
        select(RosterEntry.person_id)
        .where(RosterEntry.group_id == group_id, RosterEntry.person_id.is_not(None))
    ))
    rows = (await session.execute(
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.group_id == group_id, Membership.active)
    )).all()
    by_user = {p.username.lower(): (m, p) for m, p in rows if p.username}
    by_key = {m.name_key: (m, p) for m, p in rows}
    found = []
    for entry in entries:
        hit = (by_user.get(entry.username.lower()) if entry.username
               else by_key.get(entry.name_key))
        if hit is None or hit[1].id in linked or hit[1].id == entry.declined_person_id:
            continue
        membership, person = hit
        found.append(Candidate(entry.id, entry.name, entry.building, person.id,
                               person.username, membership.display_name,
                               person.telegram_name, membership.joined_at))
    return found


@dataclass(frozen=True)
class Linked:
    """The member is the imported volunteer now: their roster details came from the list."""

    entry: RosterEntry
    member_name: str
    changed: tuple[str, ...]
    kept_real_name: str | None  # the person's own real name, left as it was


@dataclass(frozen=True)
class LinkGone:
    """Linked already, someone else's now, or the member left: nothing done."""

    already: bool = False  # linked to this very member (a second tap)


async def _membership(session: AsyncSession, group_id: int, person_id: int) -> Membership | None:
    return await session.scalar(
        select(Membership).where(Membership.group_id == group_id,
                                 Membership.person_id == person_id, Membership.active)
    )


async def _apply(session: AsyncSession, entry: RosterEntry, fields: Sequence[str],
                 actor: int | None = None, now: datetime | None = None, *,
                 fill: bool = False) -> tuple[str, ...]:
    """Copy the list's fields onto the linked member's roster entry; the names of the
    membership fields changed. A roster name another member uses stays as it was; with
    `fill` (linking) a building or skills the member gave stay too."""
    assert entry.person_id is not None
    membership = await _membership(session, entry.group_id, entry.person_id)
    if membership is None:
        return ()
    changed = []
    if "name" in fields and membership.name_key != entry.name_key:
        taken = await session.scalar(
            select(func.count(Membership.id)).where(
                Membership.group_id == entry.group_id, Membership.name_key == entry.name_key,
                Membership.active, Membership.id != membership.id,
            )
        )
        if not taken:
            membership.display_name, membership.name_key = entry.name, entry.name_key
            changed.append("name")
    for field in ("building", "skills"):
        value = getattr(entry, field)
        own = getattr(membership, field)
        if field in fields and value is not None and own != value and not (fill and own):
            setattr(membership, field, value)
            changed.append(field)
    person = await session.get(Person, entry.person_id)
    if ("real_name" in fields and entry.real_name and person is not None
            and person.real_name is None and actor is not None and now is not None):
        orgs.set_real_name(session, person, entry.real_name, actor=actor, now=now)
        changed.append("real_name")
    return tuple(changed)


async def link(session: AsyncSession, group_id: int, entry_id: int, person_id: int, *,
               actor: int, now: datetime) -> Linked | LinkGone:
    """A leader confirmed that the member is the imported volunteer (the entry's row is
    locked: a double tap links once)."""
    entry = await session.scalar(locking(select(RosterEntry).where(RosterEntry.id == entry_id)))
    if entry is None or entry.group_id != group_id or entry.person_id is not None:
        return LinkGone(already=entry is not None and entry.person_id == person_id)
    # The member's row is locked too: two entries tapped at once cannot both take them.
    membership = await session.scalar(locking(
        select(Membership).where(Membership.group_id == group_id,
                                 Membership.person_id == person_id, Membership.active)
    ))
    other = await session.scalar(
        select(RosterEntry.id).where(RosterEntry.group_id == group_id,
                                     RosterEntry.person_id == person_id)
    )
    if other is not None or membership is None:
        return LinkGone()
    before = {"display_name": membership.display_name, "building": membership.building,
              "skills": membership.skills}
    entry.person_id, entry.linked_at, entry.linked_by = person_id, now, actor
    changed = await _apply(session, entry, FIELDS, actor, now, fill=True)
    person = await session.get(Person, person_id)
    kept = (person.real_name if person is not None and entry.real_name
            and person.real_name not in (None, entry.real_name) else None)
    audit.record(
        session, at=now, action="roster_entry.link", object_type="roster_entry",
        object_id=entry.id, actor=actor, group_id=group_id,
        before=before, after={"person": person_id, "changed": list(changed)},
    )
    return Linked(entry, membership.display_name, changed, kept)


async def decline(session: AsyncSession, group_id: int, entry_id: int, person_id: int, *,
                  actor: int, now: datetime) -> bool:
    """A leader said the member is someone else: not asked about this pair again."""
    entry = await session.scalar(locking(select(RosterEntry).where(RosterEntry.id == entry_id)))
    if entry is None or entry.group_id != group_id or entry.person_id is not None:
        return False
    entry.declined_person_id = person_id
    audit.record(
        session, at=now, action="roster_entry.decline", object_type="roster_entry",
        object_id=entry.id, actor=actor, group_id=group_id, after={"person": person_id},
    )
    return True


@dataclass(frozen=True)
class Removed:
    """The volunteer is off the imported list (a linked member stays on the roster)."""

    entry: RosterEntry


async def remove(session: AsyncSession, group_ids: Sequence[int], name: str, *, actor: int,
                 now: datetime) -> Removed | list[int]:
    """Take a volunteer off a team's imported list by roster name, audited with what the
    entry said; the ids of the teams whose lists have that name when it is not one."""
    found = list(await session.scalars(
        select(RosterEntry).where(RosterEntry.group_id.in_(group_ids),
                                  RosterEntry.name_key == name_key(name))
    ))
    if len(found) != 1:
        return [e.group_id for e in found]
    entry = found[0]
    audit.record(
        session, at=now, action="roster_entry.remove", object_type="roster_entry",
        object_id=entry.id, actor=actor, group_id=entry.group_id,
        before={**_snapshot(entry), "person": entry.person_id},
    )
    await session.delete(entry)
    return Removed(entry)


async def group_of_entry(session: AsyncSession, entry_id: int) -> Group | None:
    """The team whose list holds the entry."""
    entry = await session.get(RosterEntry, entry_id)
    return await session.get(Group, entry.group_id) if entry is not None else None


async def entry_name(session: AsyncSession, entry_id: int) -> str:
    """The entry's roster name ("" if gone)."""
    entry = await session.get(RosterEntry, entry_id)
    return entry.name if entry is not None else ""


async def member_label(session: AsyncSession, group_id: int, person_id: int) -> str:
    """How the member is shown in a link question: @username, else the roster name."""
    person = await session.get(Person, person_id)
    if person is not None and person.username:
        return "@" + person.username
    membership = await _membership(session, group_id, person_id)
    return membership.display_name if membership is not None else "?"


async def entry_counts(session: AsyncSession, group_id: int) -> tuple[int, int]:
    """(imported volunteers, of them linked to a member)."""
    total, linked = (await session.execute(
        select(func.count(RosterEntry.id), func.count(RosterEntry.person_id))
        .where(RosterEntry.group_id == group_id)
    )).one()
    return int(total), int(linked)
