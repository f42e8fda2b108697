"""Organisations: creating one, teams asking to join and staff deciding, staff links,
settings, volunteer numbers and real names."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import esc, plain_text, quote
from bot.views.labels import at_label, day_label, hours_label
from storage.models import Group, Organisation, OrgToken
from storage.orgs import MAX_NOTICE_DAYS, OrgSettings, org_settings


def org_usage(t: Translator) -> str:
    """How /org is written (private chat)."""
    return plain_text(
        t,
        "Usage (privately, for office staff): /org — your organisation and its teams; "
        "/org new <full name> (bot administrators); /org code — a new join code for teams; "
        "/org invite — a one-time link for another staff member; /org settings "
        "[key=value]; /org opening <volunteer number> <hours> <YYYY-MM-DD> <source>. "
        "In a team's group its Telegram administrators send /org join <join code>.",
    )


def org_group_usage(t: Translator) -> str:
    """How /org is written in a team's group."""
    return plain_text(
        t,
        "Usage in the group (its Telegram administrators): /org join <join code from the "
        "office>",
    )


def _until(t: Translator, moment: datetime, zone: str) -> str:
    return t.gettext("{day} {time}").format(
        day=day_label(t, moment.astimezone(ZoneInfo(zone)).date()),
        time=at_label(t, moment, zone),
    )


def created(t: Translator, org: Organisation, code: OrgToken, zone: str) -> str:
    """/org new: the organisation exists, with a join code for its teams."""
    return "\n".join([
        t.gettext("🏢 {org} is set up, and you are its first staff member.").format(
            org=esc(org.name)
        ),
        join_code_text(t, code, zone),
        t.gettext("Another staff member: /org invite. Settings (issuer name, person in "
                  "charge, clerk, volunteer number prefix): /org settings."),
    ])


def join_code_text(t: Translator, code: OrgToken, zone: str) -> str:
    """A join code and how a team uses it."""
    return t.gettext(
        "Join code for teams: <code>{code}</code> (valid until {until}). A team's Telegram "
        "administrator sends <code>/org join {code}</code> in the team's group; you approve "
        "it here before anything is shared."
    ).format(code=esc(code.token), until=_until(t, code.expires_at, zone))


def staff_link(t: Translator, link: str, token: OrgToken, zone: str) -> str:
    """/org invite: a one-time link for a new staff member."""
    return t.gettext(
        "Send this link to the new staff member. It works once, until {until}:\n{link}"
    ).format(link=esc(link), until=_until(t, token.expires_at, zone))


def became_staff(t: Translator, org: Organisation) -> str:
    """Someone opened a staff link."""
    return t.gettext(
        "You are now a staff member of {org}. /org shows its teams; /stats here shows the "
        "figures of every team."
    ).format(org=esc(org.name))


def already_staff(t: Translator, org: Organisation) -> str:
    """A staff member opened a staff link again."""
    return t.gettext("You are already a staff member of {org}.").format(org=esc(org.name))


def link_spent(t: Translator) -> str:
    """A staff link used already or expired."""
    return t.gettext(
        "This link has been used or has expired. Ask the office for a new one (/org invite)."
    )


def staff_only(t: Translator) -> str:
    """Someone who is no organisation's staff tried a staff command."""
    return t.gettext(
        "Privately, only a community's office staff can do that. Team leaders: send the "
        "command in your team's group."
    )


def bot_admins_only(t: Translator) -> str:
    """/org new by someone else."""
    return t.gettext("Only the bot's administrators can set up an organisation.")


def name_in_use(t: Translator, name: str) -> str:
    """/org new with a name that exists."""
    return t.gettext(
        "{org} exists already. Its staff send /org to see it; another staff member joins "
        "through /org invite."
    ).format(org=esc(name))


def name_needed(t: Translator) -> str:
    """/org new without a usable name."""
    return plain_text(t, "Write the organisation's full name: /org new <full name>")


def overview(
    t: Translator, org: Organisation, teams: list[Group], pending: list[Group], staff: int
) -> str:
    """/org: the organisation, its teams and settings."""
    chosen = org_settings(org)
    lines = [t.gettext("🏢 {org}").format(org=esc(org.name))]
    if teams:
        lines.append(t.gettext("Teams ({n}):").format(n=len(teams)))
        lines += [f"  · {esc(g.title)}" for g in teams]
    else:
        lines.append(t.gettext("No team has joined yet: /org code gives a join code."))
    if pending:
        lines.append(t.gettext("Waiting for approval: {teams}").format(
            teams=t.gettext("、").join(esc(g.title) for g in pending)
        ))
    lines.append(t.ngettext("{n} staff member", "{n} staff members", staff).format(n=staff))
    lines.append(settings_lines(t, org, chosen))
    lines.append(t.gettext(
        "The ledger of every team: /export here, or on the office's computer "
        "dutybot export --org {id}"
    ).format(id=org.id))
    return "\n".join(lines)


