"""The points passbook (/points) and redemptions (/redeem)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.render import esc, plain_text
from bot.views.labels import day_label, hours_label
from storage.models import PointsEntry, PointsKind

SHOWN_LINES = 15


def _what(t: Translator, entry: PointsEntry) -> str:
    match entry.kind:
        case PointsKind.EARNED:
            return t.gettext("service {hours}").format(hours=hours_label(t, entry.minutes))
        case PointsKind.CORRECTED:
            return t.gettext("hours corrected")
        case PointsKind.REDEEMED:
            return t.gettext("redeemed for {item}").format(item=esc(entry.note or ""))
        case PointsKind.MOVED_IN:
            return t.gettext("brought over from {team}").format(team=esc(entry.note or ""))
        case PointsKind.MOVED_OUT:
            return t.gettext("moved to {org}").format(org=esc(entry.note or ""))
        case _:
            return t.gettext("report bonus")


def passbook_text(
    t: Translator, scope: str, entries: Sequence[PointsEntry], zone: str
) -> str:
    """💳 One passbook: date (of the service, else of the line), what, 存入 / 取出, 结余 after
    each line (the last 15)."""
    lines = [t.gettext("💳 Points passbook: {scope}").format(scope=esc(scope))]
    if not entries:
        lines.append(t.gettext("No points yet: confirmed hours earn them."))
        return "\n".join(lines)
    running = 0
    rows = []
    for entry in entries:
        running += entry.points
        day = entry.local_date or entry.at.astimezone(ZoneInfo(zone)).date()
        amount = (
            t.gettext("in {n}").format(n=entry.points) if entry.points >= 0
            else t.gettext("out {n}").format(n=-entry.points)
        )
        rows.append(t.gettext("{day} {what}: {amount}, balance {balance}").format(
            day=day_label(t, day), what=_what(t, entry), amount=amount, balance=running
        ))
    if len(rows) > SHOWN_LINES:
        lines.append(t.ngettext("({n} earlier line not shown)", "({n} earlier lines not shown)",
                                len(rows) - SHOWN_LINES).format(n=len(rows) - SHOWN_LINES))
    lines += rows[-SHOWN_LINES:]
    lines.append(t.gettext("Balance: {n} points").format(n=running))
    return "\n".join(lines)


def no_passbook(t: Translator) -> str:
    """/points from someone in no team."""
    return t.gettext("No points yet. Sign up in your team's group with /signup.")


def redeem_usage(t: Translator) -> str:
    """How /redeem is written."""
    return plain_text(
        t,
        "Usage (leaders, in the group): /redeem <name> <points> <item>, for example "
        "/redeem 王阿姨 50 洗衣液一瓶; or reply to the person with /redeem 50 <item>. Office "
        "staff privately: /redeem <volunteer number> <points> <item>.",
    )


def redeemed(
    t: Translator, name: str, points: int, item: str, balance: int | None
) -> str:
    """The redemption is recorded (in a group without the balance: points are private)."""
    if balance is None:
        return t.gettext(
            "Recorded: {name} redeemed {n} points for {item}; they are told privately."
        ).format(name=esc(name), n=points, item=esc(item))
    return t.gettext(
        "Recorded: {name} redeemed {n} points for {item}. Balance now {balance}."
    ).format(name=esc(name), n=points, item=esc(item), balance=balance)


def redeemed_private(t: Translator, scope: str, points: int, item: str, balance: int) -> str:
    """The volunteer's own note of a redemption."""
    return t.gettext(
        "{n} points of your {scope} passbook were redeemed for {item}. Balance now "
        "{balance}. /points shows the passbook."
    ).format(scope=esc(scope), n=points, item=esc(item), balance=balance)


def short_balance(t: Translator, name: str, balance: int | None, wanted: int = 0) -> str:
    """Not enough points (in a group without the balance: points are private)."""
    if balance is None:
        return t.gettext("{name} has fewer than {n} points: nothing was recorded.").format(
            name=esc(name), n=wanted
        )
    return t.gettext("{name} has only {n} points: nothing was recorded.").format(
        name=esc(name), n=balance
    )


def short_own(t: Translator, balance: int) -> str:
    """The volunteer's own request is beyond their points."""
    return t.gettext("You have {n} points: not enough for that.").format(n=balance)


def own_points(t: Translator) -> str:
    """Redeeming one's own points."""
    return t.gettext("Nobody records a redemption of their own points: ask another leader.")
