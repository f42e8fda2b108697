"""Service certificates: asking, issuing, revoking and verifying, in words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import esc, plain_text
from bot.views.labels import day_label, hours_label, period_label
from storage.models import Certificate, CertificateStatus


def usage(t: Translator) -> str:
    """How /certificate is written."""
    return plain_text(t,
        "Usage (leaders, in the group): /certificate <name> [2026 | 2026-01-01..2026-06-30] — "
        "ask the community office for a volunteer's service certificate (this year so far "
        "by default); you can also reply to their message with /certificate. Volunteers ask "
        "with the button in /me. Office staff, privately: /certificate revoke <number> "
        "[reason]; /certificate send <number> sends an issued one to you again."
    )


def no_organisation(t: Translator) -> str:
    """Lone teams cannot certify: the community office does."""
    return t.gettext(
        "Service certificates are issued by the community office, and this team has not "
        "joined one yet (a group admin sends /org join and the join code)."
    )


def no_real_name(t: Translator, name: str) -> str:
    """A certificate needs the real name."""
    return plain_text(
        t, "{name} has no real name on record, and a certificate carries it. They can send the "
        "bot /realname <full name> privately, or the office staff can add it."
    ).format(name=esc(name))


def no_real_name_yours(t: Translator) -> str:
    """The volunteer asked, without a real name on record."""
    return plain_text(
        t, "A certificate carries your real name, and there is none on record yet: send "
        "/realname <full name> here, then ask again."
    )


def no_hours(t: Translator, name: str | None, first: date, last: date) -> str:
    """Nothing confirmed in the period (`name` None: the volunteer asked)."""
    if name is None:
        return t.gettext(
            "You have no confirmed hours in {period}, so there is nothing to certify yet."
        ).format(period=period_label(t, first, last))
    return t.gettext(
        "{name} has no confirmed hours in {period}, so there is nothing to certify."
    ).format(name=esc(name), period=period_label(t, first, last))


def already_asked(t: Translator, org: str, waiting: Certificate | None = None,
                  zone: str = "UTC") -> str:
    """A request for the same days is in progress (the period and where it stands)."""
    if waiting is None:
        return t.gettext("This certificate was asked for already: {org} will issue it."
                         ).format(org=esc(org))
    period = period_label(t, waiting.first, waiting.last)
    if waiting.status is CertificateStatus.NOTICE and waiting.notice_until is not None:
        until = waiting.notice_until.astimezone(ZoneInfo(zone)).date()
        return t.gettext("A service certificate for {period} is on public notice until "
                         "{until}: it covers these days already.").format(
            period=period, until=day_label(t, until))
    return t.gettext("A service certificate for {period} was asked for already and "
                     "{org} is looking at it: it covers these days.").format(
        period=period, org=esc(org))


def asked(t: Translator, org: str, name: str | None, first: date, last: date) -> str:
    """The request went to the office (`name` None: the volunteer asked)."""
    if name is None:
        return t.gettext(
            "📜 Asked {org} for your service certificate ({period}). When the office issues "
            "it, it comes to you here."
        ).format(org=esc(org), period=period_label(t, first, last))
    return t.gettext(
        "📜 Asked {org} for {name}'s service certificate ({period}). When the office issues "
        "it, it comes to {name} privately."
    ).format(org=esc(org), name=esc(name), period=period_label(t, first, last))


def request_for_staff(
    t: Translator, name: str, number: str, first: date, last: date, minutes: int, *,
    asker: str, team: str | None,
) -> str:
    """The request as office staff see it: whose, which period, how long, who asked."""
    who = t.gettext("{name} ({number})").format(name=esc(name), number=esc(number)) if number \
        else esc(name)
    by = (t.gettext("asked by {asker}, leader of {team}").format(asker=esc(asker), team=esc(team))
          if team is not None else t.gettext("asked by the volunteer"))
    return t.gettext(
        "📜 Service certificate asked for: {who}, {period}, {hours} of confirmed service "
        "({by}). Issue it? You will be its clerk (经办人)."
    ).format(who=who, period=period_label(t, first, last), hours=hours_label(t, minutes),
             by=by)


def issued_line(t: Translator, number: str, minutes: int) -> str:
    """The staff message, after issuing."""
    return t.gettext("✅ Issued: {number}, {hours}.").format(
        number=esc(number), hours=hours_label(t, minutes))


def declined_line(t: Translator) -> str:
    """The staff message, after declining."""
    return t.gettext("❌ Not issued.")


def unprintable(t: Translator, characters: str) -> str:
    """The real name has characters the certificate's font cannot print."""
    return t.gettext(
        "The real name has characters the certificate cannot print ({characters}): nothing "
        "was issued. Write this certificate by hand, or correct the name with /realname."
    ).format(characters=characters)


