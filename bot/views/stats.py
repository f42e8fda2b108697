"""/stats: a team's figures for a week, month or year against the same days before."""

from __future__ import annotations

from babel.dates import format_skeleton

from bot.i18n import Translator
from bot.render import esc, plain_text
from bot.views.labels import day_label, hours_label, locale_of
from bot.views.reports import numbers_line
from bot.views.today import pending_lines
from storage.daybook import OrgPeriod, Period, Span, change
from storage.hours import Minutes


def _period_label(t: Translator, asked: Span) -> str:
    if asked.kind == "year":
        name = format_skeleton("y", asked.first, locale=locale_of(t))
    elif asked.kind == "month":
        name = format_skeleton("yMMMM", asked.first, locale=locale_of(t))
    else:
        name = t.gettext("This week")  # /stats week is always the current one
    return t.gettext("{period} ({first} – {last})").format(
        period=name, first=day_label(t, asked.first), last=day_label(t, asked.last)
    )


def _change(t: Translator, asked: Span, now: int, before: int) -> str:
    percent = change(now, before)
    shown = "—" if percent is None else f"{percent:+d}%"
    return {
        "week": t.gettext("{change} on the same days last week"),
        "month": t.gettext("{change} on the same days last month"),
        "year": t.gettext("{change} on the same days last year"),
    }[asked.kind].format(change=shown)


def _headline(
    t: Translator, name: str, asked: Span, now: Period | OrgPeriod, before: Minutes
) -> list[str]:
    """The figures a team's /stats and the office's share: who, how often, how long."""
    return [
        t.gettext("📊 {team}: {period}").format(team=esc(name), period=_period_label(t, asked)),
        t.gettext("Volunteers: {n}").format(n=now.volunteers),
        t.gettext("Shifts held: {n}").format(n=now.shifts_held),
        t.gettext("Person-times: {n}").format(n=now.person_times),
        t.gettext("Hours: {hours} ({change})").format(
            hours=hours_label(t, now.hours.confirmed),
            change=_change(t, asked, now.hours.confirmed, before.confirmed),
        ),
        *pending_lines(t, now.hours),
    ]


def stats_text(t: Translator, team: str, asked: Span, now: Period, before: Period) -> str:
    """📊 The figures, the change in hours, and the ten with the most hours."""
    lines = [
        *_headline(t, team, asked, now, before.hours),
        t.gettext("Shifts on the roster: {planned}, with enough people: {filled}").format(
            planned=now.shifts_planned, filled=now.shifts_filled
        ),
        numbers_line(t, now.reports, now.tracked),  # with the tracked problems
    ]
    if now.top:
        lines.append(t.gettext("Most hours:"))
        lines += [
            f"  {n}. {esc(name)} {hours_label(t, minutes)}"
            for n, (name, minutes) in enumerate(now.top, start=1)
        ]
    return "\n".join(lines)


def stats_usage(t: Translator) -> str:
    """How /stats is written."""
    return plain_text(
        t,
        "Usage: /stats (this month), /stats week, /stats year, /stats 2026-11, /stats 2026",
    )


def org_stats_text(
    t: Translator, org: str, asked: Span, now: OrgPeriod, before: OrgPeriod
) -> str:
    """📊 An organisation's figures (office staff, privately), then one line per team."""
    lines = [*_headline(t, org, asked, now, before.hours), numbers_line(t, now.reports)]
    if not now.teams:
        lines.append(t.gettext("No team has joined yet: /org code gives a join code."))
    for title, team in now.teams:
        lines.append(t.gettext(
            "{team}: volunteers {volunteers} · person-times {times} · hours {hours}"
        ).format(team=esc(title), volunteers=team.volunteers, times=team.person_times,
                 hours=hours_label(t, team.hours.confirmed)))
    return "\n".join(lines)


def staff_only_private(t: Translator) -> str:
    """/stats privately from someone who is no office staff."""
    return t.gettext(
        "/stats works in your team's group. Privately it shows an organisation's figures to "
        "its office staff."
    )
