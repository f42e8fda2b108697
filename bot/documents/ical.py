"""A person's coming shifts as an iCalendar file (.ics) for their phone's calendar.

Times are UTC; each event's UID names the shift and the person, so importing the file again
updates the events instead of adding copies; a reminder an hour before each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event

from bot.i18n import Translator
from storage.claims import ComingPlace
from storage.models import Shift

ALARM_BEFORE = timedelta(minutes=60)


def event_uid(shift: Shift, person_id: int) -> str:
    """The same shift for the same person is always the same event."""
    return f"shift-{shift.id}-person-{person_id}@dutybot"


def calendar_file(
    t: Translator, person_id: int, places: Sequence[ComingPlace], now: datetime
) -> bytes:
    """The .ics of the coming shifts; a place given up (or a shift cancelled) stays as a
    cancelled event under the same UID, so a phone that imported it earlier drops it."""
    calendar = Calendar()
    calendar.add("prodid", "-//dutybot//duty roster//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", t.gettext("My volunteer duties"))
    for place in places:
        shift, duty, group = place.shift, place.duty, place.group
        event = Event()
        event.add("uid", event_uid(shift, person_id))
        event.add("status", "CONFIRMED" if place.held else "CANCELLED")
        event.add("sequence", 0 if place.held else 1)
        event.add("dtstamp", now)
        event.add("dtstart", shift.start_at)
        event.add("dtend", shift.end_at)
        event.add("summary", t.gettext("{duty} ({team})").format(duty=duty.name, team=group.title))
        if duty.place:
            event.add("location", duty.place)
        event.add("description", t.gettext(
            "Check in with /checkin in the team's group when you arrive."
        ))
        if not place.held:
            calendar.add_component(event)
            continue
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", t.gettext("{duty} starts in an hour").format(duty=duty.name))
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
        calendar.add_component(event)
    content: bytes = calendar.to_ical()
    return content