def decide_keyboard(t: Translator, certificate_id: int) -> InlineKeyboardMarkup:
    """Issue or decline."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("Issue"), callback_data=f"certok:{certificate_id}"),
        InlineKeyboardButton(t.gettext("Do not issue"), callback_data=f"certno:{certificate_id}"),
    ]])


def mine(t: Translator, found: Sequence[Certificate], zone: str) -> str:
    """/me: the person's certificates and where each stands."""
    lines = [t.gettext("My service certificates:")]
    for c in found:
        period = period_label(t, c.first, c.last)
        match c.status:
            case CertificateStatus.ISSUED:
                state = t.gettext("issued, number {number}").format(number=c.number)
            case CertificateStatus.REVOKED:
                state = t.gettext("revoked, number {number}").format(number=c.number)
            case CertificateStatus.NOTICE if c.notice_until is not None:
                state = t.gettext("on public notice until {until}").format(
                    until=day_label(t, c.notice_until.astimezone(ZoneInfo(zone)).date()))
            case _:
                state = t.gettext("with the community office")
        lines.append(t.gettext("· {period}: {state}").format(period=period, state=state))
    if any(c.status is CertificateStatus.ISSUED for c in found):
        lines.append(plain_text(t, "/certificate send <number> sends one to you again."))
    return "\n".join(lines)


def which_year(t: Translator) -> str:
    """/me's certificate button: for which period."""
    return t.gettext("A service certificate for which period?")


def which_year_keyboard(t: Translator, today: date) -> InlineKeyboardMarkup:
    """This year so far, or all of last year."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(t.gettext("This year so far ({period})").format(
            period=period_label(t, today.replace(month=1, day=1), today)),
            callback_data="certme:this")],
        [InlineKeyboardButton(t.gettext("All of {year}").format(year=today.year - 1),
                              callback_data="certme:last")],
    ])


def staff_only(t: Translator) -> str:
    """Only the organisation's office staff issue and revoke."""
    return t.gettext("Only the community office's staff issue or revoke certificates.")


def not_issued(t: Translator, name: str | None, first: date, last: date) -> str:
    """The office did not issue it: to the volunteer (`name` None), or to the leader who
    asked for them."""
    period = period_label(t, first, last)
    if name is None:
        return t.gettext(
            "📜 The community office did not issue your service certificate for {period}. "
            "Ask the office if you want to know why."
        ).format(period=period)
    return t.gettext(
        "📜 The community office did not issue the service certificate you asked for "
        "{name} ({period}). Ask the office if you want to know why."
    ).format(name=esc(name), period=period)


def revoked_for_volunteer(t: Translator, number: str) -> str:
    """The volunteer: their certificate no longer stands."""
    return t.gettext(
        "📜 The community office revoked your service certificate {number}: it no longer "
        "verifies as valid. Ask the office if you want to know why."
    ).format(number=esc(number))


def issued_toast(t: Translator) -> str:
    return t.gettext("Issued: the PDF is on its way.")


def declined_toast(t: Translator) -> str:
    return t.gettext("Not issued.")


