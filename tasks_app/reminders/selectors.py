"""Reads about reminders: what each user may see (asking tasks_app.access), what is due for
delivery, and what the coordinator's start page shows (escalated items, failed emails)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from tasks_app.access import (
    can_coordinate_plan,
    is_administrator,
    plans_visible_to,
    responsibilities_visible_to,
)
from tasks_app.models import ReminderDigest, ReminderEntry, ReminderPolicy, Responsibility

Status = ReminderDigest.Status
# A pending digest's broker message is normally consumed within seconds; after this the
# periodic delivery assumes it was lost (e.g. Redis restarted) and sends it itself.
PENDING_GRACE = dt.timedelta(seconds=30)


def claimable(now: dt.datetime) -> Q:
    """Digests a worker may claim now: pending, a retry that is due, or a lease that ran out."""
    return (
        Q(status=Status.PENDING)
        | Q(status=Status.RETRY, next_attempt_at__lte=now)
        | Q(status=Status.SENDING, lease_until__lt=now)
    )


def due_digest_ids(*, limit: int, pending_grace: dt.timedelta | None = None) -> list[int]:
    """Digests waiting for delivery that no broker message is known to be carrying."""
    now = timezone.now()
    grace = PENDING_GRACE if pending_grace is None else pending_grace
    due = claimable(now) & (~Q(status=Status.PENDING) | Q(created_at__lte=now - grace))
    return list(
        ReminderDigest.objects.filter(due).order_by("pk").values_list("pk", flat=True)[:limit]
    )


def reminder_entries_visible_to(user) -> QuerySet[ReminderEntry]:
    """Ledger rows about responsibilities the user may see."""
    if is_administrator(user):
        return ReminderEntry.objects.all()
    return ReminderEntry.objects.filter(responsibility__in=responsibilities_visible_to(user))


def reminder_digests_visible_to(user) -> QuerySet[ReminderDigest]:
    """Emails every item of which the user may see (an email never leaks another agency's item)."""
    digests = ReminderDigest.objects.all()
    if is_administrator(user):
        return digests
    visible = responsibilities_visible_to(user)
    inside = ReminderEntry.objects.filter(
        sweep_id=OuterRef("sweep_id"), recipient=OuterRef("recipient")
    )
    return digests.filter(Exists(inside.filter(responsibility__in=visible))).exclude(
        Exists(inside.exclude(responsibility__in=visible))
    )


def reminder_digests_counted(user) -> QuerySet[ReminderDigest]:
    """The emails the user may see, each with the number of reminders it carries (item_count):
    the email lists of the admin and the API."""
    entries = (
        ReminderEntry.objects.filter(sweep_id=OuterRef("sweep_id"), recipient=OuterRef("recipient"))
        .order_by()
        .values("sweep_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return reminder_digests_visible_to(user).annotate(item_count=Coalesce(Subquery(entries), 0))


def failed_digests_visible_to(user) -> QuerySet[ReminderDigest]:
    """Emails that could not be delivered (bad address, refused): for the coordinator to fix."""
    return reminder_digests_visible_to(user).filter(status=Status.FAILED)


def escalated_responsibilities_visible_to(user) -> QuerySet[Responsibility]:
    """Open items escalated to 督办 (for the coordinator's start page)."""
    return (
        responsibilities_visible_to(user)
        .filter(escalated_at__isnull=False)
        .exclude(status__in=Responsibility.FINAL_STATUSES)
    )


def reminder_policies_visible_to(user) -> QuerySet[ReminderPolicy]:
    return ReminderPolicy.objects.filter(plan__in=plans_visible_to(user))


def can_edit_reminder_policy(user, plan) -> bool:
    """Administrators, and the coordinators of the plan."""
    return can_coordinate_plan(user, plan)
