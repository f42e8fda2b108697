"""What the bot says, by family: model values in, Telegram HTML and keyboards out.

Every word goes through the catalog and every piece of user text through `render.esc`.
"""

from bot.views import (
    attendance,
    certificates,
    documents,
    duties,
    imports,
    labels,
    mine,
    orgs,
    places,
    points,
    record,
    reports,
    rewards,
    roster,
    settings,
    stats,
    today,
)

__all__ = [
    "attendance", "certificates", "documents", "duties", "imports", "labels", "mine", "orgs",
    "places", "points", "record", "reports", "rewards", "roster", "settings", "stats", "today",
]