def _labels(t: Translator) -> dict[str, str]:
    return {
        "name": t.gettext("Full name (name)"),
        "prefix": t.gettext("Volunteer number prefix (prefix)"),
        "head": t.gettext("Person in charge (head)"),
        "clerk": t.gettext("Clerk (clerk)"),
        "phone": t.gettext("Contact phone (phone)"),
        "star_hours": t.gettext("Star levels in hours (star_hours)"),
        "points_per_hour": t.gettext("Points per hour (points_per_hour)"),
        "report_points": t.gettext("Points per report (report_points)"),
        "certificate_notice_days": t.gettext(
            "Public notice before a certificate, days (certificate_notice_days)"
        ),
    }


def settings_lines(t: Translator, org: Organisation, chosen: OrgSettings) -> str:
    """The organisation's settings as /org settings shows them."""
    unset = t.gettext("(not set)")
    default = t.gettext("(the default)")
    hours = (
        t.gettext("、").join(str(h) for h in chosen.star_hours) if chosen.star_hours
        else default
    )
    values = {
        "name": esc(org.name),
        "prefix": esc(chosen.prefix) or unset,
        "head": esc(chosen.head) or unset,
        "clerk": esc(chosen.clerk) or unset,
        "phone": esc(chosen.phone) or unset,
        "star_hours": hours,
        "points_per_hour": (
            str(chosen.points_per_hour) if chosen.points_per_hour is not None else default
        ),
        "report_points": (
            str(chosen.report_points) if chosen.report_points is not None else default
        ),
        "certificate_notice_days": (
            t.ngettext("{n} day", "{n} days", chosen.certificate_notice_days).format(
                n=chosen.certificate_notice_days)
            if chosen.certificate_notice_days else t.gettext("no public notice")
        ),
    }
    return "\n".join(
        t.gettext("{label}: {value}").format(label=label, value=values[key])
        for key, label in _labels(t).items()
    )


def settings_usage(t: Translator) -> str:
    """How /org settings is written."""
    return plain_text(
        t,
        "Usage: /org settings name=<full name> | prefix=XFL | head=<name> | clerk=<name> | "
        "phone=<number> | star_hours=100,300,600,1000,1500 | points_per_hour=10 | "
        "report_points=2 | certificate_notice_days=7 (0: no public notice)",
    )


def setting_changed(t: Translator, org: Organisation) -> str:
    """A setting was stored."""
    return t.gettext("Saved. {org} now:").format(org=esc(org.name)) + "\n" + settings_lines(
        t, org, org_settings(org)
    )


def unknown_setting(t: Translator, key: str) -> str:
    """No such organisation setting."""
    return t.gettext("There is no setting {key}.").format(key=quote(key)) + "\n" + (
        settings_usage(t)
    )


def bad_setting(t: Translator, key: str, value: str) -> str:
    """The value does not fit the key (and what would)."""
    text = t.gettext("{label}: {value} is not a usable value.").format(
        value=quote(value), label=_labels(t).get(key, esc(key))
    )
    if key == "certificate_notice_days":
        return text + " " + t.gettext(
            "Give a whole number of days from 0 to {most} (0: no public notice), for "
            "example certificate_notice_days=7."
        ).format(most=MAX_NOTICE_DAYS)
    return text + "\n" + settings_usage(t)


def asked_to_join(t: Translator, org: Organisation) -> str:
    """/org join in a group: the request went to the office."""
    return t.gettext(
        "Asked to join {org}. Nothing is shared until its office staff approve; the group "
        "will be told."
    ).format(org=esc(org.name))


def already_in(t: Translator, org: Organisation, joined: bool) -> str:
    """/org join from a group that is in (or asking to join) an organisation."""
    if joined:
        return t.gettext("This team is already part of {org}.").format(org=esc(org.name))
    return t.gettext("This team is waiting for {org} to approve it.").format(org=esc(org.name))


def no_such_code(t: Translator) -> str:
    """/org join with a wrong or expired code."""
    return t.gettext(
        "That join code is not valid (codes work for 7 days). Ask the office for a new one."
    )


def team_in_org(t: Translator, org: Organisation | None) -> str:
    """/org in a group: which office sees its records."""
    if org is None:
        return plain_text(
            t,
            "This team has not joined a community organisation. Its administrators can: "
            "/org join <join code>",
        )
    return t.gettext("This team is part of {org}; its office staff see the team's records."
                     ).format(org=esc(org.name))