def already_decided(t: Translator) -> str:
    return t.gettext("This request was decided already.")


def no_real_name_now(t: Translator) -> str:
    return t.gettext("The volunteer has no real name on record now: add it first (/realname).")


def nothing_to_issue(t: Translator) -> str:
    return t.gettext("There are no confirmed hours to certify any more.")


def caption(t: Translator, snapshot: dict[str, Any], number: str) -> str:
    """The caption under the certificate."""
    return t.gettext(
        "📜 Volunteer service certificate {number}: {name}, {hours}. Anyone can check it "
        "with /verify {number}."
    ).format(number=esc(number), name=esc(snapshot["name"]),
             hours=hours_label(t, int(snapshot["minutes"])))


def issued_after_notice(t: Translator) -> str:
    """The issuer's copy, when the public notice ended without an objection."""
    return t.gettext("The public notice ended without an objection, so it is issued.")


def notice_text(t: Translator, certificate: Certificate, name: str, zone: str) -> str:
    """The public notice (组织公示) in the team's group: the roster name, the period, the
    hours announced and the moment objections end."""
    assert certificate.notice_until is not None and certificate.decided_at is not None
    days = max(1, round((certificate.notice_until - certificate.decided_at).total_seconds()
                        / 86400))
    until = certificate.notice_until.astimezone(ZoneInfo(zone))
    return t.ngettext(
        "📢 Public notice: the community office plans to issue {name} a volunteer service "
        "certificate for {period} ({hours} served). Any objection: tell a team leader "
        "within {days} day (until {until}).",
        "📢 Public notice: the community office plans to issue {name} a volunteer service "
        "certificate for {period} ({hours} served). Any objection: tell a team leader "
        "within {days} days (until {until}).", days,
    ).format(name=esc(name), period=period_label(t, certificate.first, certificate.last),
             hours=hours_label(t, certificate.notice_minutes or 0), days=days,
             until=f"{day_label(t, until.date())} {until:%H:%M}")


def notice_issued(t: Translator) -> str:
    """The notice's outcome: issued."""
    return t.gettext("✅ Issued: nobody objected.")


def notice_issued_after_all(t: Translator) -> str:
    """The notice's outcome: issued after the office looked at the objection."""
    return t.gettext("✅ Issued after the office looked at it again.")


def notice_declined(t: Translator) -> str:
    """The notice's outcome: not issued."""
    return t.gettext("The office decided not to issue it.")


def notice_changed(t: Translator) -> str:
    """The notice's outcome: the hours changed meanwhile."""
    return t.gettext("The confirmed hours changed during the notice: the office looks at "
                     "it again before issuing.")


def hours_changed(t: Translator, name: str, team: str, first: date, last: date,
                  announced: int, now: int) -> str:
    """The approving staff member: the notice ended, the hours are not those announced."""
    return t.gettext(
        "The public notice for {name} ({team}, {period}) has ended, but the confirmed hours "
        "changed meanwhile: {announced} were announced, {now} now. Nothing was issued. "
        "Issuing starts a new notice with the hours as they are now."
    ).format(name=esc(name), team=esc(team), period=period_label(t, first, last),
             announced=hours_label(t, announced), now=hours_label(t, now))


def object_keyboard(t: Translator, certificate_id: int) -> InlineKeyboardMarkup:
    """Leaders and staff object with one tap."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        t.gettext("Object (leaders and office staff)"),
        callback_data=f"certobj:{certificate_id}",
    )]])


def notice_line(t: Translator, team: str, until: date) -> str:
    """The staff's request: on public notice."""
    return t.gettext("📢 On public notice in the group of {team} until {until}; issued "
                     "then if nobody objects.").format(team=esc(team),
                                                       until=day_label(t, until))


