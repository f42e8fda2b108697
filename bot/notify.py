"""Delivering outbox rows: render at send time, send through the rate limiter, and say what
Telegram's answer proves (the dispatcher turns that into the row's next state)."""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, InputFile, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bot import chart, notify_view, views
from bot.documents.certificate_pdf import certificate_pdf
from bot.i18n import language_for_user, translator
from bot.leaders import AdminCache
from bot.ratelimit import Deadline, DeadlinePassed, not_applied
from scheduler.clock import Clock
from scheduler.crash import crash_point
from scheduler.dispatcher import (
    FannedOut,
    NotSent,
    Outcome,
    Refused,
    Sent,
    Skip,
    TooLate,
    Unknown,
)
from scheduler.quiet import QuietHours
from storage import attendance, claims, credit, daybook, duties, groups, members, orgs, outbox
from storage.claims import still_needed
from storage.db import SessionFactory, transaction
from storage.duties import upcoming_shifts
from storage.models import (
    Certificate,
    CertificateStatus,
    Claim,
    ClaimStatus,
    Duty,
    Group,
    GroupStatus,
    Outbox,
    Person,
    Shift,
    StarLevel,
)
from storage.outbox import Planned
from storage.settings import settings_of

log = logging.getLogger(__name__)



# The kinds that name or reach the team's leaders (storage.members.leaders_of).
NAMES_LEADERS = frozenset({"noshow", "monthly", "gap"})
# Documents the person asked for: sent even before they pressed Start (Telegram lets a bot
# write to whoever wrote to it; a 403 says they never did).
ASKED_FOR = frozenset({"certificate", "certagain"})


@dataclass
class Rendered:
    """A message ready to send."""

    chat_id: int
    text: str
    thread_id: int | None = None
    markup: InlineKeyboardMarkup | None = None
    photo: bytes | None = None  # sent with sendPhoto, the text as its caption
    document: tuple[str, bytes] | None = None  # (file name, bytes): sendDocument, captioned
    edit_message_id: int | None = None  # edit this message of ours instead of posting
    chart: tuple[list[date], list[int]] | None = None  # minutes a day, drawn after rendering


def classify(exc: TelegramError) -> Outcome:
    """What an error proves about whether the message was sent."""
    if isinstance(exc, RetryAfter):
        return NotSent("429", float(exc.retry_after if isinstance(exc.retry_after, int | float)
                                    else exc.retry_after.total_seconds()))
    if isinstance(exc, Forbidden):
        return Refused(f"403: {exc.message}")
    if isinstance(exc, BadRequest):
        return Refused(f"400: {exc.message}")
    cause = exc.__cause__
    if not_applied(exc):
        return NotSent(type(cause).__name__ if cause else f"server error: {exc.message}")
    if isinstance(exc, TimedOut):
        return Unknown(f"timed out: {type(cause).__name__ if cause else exc.message}")
    return Unknown(f"{type(exc).__name__}: {exc.message}")


