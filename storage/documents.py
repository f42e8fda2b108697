"""Requests for the office's documents: who asked, for what, and the deep link that only
they can open (files hold personal data: they go privately, and every one sent is audited)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.models import DocumentRequest, Group, Organisation, Person

LINK_VALID = timedelta(hours=24)
LINK_PREFIX = "d-"


def new_request(
    session: AsyncSession, *, kind: str, person: Person, group_id: int | None,
    org_id: int | None, params: dict[str, Any], language: str, now: datetime,
    valid: timedelta = LINK_VALID,
) -> DocumentRequest:
    """A document asked for by a team's leader (group_id) or an office's staff (org_id), or
    a question waiting for the person's answer; open for `valid`."""
    request = DocumentRequest(
        token=secrets.token_urlsafe(12), kind=kind, person_id=person.id, group_id=group_id,
        org_id=org_id, params=params, language=language, created_at=now,
        expires_at=now + valid,
    )
    session.add(request)
    return request


@dataclass(frozen=True)
class Ready:
    """The request is the caller's and still valid."""

    request: DocumentRequest
    group: Group | None
    org: Organisation | None


@dataclass(frozen=True)
class LinkExpired:
    """Unknown, or older than a day: ask again."""


@dataclass(frozen=True)
class NotYours:
    """Someone else asked for it: only they get the file."""


OpenResult = Ready | LinkExpired | NotYours


async def open_request(
    session: AsyncSession, token: str, person_id: int, *, now: datetime
) -> OpenResult:
    """The request behind a deep link, for the person who asked, within a day."""
    request = await session.scalar(
        select(DocumentRequest).where(DocumentRequest.token == token)
    )
    if request is None or request.expires_at <= now:
        return LinkExpired()
    if request.person_id != person_id:
        return NotYours()
    group = await session.get(Group, request.group_id) if request.group_id else None
    org = await session.get(Organisation, request.org_id) if request.org_id else None
    return Ready(request, group, org)


def note_sent(
    session: AsyncSession, request: DocumentRequest, *, actor: int, what: dict[str, Any],
    now: datetime,
) -> None:
    """Write down a document that went out: who got it, what, which period."""
    audit.record(
        session, at=now, action="document.send", object_type="document_request",
        object_id=request.id, actor=actor, group_id=request.group_id,
        after={"kind": request.kind, "org_id": request.org_id, **what},
    )


async def latest_request(session: AsyncSession, person_id: int, kinds: tuple[str, ...], *,
                         now: datetime, expired_too: bool = False) -> DocumentRequest | None:
    """The person's newest request of those kinds still valid at `now` (what a reply
    answers); with `expired_too`, the newest made since `now`, valid or not."""
    query = select(DocumentRequest).where(
        DocumentRequest.person_id == person_id, DocumentRequest.kind.in_(kinds),
    )
    query = query.where(DocumentRequest.created_at > now) if expired_too else query.where(
        DocumentRequest.expires_at > now)
    return await session.scalar(
        query.order_by(DocumentRequest.created_at.desc(), DocumentRequest.id.desc()).limit(1)
    )


async def use_request(session: AsyncSession, request_id: int, *,
                      now: datetime) -> DocumentRequest | None:
    """One answer per question: the request ends now (None: it is gone)."""
    request = await session.get(DocumentRequest, request_id)
    if request is not None:
        request.expires_at = now
    return request


async def expire_requests(session: AsyncSession, person_id: int, kinds: tuple[str, ...], *,
                          now: datetime) -> None:
    """End the person's open requests of those kinds (a new question replaces them)."""
    await session.execute(
        update(DocumentRequest)
        .where(DocumentRequest.person_id == person_id, DocumentRequest.kind.in_(kinds),
               DocumentRequest.expires_at > now)
        .values(expires_at=now)
    )
