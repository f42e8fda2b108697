"""The places duties name (2号投放点, 东门) and their check-in codes.

A poster at the place carries a QR code of `https://t.me/<bot>?start=p-<token>`; the token
is 16 random bytes in base64url (22 characters, within a start payload's 64 of A–Z, a–z,
0–9, _ and -) and only its SHA-256 is stored. The posters Telegram holds are sent again by
file id; `renew` gives the place a new token, and old posters stop working.
"""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.attendance import place_matches
from storage.cleaning import name_key
from storage.models import Duty, DutyStatus, Group, Person, Place

LINK_PREFIX = "p-"
TOKEN_BYTES = 16


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def new_token() -> str:
    """16 random bytes, base64url without padding: 22 characters."""
    return base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).rstrip(b"=").decode()


async def names(session: AsyncSession, group_id: int) -> list[str]:
    """The places the team's duties name (active duties), in order."""
    found = await session.scalars(
        select(Duty.place).where(Duty.group_id == group_id, Duty.status == DutyStatus.ACTIVE,
                                 Duty.place.is_not(None)).distinct()
    )
    return sorted({p for p in found if p})


async def with_codes(session: AsyncSession, group_id: int) -> set[str]:
    """The name keys of the places that have a check-in code."""
    return set(await session.scalars(
        select(Place.name_key).where(Place.group_id == group_id, Place.token_hash.is_not(None))
    ))


async def find(session: AsyncSession, group_id: int, typed: str) -> str | None:
    """The place a leader means (`3号点` for `3号投放点`): exactly, else the one match."""
    known = await names(session, group_id)
    exact = [p for p in known if name_key(p) == name_key(typed)]
    if exact:
        return exact[0]
    close = [p for p in known if place_matches(p, typed)]
    return close[0] if len(close) == 1 else None


async def posters(session: AsyncSession, group_id: int, name: str) -> tuple[str, str] | None:
    """The Telegram file ids (PDF, PNG) of the place's current posters, if it has a code."""
    place = await session.scalar(
        select(Place).where(Place.group_id == group_id, Place.name_key == name_key(name))
    )
    if place is None or place.token_hash is None or not place.poster_pdf or not place.poster_png:
        return None
    return place.poster_pdf, place.poster_png


async def set_code(session: AsyncSession, group: Group, name: str, token: str, *,
                   pdf: str, png: str, actor: int, now: datetime) -> Place:
    """The place's code is `token` now (its posters were just delivered): a code it had
    before stops working (audited)."""
    place = await session.scalar(
        select(Place).where(Place.group_id == group.id, Place.name_key == name_key(name))
    )
    if place is None:
        place = Place(group_id=group.id, name=name, name_key=name_key(name), created_at=now)
        session.add(place)
    replaced = place.token_hash is not None
    place.token_hash, place.token_at = _hash(token), now
    place.poster_pdf, place.poster_png = pdf, png
    await session.flush()
    audit.record(
        session, at=now, action="place.code_renew" if replaced else "place.code",
        object_type="place", object_id=place.id, actor=actor, group_id=group.id,
        after={"place": place.name},
    )
    return place


async def by_token(session: AsyncSession, token: str) -> Place | None:
    """The place a scanned code names (a replaced code names none)."""
    if not token.isascii() or len(token) > 64:
        return None
    return await session.scalar(select(Place).where(Place.token_hash == _hash(token)))


DEFAULT_RADIUS = 150  # metres
MAX_RADIUS = 2000
EARTH_RADIUS = 6_371_000  # metres


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """The great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS * math.asin(math.sqrt(a)))


async def place_named(session: AsyncSession, group_id: int, name: str) -> Place | None:
    """The stored place of that name (with its code and position), if any."""
    return await session.scalar(
        select(Place).where(Place.group_id == group_id, Place.name_key == name_key(name))
    )


async def set_position(session: AsyncSession, group: Group, name: str, latitude: float,
                       longitude: float, radius: int, *, actor: int, now: datetime) -> Place:
    """Where the place is, and how near counts as there (audited)."""
    place = await place_named(session, group.id, name)
    if place is None:
        place = Place(group_id=group.id, name=name, name_key=name_key(name), created_at=now)
        session.add(place)
    before = {"latitude": place.latitude, "longitude": place.longitude,
              "radius": place.radius}
    place.latitude, place.longitude, place.radius = latitude, longitude, radius
    await session.flush()
    audit.record(
        session, at=now, action="place.position", object_type="place", object_id=place.id,
        actor=actor, group_id=group.id, before=before,
        after={"latitude": latitude, "longitude": longitude, "radius": radius},
    )
    return place


async def positions(session: AsyncSession, group_id: int) -> list[str]:
    """The names of the team's places that have a position."""
    return list(await session.scalars(
        select(Place.name).where(Place.group_id == group_id, Place.latitude.is_not(None))
    ))


async def nearest(session: AsyncSession, group_id: int, latitude: float, longitude: float,
                  among: Sequence[str]) -> tuple[Place, int] | None:
    """The nearest of the named places that has a position, with its distance."""
    keys = {name_key(n) for n in among}
    found = [
        (p, distance_m(p.latitude, p.longitude, latitude, longitude))
        for p in await session.scalars(select(Place).where(Place.group_id == group_id))
        if p.name_key in keys and p.latitude is not None and p.longitude is not None
    ]
    return min(found, key=lambda pair: pair[1]) if found else None


@dataclass(frozen=True)
class Near:
    """Within the place's radius: presence shown."""

    place: Place
    distance: int


@dataclass(frozen=True)
class TooFar:
    """Outside the radius: refused (and written in the audit log, distance only)."""

    place: Place
    distance: int


async def judge_location(
    session: AsyncSession, group_id: int, latitude: float, longitude: float, *,
    among: Sequence[str], actor: int, now: datetime,
) -> Near | TooFar | None:
    """Is a shared location at one of the named places? The nearest with a position decides
    (None: none of them has one); only the distance is kept, never the location."""
    found = await nearest(session, group_id, latitude, longitude, among)
    if found is None:
        return None
    spot, distance = found
    if distance > spot.radius:
        audit.record(
            session, at=now, action="attendance.location_refused", object_type="place",
            object_id=spot.id, actor=actor, group_id=group_id,
            after={"distance": distance, "radius": spot.radius},
        )
        return TooFar(spot, distance)
    return Near(spot, distance)


def consent_to_location(session: AsyncSession, person: Person, *, actor: int,
                        now: datetime) -> None:
    """The person agreed, once, that their location may be asked for check-in."""
    person.location_consent = True
    audit.record(session, at=now, action="person.location_consent", object_type="person",
                 object_id=person.id, actor=actor, after={"consent": True})
