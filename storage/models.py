"""The data model: SQLAlchemy 2 typed declarative models, one module.

Every table refers to a group by its internal id: a Telegram chat id changes when a group
becomes a supergroup. People are apart from their team memberships.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention Alembic needs on SQLite."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class GroupStatus(enum.StrEnum):
    """Where a group stands with the bot."""

    PENDING = "pending"
    ACTIVE = "active"
    LEFT = "left"


class Group(Base):
    """A volunteer team's Telegram group."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[GroupStatus] = mapped_column(
        Enum(
            GroupStatus, native_enum=False, length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    approved_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    pending_notice_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Leaders' choices (`/settings key=value`); absent keys take the defaults in settings.py.
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Why automatic posts could not go out (missing rights, a closed topic); None when fine.
    needs_attention: Mapped[str | None] = mapped_column(String(200), default=None)

    memberships: Mapped[list[Membership]] = relationship(back_populates="group")


class Person(Base):
    """A human, across every team they serve in; hours and clashes belong here."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    telegram_name: Mapped[str] = mapped_column(String(255), default="")
    username: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    language_code: Mapped[str | None] = mapped_column(String(16), default=None)
    # 实名: set privately by the person, by office staff or by an import; shown only on
    # documents and to leaders and staff, never in a group.
    real_name: Mapped[str | None] = mapped_column(String(64), default=None)
    private_chat: Mapped[bool] = mapped_column(Boolean, default=False)
    # /me hide: counted everywhere, named in no top list or announcement.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # /remindme on: duty reminders privately too.
    # Asked once before the bot asks for their location (None: not asked yet); only the
    # distance to the place is ever kept.
    location_consent: Mapped[bool | None] = mapped_column(Boolean, default=None)
    remind_private: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(back_populates="person")


class Membership(Base):
    """A person's place in one team: the name the team knows them by, where they serve."""

    __tablename__ = "memberships"
    __table_args__ = (
        Index("uq_memberships_group_person", "group_id", "person_id", unique=True),
        # Display names are unique among a group's active members; former members keep
        # their name in the history without blocking it.
        Index(
            "uq_memberships_active_name",
            "group_id",
            "name_key",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    display_name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(64))
    building: Mapped[str | None] = mapped_column(String(64), default=None)
    skills: Mapped[str | None] = mapped_column(String(200), default=None)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    group: Mapped[Group] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(back_populates="memberships")


class AuditEntry(Base):
    """One change someone made: who, what, on which object, before and after."""

    __tablename__ = "audit_log"
    # A record's corrections, read back for the ledger's 更正记录.
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="RESTRICT"), default=None, index=True
    )
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)


class DutyStatus(enum.StrEnum):
    """A duty runs, is paused (no new shifts), or is archived (removed; history kept)."""

    ACTIVE = "active"
    PAUSED = "paused"
    ARCHIVED = "archived"