class Notifier:
    """The shell's side of the dispatcher."""

    def __init__(
        self, bot: ExtBot[None], sessions: SessionFactory, clock: Clock,
        admin_cache: AdminCache, language: str = "zh_CN",
    ) -> None:
        self._language = language  # documents are in the deployment's language
        self._bot = bot
        self._sessions = sessions
        self._clock = clock
        self._admins = admin_cache

    async def deliver(self, row: Outbox, now: datetime) -> Outcome:
        """Render the row now and send it; never raises for Telegram's answers.

        Telegram is never asked while a database session is open: the team's administrators
        are fetched first, the rendering only reads, and the chart is drawn after it.
        """
        async with self._sessions() as session:
            group = await groups.by_id(session, row.group_id)
            active = group is not None and group.status is GroupStatus.ACTIVE
            chat_id = group.telegram_chat_id if group is not None else 0
        if not active:
            return Refused("the group is not active")
        admins = (
            await self._admins.admins(self._bot, chat_id) if row.kind in NAMES_LEADERS
            else frozenset[int]()
        )
        async with self._sessions() as session:
            group = await groups.by_id(session, row.group_id)
            assert group is not None
            rendered = await self._render(session, group, row, now, admins)
        if rendered is None:
            return Skip()
        if isinstance(rendered, FannedOut):
            return rendered
        if rendered.chart is not None:
            rendered.photo = await asyncio.to_thread(chart.hours_per_day, *rendered.chart)
        try:
            message = await self._send(rendered, row.expires_at)
        except DeadlinePassed:
            return TooLate()
        except ChatMigrated as exc:
            async with transaction(self._sessions) as session:
                await groups.migrate_chat(session, rendered.chat_id, int(exc.new_chat_id),
                                          now=now)
            return NotSent("chat migrated")
        except TelegramError as exc:
            outcome = classify(exc)
            await self._after_refusal(row, rendered, outcome, now)
            return outcome
        crash_point("after-response")
        return Sent(message.message_id)

    async def _send(self, rendered: Rendered, deadline: datetime) -> Message:
        if rendered.edit_message_id is not None:
            edited = await self._bot.edit_message_text(
                rendered.text, chat_id=rendered.chat_id, message_id=rendered.edit_message_id,
                reply_markup=None,
                rate_limit_args=Deadline(deadline, self._clock),  # type: ignore[arg-type]
            )
            assert isinstance(edited, Message)
            return edited
        if rendered.document is not None:
            name, content = rendered.document
            return await self._bot.send_document(
                rendered.chat_id, InputFile(content, filename=name), caption=rendered.text,
                rate_limit_args=Deadline(deadline, self._clock),  # type: ignore[arg-type]
            )
        if rendered.photo is not None:
            return await self._bot.send_photo(
                rendered.chat_id, rendered.photo, caption=rendered.text,
                message_thread_id=rendered.thread_id,
                rate_limit_args=Deadline(deadline, self._clock),  # type: ignore[arg-type]
            )
        return await self._bot.send_message(
            rendered.chat_id, rendered.text, message_thread_id=rendered.thread_id,
            reply_markup=rendered.markup,
            rate_limit_args=Deadline(deadline, self._clock),  # type: ignore[arg-type]
        )

    async def _after_refusal(
        self, row: Outbox, rendered: Rendered, outcome: Outcome, now: datetime
    ) -> None:
        """403: stop writing there. 400 (rights, closed topic): the leaders must look."""
        if not isinstance(outcome, Refused):
            return
        async with transaction(self._sessions) as session:
            if outcome.reason.startswith("403") and row.person_id is not None:
                person = await session.get(Person, row.person_id)
                if person is not None:
                    person.private_chat = False
                if row.kind == "certificate":  # the issuer hands this one over
                    await outbox.enqueue(session, [Planned(
                        f"{row.key}:hand", row.group_id, "certhand", now, row.expires_at,
                        None, dict(row.payload or {}),
                    )], now=now)
            elif outcome.reason.startswith("403"):
                await groups.mark_left(session, rendered.chat_id, by=None, now=now)
            elif row.person_id is None:
                await groups.mark_attention(session, row.group_id, outcome.reason, now=now)

    # ---- rendering -------------------------------------------------------------------------

    async def _render(
        self, session: AsyncSession, group: Group, row: Outbox, now: datetime,
        admins: frozenset[int],
    ) -> Rendered | FannedOut | None:
        t = translator(group.language)
        rules = settings_of(group)
        zone = group.timezone
        target = group.telegram_chat_id
        thread = rules.topic or None
        if row.person_id is not None:
            person = await session.get(Person, row.person_id)
            if person is None or not (person.private_chat or row.kind in ASKED_FOR):
                return None
            target, thread = person.telegram_user_id, None
        payload: dict[str, Any] = row.payload or {}
        text: str | None = None
        markup: InlineKeyboardMarkup | None = None
        drawn: tuple[list[date], list[int]] | None = None
        if row.person_id is None and row.kind in ("noshow", "monthly"):
            # For the leaders: one row each, for those the bot may write to.
            known = await members.leaders_of(session, group.id, admins)
            leaders = [p for p in known if p.private_chat]
            children = [
                Planned(f"{row.key}:p{p.person_id}", group.id, row.kind, now,
                        row.expires_at, p.person_id, dict(payload))
                for p in leaders
            ]
            if row.kind == "monthly" and (len(leaders) < len(known) or not known):
                # A leader who has not started the bot gets a one-tap link in the group.
                children.append(Planned(f"{row.key}:link", group.id, "monthlink", now,
                                        row.expires_at, None, dict(payload)))
            if children:
                return FannedOut(children)
        match row.kind:
            case "reminder":
                start = datetime.fromisoformat(payload["start"].replace("Z", "+00:00"))
                shifts = await claims.starting_at(session, group.id, start)
                if QuietHours.parse(rules.quiet_hours).contains(now, zone):
                    # Inside quiet hours only the people on duty are woken, never a group
                    # for a shift with nobody on it.
                    shifts = [(s, d, people) for s, d, people in shifts if people]
                if not shifts:
                    return None  # moved, cancelled, or nobody to remind at night
                # Minutes as they are when it goes out (late after downtime: fewer).
                left = math.ceil((start - now).total_seconds() / 60)
                text = notify_view.reminder(t, max(1, min(int(payload["lead"]), left)), shifts,
                                            zone)
            case "roster":
                day = datetime.fromisoformat(payload["day"]).date()
                found = await upcoming_shifts(session, group.id, now=now, days=3)
                lines = await _lines(session, group.id, [
                    (s, cs) for s, cs in found if s.local_date == day
                ])
                if not lines:
                    return None
                text = notify_view.day_before(t, day, lines, zone)[0]
                short = [ln for ln in lines if still_needed(ln.shift, len(ln.names))]
                markup = views.roster.claim_keyboard(t, short, zone) if short else None
            case "gap":
                today = now.astimezone(ZoneInfo(zone)).date()
                alerted = await outbox.gap_shifts_alerted_since(
                    session, group.id, daybook.local_bounds(today, today, zone)[0],
                    except_key=row.key,
                )
                wanting: list[tuple[Shift, Duty, int]] = []
                for shift_id in payload.get("shifts", []):
                    shift, duty = await duties.open_shift(session, int(shift_id))
                    if shift is None or duty is None or shift.id in alerted:
                        continue  # gone, or alerted once today already
                    have = len(await claims.claimed_by(session, shift.id))
                    if still_needed(shift, have) and shift.start_at > now:
                        wanting.append((shift, duty, have))
                if not wanting:
                    return None
                mention = [
                    (p.telegram_id, p.name)
                    for p in await members.leaders_of(session, group.id, admins)
                ]
                text = notify_view.gap_alert(t, wanting, mention, zone)
                markup = notify_view.claim_buttons(t, wanting, zone)
            case "noshow":
                shift, duty = await duties.open_shift(session, int(payload["shift"]))
                if shift is None or duty is None:
                    return None
                came = await attendance.came_to(session, shift.id)
                if not still_needed(shift, len(came)):
                    return None
                if row.person_id is not None:
                    on = await claims.claimed_by(session, shift.id)
                    names = await members.display_names(
                        session, group.id, {p for p in on if p not in came}
                    )
                    text = notify_view.noshow_private(
                        t, group.title, shift, duty, len(came), sorted(names.values()), zone
                    )
                else:
                    text = notify_view.noshow_group(t, shift, duty, len(came), zone)
                    markup = notify_view.noshow_button(t, shift)
            case "summary":
                day = datetime.fromisoformat(payload["day"]).date()
                book = await daybook.day_book(session, group.id, day, zone)
                stars = await _stars(session, group.id, row.key)
                happened = book.volunteers or book.reports.reports or stars
                if not happened and not rules.summary_empty:
                    return None  # nobody served, nothing reported
                found = await upcoming_shifts(session, group.id, now=now, days=2)
                tomorrow = day + timedelta(days=1)
                gaps = [ln for ln in await _lines(session, group.id, [
                    (s, cs) for s, cs in found if s.local_date == tomorrow
                ]) if still_needed(ln.shift, len(ln.names))]
                text = notify_view.summary(t, book, gaps, zone, stars)[0]
            case "stars":
                stars = await _stars(session, group.id, row.key)
                if not stars:
                    return None
                text = "\n".join(notify_view.star_lines(t, stars))
            case "starp":
                level = await session.get(StarLevel, int(payload["level"]))
                if level is None:
                    return None
                person = await session.get(Person, level.person_id)
                if person is None:
                    return None
                t = translator(language_for_user(person.language_code, group.language))
                scope = await orgs.scope_by_key(session, level.scope)
                text = notify_view.star_private(t, scope.name if scope else group.title, level)
            case "weekly":
                first = datetime.fromisoformat(payload["first"]).date()
                last = datetime.fromisoformat(payload["last"]).date()
                week = await daybook.period(session, group.id, first, last, zone)
                before = await daybook.period(
                    session, group.id, first - timedelta(days=7), last - timedelta(days=7), zone
                )
                if not (week.volunteers or week.reports.reports) and not rules.summary_empty:
                    return None
                days = [first + timedelta(days=i) for i in range(7)]
                drawn = (days, [week.per_day.get(d, 0) for d in days])
                text = notify_view.weekly(t, week, before)
            case "monthly":
                first = date.fromisoformat(payload["month"] + "-01")
                last = daybook.month_end(first)
                month = await daybook.period(session, group.id, first, last, zone)
                text = notify_view.month_view(t, group.title, first, month, volunteers=30)[0]
            case "monthlink":
                first = date.fromisoformat(payload["month"] + "-01")
                text = notify_view.month_link(t, first)
                markup = notify_view.month_link_keyboard(
                    t, self._bot.username, group.id, first
                )
            case "certificate":
                # A certificate issued when its public notice ended: the PDF, privately.
                return await self._certificate(session, row, target)
            case "certgroup":
                # The notice in the group says how it ended.
                return await self._notice_outcome(session, group, row, target, thread)
            case "certagain":
                # The hours changed during the notice: the approving staff decide again.
                again = await session.get(Certificate, int(payload["certificate"]))
                person = (await session.get(Person, again.person_id)
                          if again is not None else None)
                staff = await session.get(Person, row.person_id) if row.person_id else None
                if again is None or person is None or staff is None:
                    return None
                st = translator(language_for_user(staff.language_code, self._language))
                text = views.certificates.hours_changed(
                    st, person.real_name or person.telegram_name, group.title, again.first,
                    again.last, again.notice_minutes or 0, int(payload["minutes"]))
                markup = views.certificates.decide_keyboard(st, again.id)
            case "certhand":
                # The volunteer never started the bot: the issuer hands the PDF over.
                issued = await session.get(Certificate, int(payload["certificate"]))
                issuer = (await members.person_of(session, issued.decided_by or 0)
                          if issued is not None else None)
                if issued is None or issuer is None or issued.snapshot is None:
                    return None
                target, thread = issuer.telegram_user_id, None
                text = views.certificates.hand_it_over(
                    translator(language_for_user(issuer.language_code, self._language)),
                    str(issued.snapshot.get("name", "")), issued.number or "")
            case _:
                log.error("outbox %s: unknown kind %s", row.key, row.kind)
                return None
        return Rendered(target, text, thread, markup, chart=drawn)

    async def _notice_outcome(self, session: AsyncSession, group: Group, row: Outbox,
                              target: int, thread: int | None) -> Rendered | None:
        found = await session.get(Certificate, int((row.payload or {})["certificate"]))
        if found is None or found.notice_message_id is None:
            return None
        t = translator(group.language)
        name = await members.roster_name(session, found.person_id, group.id) or "?"
        text = views.certificates.notice_text(t, found, name, group.timezone) + "\n" + (
            views.certificates.notice_issued(t) if found.status is CertificateStatus.ISSUED
            else views.certificates.notice_changed(t)
        )
        return Rendered(target, text, thread, edit_message_id=found.notice_message_id)

    async def _certificate(self, session: AsyncSession, row: Outbox, target: int
                           ) -> Rendered | None:
        found = await session.get(Certificate, int((row.payload or {})["certificate"]))
        if found is None or found.status is not CertificateStatus.ISSUED:
            return None  # revoked before it went out
        assert found.snapshot is not None and found.number is not None
        t = translator(self._language)
        text = views.certificates.caption(t, found.snapshot, found.number)
        if found.person_id != row.person_id:
            text += "\n" + views.certificates.issued_after_notice(t)
        pdf = await asyncio.to_thread(
            certificate_pdf, t, found.snapshot, found.number, self._bot.username
        )
        name = t.gettext("Certificate-{number}.pdf").format(number=found.number)
        return Rendered(target, text, document=(name, pdf))


async def _stars(
    session: AsyncSession, group_id: int, key: str
) -> list[tuple[str, StarLevel]]:
    """The levels a post announces, with the names the team knows the people by."""
    levels = await credit.announced_in(session, key)
    people = {lv.person_id for lv in levels}
    names = await members.display_names(session, group_id, people)
    hidden = await members.hidden_among(session, people)  # chose /me hide since
    return [(names[lv.person_id], lv) for lv in levels
            if lv.person_id in names and lv.person_id not in hidden]


async def _lines(
    session: AsyncSession, group_id: int, found: list[tuple[Shift, list[Claim]]]
) -> list[views.roster.ShiftLine]:
    by_id = await duties.by_ids(session, {s.duty_id for s, _ in found})
    names = await members.display_names(
        session, group_id, {c.person_id for _, cs in found for c in cs}
    )
    return [
        views.roster.ShiftLine(
            s, by_id[s.duty_id],
            [names.get(c.person_id, "?") for c in cs if c.status is ClaimStatus.ACTIVE],
        )
        for s, cs in found
    ]
