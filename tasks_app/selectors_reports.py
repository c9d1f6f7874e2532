"""Reads over progress reports: target roll-up (latest reported value per target) and the reports
a user may see on a task."""

from __future__ import annotations

from django.db.models import DecimalField, Exists, JSONField, OuterRef, Q, QuerySet, Subquery

from agencies.models import User

from .access import reports_visible_to
from .models import Plan, ProgressReport, ReportTargetValue, Responsibility, Target, Task

_LEAD = Responsibility.Role.LEAD


def _latest_values() -> QuerySet[ReportTargetValue]:
    """Values for the outer target, newest first (by period, then filing time), from
    non-returned reports of the task's lead agency — or of any agency while there is no lead."""
    task_has_lead = Exists(
        Responsibility.objects.filter(task_id=OuterRef(OuterRef("task_id")), role=_LEAD)
    )
    return (
        ReportTargetValue.objects.filter(
            target_id=OuterRef("pk"), report__responsibility__task_id=OuterRef("task_id")
        )
        .exclude(report__status=ProgressReport.Status.RETURNED)
        .filter(Q(report__responsibility__role=_LEAD) | ~task_has_lead)
        .order_by("-report__period_start", "-report__submitted_at", "-report_id")
    )


def targets_with_progress(targets: QuerySet[Target]) -> QuerySet[Target]:
    """`targets` annotated with reported_value, reported_items and reported_at: the latest value
    from the task's consolidated report (汇总). One query however many targets."""
    latest = _latest_values()
    return targets.annotate(
        reported_value=Subquery(
            latest.values("value")[:1],
            output_field=DecimalField(max_digits=20, decimal_places=4),
        ),
        reported_items=Subquery(latest.values("items")[:1], output_field=JSONField()),
        reported_at=Subquery(latest.values("report__submitted_at")[:1]),
    )


def plan_targets_with_progress(plan: Plan) -> QuerySet[Target]:
    """All of a plan's targets in document order, with their latest reported values. Plan-level
    targets (no task) have no reports: their values are None."""
    targets = Target.objects.filter(plan=plan).select_related("task").order_by("order", "id")
    return targets_with_progress(targets)


def reports_for_task(task: Task, user: User) -> QuerySet[ProgressReport]:
    """The reports on `task` that `user` may see (access.reports_visible_to), newest first, the
    lead's first within a period."""
    return (
        reports_visible_to(user)
        .filter(responsibility__task=task)
        .select_related("responsibility__agency", "submitted_by", "returned_by")
        .order_by("-period_start", "responsibility__order", "responsibility_id")
    )