def stop_notice_keyboard(t: Translator, certificate_id: int) -> InlineKeyboardMarkup:
    """Staff may stop a running notice: not issued."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        t.gettext("Stop the notice: do not issue"), callback_data=f"certno:{certificate_id}",
    )]])


def notice_toast(t: Translator) -> str:
    """Staff tapped Issue with a notice set."""
    return t.gettext("The public notice has begun.")


def held_already(t: Translator) -> str:
    """A second objection."""
    return t.gettext("An objection was raised already: the office is looking at it.")


def decision_for_objector(t: Translator, name: str, issued: bool) -> str:
    """The one who objected hears what the office decided."""
    if issued:
        return t.gettext("The office looked at your objection and issued the service "
                         "certificate of {name} after all.").format(name=esc(name))
    return t.gettext("The office looked at your objection and did not issue the service "
                     "certificate of {name}.").format(name=esc(name))


def objected_in_group(t: Translator) -> str:
    """The notice, after an objection."""
    return t.gettext("⏸ An objection was raised: the office looks at it again before "
                     "issuing.")


def objection_for_staff(t: Translator, who: str, name: str, first: date, last: date,
                        minutes: int) -> str:
    """The staff member who approved hears of the objection and decides again."""
    return t.gettext(
        "{who} objected to the service certificate of {name} for {period} ({hours}). "
        "Talk it over, then issue it anyway or decline."
    ).format(who=esc(who), name=esc(name), period=period_label(t, first, last),
             hours=hours_label(t, minutes))


def objectors_only(t: Translator) -> str:
    """Someone else tapped the objection button."""
    return t.gettext("Only the team's leaders and the office staff can object here; if "
                     "you know of a problem, tell a team leader.")


def objected_toast(t: Translator) -> str:
    """The objector's confirmation."""
    return t.gettext("Objection recorded: the office will look at it again.")


def not_on_notice(t: Translator) -> str:
    """The notice is over (issued, declined, or objected to already)."""
    return t.gettext("This notice is over: there is nothing to object to now.")


def hand_it_over(t: Translator, name: str, number: str) -> str:
    """The volunteer never started the bot: the issuer hands the PDF over."""
    return t.gettext(
        "{name} has not started a private chat with the bot, so only you got the "
        "certificate {number}: please pass it on."
    ).format(name=esc(name), number=number)


def revoked(t: Translator, number: str) -> str:
    return t.gettext("Certificate {number} is revoked: /verify now says so.").format(
        number=esc(number))


def already_revoked(t: Translator, number: str) -> str:
    return t.gettext("Certificate {number} was revoked before.").format(number=esc(number))


def unknown_number(t: Translator, number: str) -> str:
    return t.gettext(
        "No certificate has the number {number}. Check it against the paper (letters, the "
        "year, a serial and six characters)."
    ).format(number=esc(number[:40]))


def verify_usage(t: Translator) -> str:
    return plain_text(t, "Usage: /verify <certificate number>, as printed on the certificate.")


def verify_slow_down(t: Translator) -> str:
    return t.gettext("You have checked many numbers in the last hour: try again later.")


def verified(t: Translator, number: str, snapshot: dict[str, Any], revoked_on: date | None,
             ) -> str:
    """What anyone may learn: masked name, period, hours, issuer, issue date, status."""
    first, last = date.fromisoformat(snapshot["first"]), date.fromisoformat(snapshot["last"])
    issued = date.fromisoformat(snapshot["issued_on"])
    status = (
        t.gettext("❌ Revoked on {day}").format(day=period_label(t, revoked_on, revoked_on))
        if revoked_on is not None else t.gettext("✅ Valid")
    )
    return t.gettext(
        "📜 Certificate {number}\n{status}\nVolunteer: {masked}\nPeriod: {period}\n"
        "Confirmed service: {hours}\nIssued by {org} on {issued}"
    ).format(number=esc(number), status=status, masked=esc(snapshot["masked"]),
             period=period_label(t, first, last), hours=hours_label(t, int(snapshot["minutes"])),
             org=esc(snapshot["org"]), issued=period_label(t, issued, issued))
