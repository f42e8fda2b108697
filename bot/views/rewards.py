"""/rewards: the 爱心超市 catalogue, asking for an item, the leaders' hand-over."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import esc, plain_text
from storage.models import RewardItem


def _item(t: Translator, item: RewardItem) -> str:
    return t.gettext("{item} · {n} points").format(item=esc(item.name), n=item.price)


def catalogue_text(
    t: Translator, scope: str, items: Sequence[RewardItem], balance: int | None
) -> str:
    """🎁 The catalogue of a community (or lone team)."""
    lines = [t.gettext("🎁 Rewards of {scope}").format(scope=esc(scope))]
    if not items:
        lines.append(t.gettext("Nothing on offer yet."))
    lines += [f"  #{item.id} {_item(t, item)}" for item in items]
    if balance is not None:
        lines.append(t.gettext("Your points: {n}. Tap an item to ask for it; the points are "
                               "spent only when a leader hands it over.").format(n=balance))
    return "\n".join(lines)


def catalogue_keyboard(t: Translator, items: Sequence[RewardItem]) -> InlineKeyboardMarkup | None:
    """One button per item."""
    if not items:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_item(t, i), callback_data=f"rwask:{i.id}")] for i in items]
    )


def in_group_hint(t: Translator) -> str:
    """In the group the catalogue is only listed."""
    return t.gettext("To ask for an item, send /rewards to the bot privately.")


def rewards_usage(t: Translator) -> str:
    """How /rewards is written."""
    return plain_text(
        t,
        "Usage: /rewards — the catalogue. Office staff (or a team's leaders, before it joins "
        "a community): /rewards add <points> <item>, /rewards remove <number>.",
    )


def item_added(t: Translator, item: RewardItem) -> str:
    """On offer now."""
    return t.gettext("Added to the catalogue: #{id} {item}").format(id=item.id,
                                                                    item=_item(t, item))


def item_removed(t: Translator, item: RewardItem) -> str:
    """Off the catalogue."""
    return t.gettext("Taken off the catalogue: {item}").format(item=esc(item.name))


def catalogue_full(t: Translator) -> str:
    """Too many items."""
    return t.gettext("The catalogue is full (30 items): take one off first.")


def no_such_item(t: Translator) -> str:
    """Not on offer."""
    return t.gettext("That item is not on offer.")


def staff_sets_it(t: Translator) -> str:
    """A joined team's leaders do not set the catalogue."""
    return t.gettext("This team's catalogue is the community's: its office staff set it.")


def asked(t: Translator, item: RewardItem, reached: int) -> str:
    """The volunteer asked; the leaders were told."""
    if not reached:
        return t.gettext(
            "Asked for {item}, but none of your leaders has started a private chat with the "
            "bot yet: please tell a leader in person."
        ).format(item=esc(item.name))
    return t.gettext(
        "Asked for {item}. A leader will hand it over; the points are spent then."
    ).format(item=esc(item.name))


def request_for_leaders(t: Translator, name: str, team: str, item: RewardItem,
                        balance: int) -> str:
    """To the leaders privately."""
    return t.gettext(
        "🎁 {name} ({team}) asks for {item} ({n} points; has {balance}). Tap Handed over "
        "when they have it."
    ).format(name=esc(name), team=esc(team), item=esc(item.name), n=item.price,
             balance=balance)


def request_keyboard(t: Translator, request_id: int) -> InlineKeyboardMarkup:
    """Handed over / Not now."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t.gettext("✅ Handed over"), callback_data=f"rwok:{request_id}"),
        InlineKeyboardButton(t.gettext("Not now"), callback_data=f"rwno:{request_id}"),
    ]])


def handed_toast(t: Translator, outcome: str) -> str:
    """The answer to the leader's tap."""
    return {
        "handed": t.gettext("Handed over: the points are spent"),
        "declined": t.gettext("Not handed over"),
        "closed": t.gettext("Already decided"),
        "short": t.gettext("Not enough points any more: nothing was spent"),
        "own": t.gettext("Nobody hands over to themselves"),
    }[outcome]


def handed_private(t: Translator, item: RewardItem, balance: int) -> str:
    """The volunteer is told."""
    return t.gettext(
        "🎁 You received {item}: {n} points spent, {balance} left. /points shows the passbook."
    ).format(item=esc(item.name), n=item.price, balance=balance)


def declined_private(t: Translator, item: RewardItem) -> str:
    """The volunteer is told."""
    return t.gettext(
        "Your request for {item} was not handed over this time; no points were spent."
    ).format(item=esc(item.name))