def _enum(cls: type[enum.StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Duty(Base):
    """A recurring duty as a leader described it: an RRULE over local wall-clock times."""

    __tablename__ = "duties"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    rrule: Mapped[str | None] = mapped_column(String(200), default=None)
    first_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    need_min: Mapped[int] = mapped_column(Integer)
    need_max: Mapped[int] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(64), default=None)
    exdates: Mapped[list[str]] = mapped_column(JSON, default=list)
    rdates: Mapped[list[str]] = mapped_column(JSON, default=list)
    reminder_lead: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[DutyStatus] = mapped_column(_enum(DutyStatus), default=DutyStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)


class ShiftStatus(enum.StrEnum):
    """An occurrence happens, or was cancelled (nobody gets hours or a no-show for it)."""

    OPEN = "open"
    CANCELLED = "cancelled"


class Shift(Base):
    """One materialised occurrence of a duty: unique per (duty, local date), edited in place."""

    __tablename__ = "shifts"
    __table_args__ = (Index("uq_shifts_duty_date", "duty_id", "local_date", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("duties.id", ondelete="RESTRICT"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"), index=True)
    local_date: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    need_min: Mapped[int] = mapped_column(Integer)
    need_max: Mapped[int] = mapped_column(Integer)
    status: Mapped[ShiftStatus] = mapped_column(_enum(ShiftStatus), default=ShiftStatus.OPEN)
    cancel_reason: Mapped[str | None] = mapped_column(String(200), default=None)

    duty: Mapped[Duty] = relationship()


class ClaimKind(enum.StrEnum):
    """How a person came to be on a shift."""

    SELF = "self"
    STANDING = "standing"
    ASSIGNED = "assigned"
    WAITLIST = "waitlist"
    COVER = "cover"


class ClaimStatus(enum.StrEnum):
    """Where a claim stands; only ACTIVE ones count against capacity."""

    ACTIVE = "active"
    WAITING = "waiting"
    RELEASED = "released"
    DROPPED = "dropped"


class Claim(Base):
    """A person on (or waiting for) a shift: who, when, how."""

    __tablename__ = "claims"
    __table_args__ = (
        Index(
            "uq_claims_live",
            "shift_id",
            "person_id",
            unique=True,
            sqlite_where=text("status IN ('active', 'waiting')"),
            postgresql_where=text("status IN ('active', 'waiting')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(
        ForeignKey("shifts.id", ondelete="RESTRICT"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[ClaimKind] = mapped_column(_enum(ClaimKind))
    status: Mapped[ClaimStatus] = mapped_column(_enum(ClaimStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_reason: Mapped[str | None] = mapped_column(String(32), default=None)

    person: Mapped[Person] = relationship()


class StandingSlot(Base):
    """A person holds a duty's slot on every occurrence (or one weekday) until released.

    "Tuesday nights are Mrs. Chen's."
    """

    __tablename__ = "standing_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("duties.id", ondelete="RESTRICT"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    weekday: Mapped[int | None] = mapped_column(Integer, default=None)  # 0 = Monday
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class CoverStatus(enum.StrEnum):
    """A request for someone to take over a place."""

    OPEN = "open"
    TAKEN = "taken"
    WITHDRAWN = "withdrawn"


class CoverRequest(Base):
    """X needs someone for their place; X stays on the shift until someone takes it."""

    __tablename__ = "cover_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="RESTRICT"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="RESTRICT"))
    status: Mapped[CoverStatus] = mapped_column(_enum(CoverStatus), default=CoverStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), default=None
    )
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class RosterMessage(Base):
    """The latest roster message in a group: the only one edited when claims change."""

    __tablename__ = "roster_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="RESTRICT"), unique=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    page: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Evidence(enum.StrEnum):
    """What an attendance's hours rest on."""

    CHECKOUT = "checkout"  # checked in and out: confirmed by that evidence
    AUTO = "auto"  # the check-out was forgotten: closed by the bot, a leader confirms
    MANUAL = "manual"  # entered or corrected by a leader


class Attendance(Base):
    """A person served (or is serving) on a shift, or ad hoc on a day: hours in minutes.

    Family members who came along count in person-times only (`companions`), never by name.
    """

    __tablename__ = "attendances"
    __table_args__ = (
        Index(
            "uq_attendances_open_person",
            "person_id",
            unique=True,
            sqlite_where=text("is_open"),
            postgresql_where=text("is_open"),
        ),
        Index("uq_attendances_shift_person", "shift_id", "person_id", unique=True),
        Index("ix_attendances_group_day", "group_id", "local_date"),
        Index(
            "ix_attendances_unsettled", "unsettled",
            sqlite_where=text("unsettled"), postgresql_where=text("unsettled"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    shift_id: Mapped[int | None] = mapped_column(
        ForeignKey("shifts.id", ondelete="RESTRICT"), default=None
    )
    local_date: Mapped[date] = mapped_column(Date)
    checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    checkout_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    evidence: Mapped[Evidence | None] = mapped_column(_enum(Evidence), default=None)
    minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    companions: Mapped[int] = mapped_column(Integer, default=0)
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The span the minutes were credited for (None: nothing credited, or hours without a
    # time); no two of a person's live records may overlap, in any group.
    served_from: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    served_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # 作废: a leader voided it (`/hours … 0 <reason>`); kept in the ledger, counted nowhere.
    voided: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # How presence was shown at each end (storage.attendance.CheckSource): a command in the
    # group, a scan of the place's code, …; None for records from before it was kept.
    checkin_source: Mapped[str | None] = mapped_column(String(16), default=None)
    checkout_source: Mapped[str | None] = mapped_column(String(16), default=None)
    # Confirmed minutes already credited (points, star levels); `unsettled` marks a record
    # whose confirmed minutes changed since (set on every flush by storage.credit).
    credited: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    unsettled: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )

    shift: Mapped[Shift | None] = relationship()


class NoShow(Base):
    """A leader noted that a claimed volunteer did not come. Shown to leaders only."""

    __tablename__ = "no_shows"
    __table_args__ = (Index("uq_no_shows_shift_person", "shift_id", "person_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    reason: Mapped[str | None] = mapped_column(String(200), default=None)
    marked_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)


SQL_FALSE = text("false")  # (in Report, `text` is a column)


class Report(Base):
    """What someone saw on duty, in numbers a community office counts, plus free text."""

    __tablename__ = "reports"
    __table_args__ = (
        # One report per Telegram message: a redelivered update files nothing new.
        Index("uq_reports_group_message", "group_id", "message_id", unique=True),
        Index("ix_reports_group_day", "group_id", "local_date"),
        Index(
            "ix_reports_uncredited", "credited",
            sqlite_where=text("NOT credited"), postgresql_where=text("NOT credited"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    shift_id: Mapped[int | None] = mapped_column(
        ForeignKey("shifts.id", ondelete="RESTRICT"), default=None
    )
    local_date: Mapped[date] = mapped_column(Date)
    problems: Mapped[int] = mapped_column(Integer, default=0)
    dissuaded: Mapped[int] = mapped_column(Integer, default=0)
    grams: Mapped[int] = mapped_column(Integer, default=0)  # litter picked, in grams
    served: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[int] = mapped_column(BigInteger)
    media_group_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The report bonus (积分) was looked at by storage.credit (whatever it came to).
    credited: Mapped[bool] = mapped_column(Boolean, default=False, server_default=SQL_FALSE)


class ProblemStatus(enum.StrEnum):
    """A tracked problem is open until a leader resolves it."""

    OPEN = "open"
    RESOLVED = "resolved"


class Problem(Base):
    """One problem someone found, followed up until a leader closes it."""

    __tablename__ = "problems"
    __table_args__ = (Index("uq_problems_group_message", "group_id", "message_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="RESTRICT"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[ProblemStatus] = mapped_column(
        _enum(ProblemStatus), default=ProblemStatus.OPEN
    )
    message_id: Mapped[int] = mapped_column(BigInteger)
    media_group_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    resolved_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    resolution: Mapped[str | None] = mapped_column(String(500), default=None)


class Photo(Base):
    """A photo attached to a report or a problem: Telegram's file ids, never the bytes.

    Album photos that arrive before their captioned sibling wait here with neither owner
    (matched by `media_group_id`) and are adopted when the report is filed.
    """

    __tablename__ = "photos"
    __table_args__ = (Index("ix_photos_group_album", "group_id", "media_group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="RESTRICT"), default=None, index=True
    )
    problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("problems.id", ondelete="RESTRICT"), default=None, index=True
    )
    message_id: Mapped[int] = mapped_column(BigInteger)
    media_group_id: Mapped[str | None] = mapped_column(String(64), default=None)
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReportDraft(Base):
    """The button-only /report form: its state lives here, not in the message."""

    __tablename__ = "report_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)  # the form
    prompt_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    field: Mapped[str] = mapped_column(String(16), default="problems")
    problems: Mapped[int] = mapped_column(Integer, default=0)
    dissuaded: Mapped[int] = mapped_column(Integer, default=0)
    grams: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="RESTRICT"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxStatus(enum.StrEnum):
    """Where a planned notification stands. Only PENDING rows are ever sent."""

    PENDING = "pending"
    CLAIMED = "claimed"  # taken by a dispatcher; no request made yet
    SENDING = "sending"  # the request may be on the wire
    SENT = "sent"
    UNCERTAIN = "uncertain"  # the outcome is unknown: never resent, counted and logged
    EXPIRED = "expired"  # too late to be useful (a reminder after its shift started)
    CANCELLED = "cancelled"  # no longer true (the shift moved, the gap was filled)
    FAILED = "failed"  # Telegram refused for good (403, missing rights)


class Outbox(Base):
    """A notification the planner found due, named by what it is about (its dedupe key).

    Text is rendered when it is sent, not when planned, so a late claim still appears.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), default=None
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The dispatcher holding a claimed or sending row, and until when (storage.outbox).
    claimed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


# ---- organisations: a community office and its teams ----------------------------------------

class Organisation(Base):
    """A community office (社区居委会, 志愿服务站) that groups teams; issuer of documents.

    Stars, points and volunteer numbers belong to a person within one organisation.
    """

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Staff's choices (`/org settings key=value`); absent keys take the defaults in orgs.py.
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)


class OrgStaff(Base):
    """Office staff: they see every team's figures privately and never post in a team."""

    __tablename__ = "org_staff"
    __table_args__ = (Index("uq_org_staff_org_person", "org_id", "person_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[int | None] = mapped_column(BigInteger, default=None)


class TeamStatus(enum.StrEnum):
    """A team's request to join an organisation, and where it stands."""

    PENDING = "pending"
    JOINED = "joined"
    DECLINED = "declined"


class OrgTeam(Base):
    """A group in an organisation: shared with its staff only once they approved it."""

    __tablename__ = "org_teams"
    __table_args__ = (
        # A group is in (or asking to join) one organisation at a time.
        Index(
            "uq_org_teams_live_group", "group_id", unique=True,
            sqlite_where=text("status IN ('pending', 'joined')"),
            postgresql_where=text("status IN ('pending', 'joined')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    status: Mapped[TeamStatus] = mapped_column(_enum(TeamStatus))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decided_by: Mapped[int | None] = mapped_column(BigInteger, default=None)


class TokenKind(enum.StrEnum):
    """A join code (teams, several uses until it expires) or a staff link (one use)."""

    JOIN = "join"
    STAFF = "staff"


class OrgToken(Base):
    """A secret that lets a team ask to join, or a person become staff."""

    __tablename__ = "org_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[TokenKind] = mapped_column(_enum(TokenKind))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    used_by: Mapped[int | None] = mapped_column(BigInteger, default=None)


class OrgMember(Base):
    """A person's volunteer number in an organisation (`XFL-0042`), and their opening hours."""

    __tablename__ = "org_members"
    __table_args__ = (
        Index("uq_org_members_org_person", "org_id", "person_id", unique=True),
        Index("uq_org_members_org_number", "org_id", "number", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 期初时长: hours served before the bot; count toward stars only, never a period's figures.
    opening_minutes: Mapped[int] = mapped_column(Integer, default=0)
    opening_as_of: Mapped[date | None] = mapped_column(Date, default=None)
    opening_source: Mapped[str | None] = mapped_column(String(100), default=None)


class StarLevel(Base):
    """A star level a person reached, once per organisation (or lone team): never twice.

    `announce` is false for a level reached through opening hours or when a team joined.
    """

    __tablename__ = "star_levels"
    __table_args__ = (
        Index("uq_star_levels_scope", "scope", "person_id", "level", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))  # org:<id> or group:<id>
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    level: Mapped[int] = mapped_column(Integer)
    hours: Mapped[int] = mapped_column(Integer)  # the threshold reached
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The team where the hours that reached it were served: its summary announces it.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="RESTRICT"), default=None
    )
    announce: Mapped[bool] = mapped_column(Boolean, default=True)
    # The outbox row that announces it in the group (a daily summary, or its own post).
    announced_in: Mapped[str | None] = mapped_column(String(200), default=None)


class PointsKind(enum.StrEnum):
    """What a passbook line is."""

    EARNED = "earned"  # 存入: confirmed hours
    CORRECTED = "corrected"  # a later change to confirmed hours (may be negative)
    BONUS = "bonus"  # a report's bonus
    REDEEMED = "redeemed"  # 取出: handed over for goods
    MOVED_OUT = "moved_out"  # the team joined an organisation: its balance moved there
    MOVED_IN = "moved_in"
    CLOSED = "closed"  # the volunteer asked to be forgotten: the balance is closed


class PointsEntry(Base):
    """One passbook line: never changed; the balance is always the sum of a scope's lines."""

    __tablename__ = "points_entries"
    __table_args__ = (Index("ix_points_entries_scope_person", "scope", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))  # org:<id> or group:<id>
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="RESTRICT"), default=None
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[PointsKind] = mapped_column(_enum(PointsKind))
    points: Mapped[int] = mapped_column(Integer)  # + in, − out
    minutes: Mapped[int] = mapped_column(Integer, default=0)  # the hours it stands for
    attendance_id: Mapped[int | None] = mapped_column(
        ForeignKey("attendances.id", ondelete="RESTRICT"), default=None
    )
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="RESTRICT"), default=None
    )
    local_date: Mapped[date | None] = mapped_column(Date, default=None)  # the service day
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    by: Mapped[int | None] = mapped_column(BigInteger, default=None)


# ---- the rest of a volunteer's record: training, commendations, evaluations -----------------

class Training(Base):
    """Training a person took (岗前培训): part of the record, never service time or stars."""

    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(100))
    on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    by: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Commendation(Base):
    """A commendation (表彰): a title, a date, who gave it; announced once if chosen."""

    __tablename__ = "commendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(100))
    on: Mapped[date] = mapped_column(Date)
    by: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Grade(enum.StrEnum):
    """An evaluation's grade: 优秀, 良好, 合格."""

    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"


class Evaluation(Base):
    """A leader's evaluation of a volunteer for a period (a year `2026` or a month
    `2026-11`); seen by the volunteer and office staff, never in the group."""

    __tablename__ = "evaluations"
    __table_args__ = (
        Index("uq_evaluations_group_person_period", "group_id", "person_id", "period",
              unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    grade: Mapped[Grade] = mapped_column(_enum(Grade))
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    by: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class RequestStatus(enum.StrEnum):
    """A volunteer's request for a correction of their record."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class CorrectionRequest(Base):
    """A volunteer asks the team's leaders to correct their record; the outcome is audited
    and told to them."""

    __tablename__ = "correction_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    text: Mapped[str] = mapped_column(String(500))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class RewardItem(Base):
    """An item of the 爱心超市 catalogue with its points price (a scope's: org:<id> or
    group:<id>); taken off, it stays for the history."""

    __tablename__ = "reward_items"
    __table_args__ = (Index("ix_reward_items_scope", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    price: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RewardRequest(Base):
    """A volunteer asked for an item; a leader hands it over (the points are spent then) or
    declines."""

    __tablename__ = "reward_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("reward_items.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


# ---- documents for the office ---------------------------------------------------------------

class DocumentRequest(Base):
    """A document someone asked for (the ledger workbook): sent to them privately, or behind
    a deep link (`start=d-<token>`) that only they can open, for a day."""

    __tablename__ = "document_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # ledger
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    # A team's document (its leaders), or an organisation's (its office staff).
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="RESTRICT"), default=None
    )
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), default=None
    )
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # period, format
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CertificateStatus(enum.StrEnum):
    """A service certificate (服务证明) from request to issue, or not."""

    REQUESTED = "requested"
    NOTICE = "notice"  # approved by staff, announced in the team's group (组织公示)
    OBJECTED = "objected"  # a leader or staff objected during the notice: staff decide again
    ISSUED = "issued"
    DECLINED = "declined"
    REVOKED = "revoked"


class Certificate(Base):
    """A numbered service certificate: asked for by a leader or the volunteer, issued by the
    organisation's office staff; verifiable by its number from the snapshot taken at issue."""

    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_org_person", "org_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="RESTRICT"), default=None
    )  # the team it was asked for in (a leader's request)
    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    status: Mapped[CertificateStatus] = mapped_column(_enum(CertificateStatus))
    requested_by: Mapped[int] = mapped_column(BigInteger)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Given at issue: letters, the year, a serial and six random characters.
    number: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    decided_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # What the certificate says, as issued (it keeps verifying whatever changes later).
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reason: Mapped[str | None] = mapped_column(String(200), default=None)
    # The public notice (组织公示): issued when it ends without an objection.
    notice_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    objected_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    objected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The notice's message in the team's group (edited with the outcome) and the hours it
    # announced (a certificate is issued only for the hours people were shown).
    notice_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    notice_minutes: Mapped[int | None] = mapped_column(Integer, default=None)


class RosterEntry(Base):
    """A volunteer from the team's imported list (the office's spreadsheet): the roster
    name, real name, building, skills and tags, and a @username the list gives. It stands
    apart from the Telegram account until a leader confirms the link (usernames change
    hands); identity and phone numbers are never stored."""

    __tablename__ = "roster_entries"
    __table_args__ = (
        Index("uq_roster_entries_group_name", "group_id", "name_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(32))
    name_key: Mapped[str] = mapped_column(String(64))
    real_name: Mapped[str | None] = mapped_column(String(20), default=None)
    building: Mapped[str | None] = mapped_column(String(64), default=None)
    skills: Mapped[str | None] = mapped_column(String(200), default=None)
    tags: Mapped[str | None] = mapped_column(String(200), default=None)
    username: Mapped[str | None] = mapped_column(String(64), default=None)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), default=None
    )  # linked, by a leader's confirmation
    declined_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), default=None
    )  # a leader said this member is someone else: not asked again
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    linked_by: Mapped[int | None] = mapped_column(BigInteger, default=None)


class Place(Base):
    """A place a duty names (2号投放点, 东门), with its check-in code: a poster's QR code
    opens the bot with `start=p-<token>`; only the token's SHA-256 is kept, so a poster
    cannot be forged from the database, and the posters sent are kept by Telegram file id."""

    __tablename__ = "places"
    __table_args__ = (Index("uq_places_group_name", "group_id", "name_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    token_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    poster_pdf: Mapped[str | None] = mapped_column(String(255), default=None)  # file ids
    poster_png: Mapped[str | None] = mapped_column(String(255), default=None)
    # Where it is (a leader's shared location) and how near counts as there, in metres.
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    radius: Mapped[int] = mapped_column(Integer, default=150, server_default=text("150"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SendSlot(Base):
    """One message posted by any instance of a deployment, so the instances share Telegram's
    limits (storage.sendslots): `scope` 0 counts every message, a chat id that chat's.
    Rows older than the longest window are deleted as new ones come."""

    __tablename__ = "send_slots"
    __table_args__ = (Index("ix_send_slots_scope_at", "scope", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    scope: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class MemberBucket(Base):
    """One member's command tokens in one group, shared by every instance of a deployment
    (storage.pacing): what the per-member limit (bot.throttle) last left, and the version an
    instance must still see to change it. Rows a minute old are full again: deleted hourly."""

    __tablename__ = "member_buckets"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    at: Mapped[float] = mapped_column(Float)  # seconds since the epoch
    warned: Mapped[bool] = mapped_column(Boolean)
    dropped: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class AckWindow(Base):
    """Until when acknowledgements of one kind in one chat and topic are collected rather than
    posted, shared by every instance (storage.pacing; `thread_id` 0: no topic)."""

    __tablename__ = "ack_windows"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    thread_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    quiet_at: Mapped[float] = mapped_column(Float)  # seconds since the epoch


class InboxUpdate(Base):
    """An update Telegram posted to this deployment's webhook, kept until it has been handled
    (storage.inbox): whose queue it waits in, until when that instance holds it, and whether
    its handling has begun."""

    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(Text)  # the update's JSON as Telegram posted it
    owner: Mapped[str] = mapped_column(String(100))
    lease_until: Mapped[float] = mapped_column(Float)  # seconds since the epoch
    started: Mapped[bool] = mapped_column(Boolean)
