"""Driving sweeps through the calendar, one business day at a time, at the send time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import time_machine
from django.core.management import call_command

from tasks_app.models import ReminderEntry
from tasks_app.reminders.sweep import SweepResult, reminders_sweep_run

from .world import at


def sweep(day: dt.date, **options) -> SweepResult:
    """The sweep of `day`, run at 09:00 that day (today = `day`), without handing to workers."""
    with time_machine.travel(at(day), tick=False):
        return reminders_sweep_run(enqueue=False, **options)


def command(day: dt.date, *args: str) -> str:
    """`manage.py send_reminders --date day …` at 09:00 that day; returns what it printed."""
    from io import StringIO

    out = StringIO()
    with time_machine.travel(at(day), tick=False):
        call_command("send_reminders", "--date", day.isoformat(), *args, stdout=out)
    return out.getvalue()


def sweep_days(days: Iterable[dt.date]) -> None:
    for day in days:
        sweep(day)


def fired(kind: str, *, recipient: str, responsibility=None) -> list[tuple[dt.date, str]]:
    """(day, period) of every ledger row of `kind` to `recipient`, in order."""
    entries = ReminderEntry.objects.filter(kind=kind, recipient=recipient)
    if responsibility is not None:
        entries = entries.filter(responsibility=responsibility)
    return list(entries.order_by("day", "period").values_list("day", "period"))
