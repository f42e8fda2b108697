"""Recognition: star levels from confirmed hours (一星 100 h … 五星 1500 h by default).

Pending hours do not count; a correction that takes someone below a threshold simply lowers
the level shown. Until teams join an organisation, a person's stars are counted per team, on
that team's hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.attendance import minutes_between
from storage.models import Group, Membership

DEFAULT_STAR_HOURS = (100, 300, 600, 1000, 1500)  # the common local rule


@dataclass(frozen=True)
class Stars:
    """A level (0: none yet), the hours of the next one (None at the top) and the minutes
    still to serve for it."""

    level: int
    next_hours: int | None
    missing_minutes: int


def stars(confirmed_minutes: int, star_hours: Sequence[int]) -> Stars:
    """The level confirmed minutes reach under thresholds in hours (ascending)."""
    level = sum(1 for hours in star_hours if confirmed_minutes >= hours * 60)
    if level >= len(star_hours):
        return Stars(level, None, 0)
    next_hours = star_hours[level]
    return Stars(level, next_hours, next_hours * 60 - confirmed_minutes)


async def team_stars(
    session: AsyncSession, person_id: int, star_hours: Sequence[int]
) -> list[tuple[str, Stars]]:
    """The person's stars in each team they are on (team title, stars), by confirmed hours."""
    teams = (
        await session.execute(
            select(Group.id, Group.title)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.person_id == person_id, Membership.active)
            .order_by(Group.id)
        )
    ).all()
    found = []
    for group_id, title in teams:
        hours = await minutes_between(session, person_id=person_id, group_id=group_id)
        found.append((title, stars(hours.confirmed, star_hours)))
    return found
