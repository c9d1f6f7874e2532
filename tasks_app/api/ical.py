"""The iCalendar feed of an agency's deadlines, behind a private, revocable URL per user.

Calendar programs cannot log in, so the URL carries a secret (tasks_app.models.AccessToken of
kind "calendar"). It shows only the deadlines of the user's own agency (selectors.
calendar_deadlines, built on tasks_app.access): completion deadlines and report due days, as
all-day events with stable UIDs so that calendars update them in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from agencies.models import User
from tasks_app.models import Responsibility


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _event(uid: str, day: dt.date, summary: str, description: str, url: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event


def deadlines_calendar(user: User, responsibilities: Iterable[Responsibility]) -> bytes:
    """An iCalendar document (RFC 5545) of the given responsibilities' deadlines."""
    calendar = Calendar()
    calendar.add("prodid", "-//duban//deadlines//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("督查督办：本单位时限"))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    host = _host()
    for r in responsibilities:
        task, plan = r.task, r.task.plan
        url = f"{settings.SITE_URL}/api/v1/responsibilities/{r.pk}/"
        description = "\n".join(
            [plan.title, f"{task}", _("职责：%(role)s") % {"role": r.get_role_display()}]
        )
        if r.due_on is not None:
            calendar.add_component(
                _event(
                    f"responsibility-{r.pk}-due@{host}",
                    r.due_on,
                    _("【完成时限】%(task)s") % {"task": task.title},
                    description,
                    url,
                )
            )
        if r.next_report_due_on is not None and r.status == Responsibility.Status.IN_PROGRESS:
            calendar.add_component(
                _event(
                    f"responsibility-{r.pk}-report@{host}",
                    r.next_report_due_on,
                    _("【进展报送】%(task)s") % {"task": task.title},
                    description,
                    url,
                )
            )
    return calendar.to_ical()