def join_request(t: Translator, org: Organisation, team: str, by: str) -> str:
    """To the staff privately: a team asks to join."""
    return t.gettext(
        "{group} asks to join {org} (asked by {by}). Once approved, the office sees the "
        "team's hours, reports and points, and its hours count toward stars across the "
        "organisation."
    ).format(group=esc(team), org=esc(org.name), by=esc(by))


def join_request_keyboard(t: Translator, team_id: int) -> InlineKeyboardMarkup:
    """Approve / Decline."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("✅ Approve"), callback_data=f"orgok:{team_id}"),
        InlineKeyboardButton(t.gettext("Decline"), callback_data=f"orgno:{team_id}"),
    ]])


def team_decided(t: Translator, org: Organisation, group: Group, joined: bool) -> str:
    """The staff message after the decision."""
    if joined:
        return t.gettext("✅ {group} has joined {org}.").format(
            group=esc(group.title), org=esc(org.name)
        )
    return t.gettext("{group} was not let into {org}.").format(
        group=esc(group.title), org=esc(org.name)
    )


def joined_notice(t: Translator, org: Organisation) -> str:
    """In the team's group, once approved."""
    return t.gettext(
        "🏢 This team has joined {org}. From now on its office staff see the team's records "
        "(hours, reports, points), and hours served here count toward stars across all of "
        "{org}'s teams. Real names are never shown in this group."
    ).format(org=esc(org.name))


def declined_notice(t: Translator, org: Organisation) -> str:
    """In the team's group, when declined."""
    return t.gettext("{org} did not approve this team's request to join.").format(
        org=esc(org.name)
    )


def decide_toast(t: Translator, outcome: str) -> str:
    """The answer to an Approve/Decline tap."""
    return {
        "joined": t.gettext("Approved"),
        "declined": t.gettext("Declined"),
        "already": t.gettext("Already decided"),
        "denied": t.gettext("Only this organisation's staff can decide"),
        "gone": t.gettext("This request no longer exists"),
    }[outcome]


def real_name_usage(t: Translator) -> str:
    """How /realname is written."""
    return plain_text(
        t,
        "Usage, privately: /realname <your real name> (shown only on documents and to "
        "leaders and office staff, never in the group); /realname off removes it. Staff: "
        "/realname <volunteer number> <name>.",
    )


def real_name_set(t: Translator, name: str | None, whose: str | None = None) -> str:
    """The real name is stored (or removed)."""
    if whose is not None:
        return t.gettext("Real name of {who} saved: {name}").format(
            who=esc(whose), name=esc(name or "—")
        )
    if name is None:
        return t.gettext("Your real name is removed.")
    return t.gettext(
        "Your real name is saved: {name}. Only documents, leaders and office staff show it."
    ).format(name=esc(name))


def bad_real_name(t: Translator) -> str:
    """A real name that is no name."""
    return t.gettext("That does not look like a name (1 to 20 characters, letters).")


def private_only(t: Translator, command: str, personal: bool = False) -> str:
    """A private command sent in a group (with personal details: say to delete it)."""
    text = t.gettext("/{command} works in a private chat with the bot.").format(
        command=command
    )
    if personal:
        text += t.gettext(" Your message has personal details in it: please delete it.")
    return text


def no_such_number(t: Translator, raw: str) -> str:
    """A volunteer number nobody has."""
    return t.gettext("Found no volunteer “{number}”.").format(number=quote(raw))


def person_label(t: Translator, name: str, number: str) -> str:
    """王阿姨（XFL-0042）: how staff see a volunteer named."""
    return t.gettext("{name} ({number})").format(name=name, number=number)


def several_named(t: Translator, teams: list[str]) -> str:
    """A name on more than one team: say the volunteer number instead."""
    return t.gettext(
        "That name is on several teams ({teams}): use the volunteer number (in their /me)."
    ).format(teams=t.gettext("、").join(esc(x) for x in teams))


def opening_usage(t: Translator) -> str:
    """How /org opening is written."""
    return plain_text(
        t,
        "Usage: /org opening <volunteer number> <hours> <YYYY-MM-DD> <source>, for example "
        "/org opening XFL-0042 120 2026-10-31 志愿汇. Opening hours count toward stars only.",
    )


def opening_set(t: Translator, who: str, minutes: int, source: str, before: int) -> str:
    """Opening hours stored (replacing an earlier entry, if any)."""
    text = t.gettext(
        "Opening hours of {who}: {hours} ({source}). They count toward stars only, never "
        "toward a period's figures."
    ).format(who=esc(who), hours=hours_label(t, minutes), source=esc(source))
    if before:
        text += t.gettext(" (Replaces the earlier {hours}.)").format(
            hours=hours_label(t, before)
        )
    return text
