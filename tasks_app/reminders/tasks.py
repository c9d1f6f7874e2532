"""Celery tasks for reminders: thin wrappers that take ids and dates, never model instances.

Beat triggers `reminders_sweep` at REMINDERS_SEND_AT on every day (the sweep itself skips days
off), `reminders_deliver_due` every minute, and `reminders_sweep_if_missed` every ten minutes.
Each task is safe to run twice: the ledger's unique key and the compare-and-set claim see to it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from celery import shared_task
from django.utils import timezone

from tasks_app.models import ReminderSweep


@shared_task(ignore_result=True)
def reminders_sweep(day: str | None = None) -> dict:
    """The daily sweep (beat), or one for a given ISO date."""
    from .sweep import reminders_sweep_run

    result = reminders_sweep_run(
        day=dt.date.fromisoformat(day) if day else None,
        trigger=ReminderSweep.Trigger.SCHEDULE,
    )
    return {
        "day": result.day.isoformat(),
        "working_day": result.working_day,
        "entries": result.entries_created,
        "digests": len(result.digest_ids),
        "escalated": result.escalated,
    }


@shared_task(ignore_result=True)
def reminders_deliver(digest_ids: list[int]) -> dict:
    """Send a batch of digests (claimed with compare-and-set; already-claimed ones are skipped)."""
    from .delivery import digests_deliver

    return dataclasses.asdict(digests_deliver(digest_ids=digest_ids))


@shared_task(ignore_result=True)
def reminders_deliver_due() -> dict:
    """Retries that are due, expired leases, and pending digests whose message was lost."""
    from .delivery import digests_deliver_due

    return dataclasses.asdict(digests_deliver_due())


@shared_task(ignore_result=True)
def reminders_sweep_if_missed() -> dict | None:
    """Run today's sweep if its time has passed and no scheduled or command sweep ran today
    (beat was down at the send time, or its message was lost)."""
    from django.conf import settings

    now = timezone.localtime()
    hour, minute = (int(part) for part in settings.REMINDERS_SEND_AT.split(":"))
    if (now.hour, now.minute) < (hour, minute):
        return None
    ran = ReminderSweep.objects.filter(day=now.date()).exclude(trigger=ReminderSweep.Trigger.MANUAL)
    if ran.exists():
        return None
    return reminders_sweep(now.date().isoformat())
