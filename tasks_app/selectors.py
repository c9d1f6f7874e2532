"""Reads that matter: the traffic-light colour, overdue lists, counts. Used by admin, API, reminders.

The colour is one database expression (`colour_expression`), so every list, count, filter and
export agrees with every other, and nothing is computed row by row in templates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import User

from .models import Responsibility, Task

if TYPE_CHECKING:
    from .working_days import WorkingCalendar

S = Responsibility.Status


class Colour:
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    GREY = "grey"

    CHOICES = (
        (RED, _("红灯（逾期）")),
        (AMBER, _("黄灯（临期或滞后）")),
        (GREEN, _("绿灯（正常）")),
        (GREY, _("灰色（已办结或中止）")),
    )
    LABELS = dict(CHOICES)
    RANK = {RED: 0, AMBER: 1, GREEN: 2, GREY: 3}


@dataclass(frozen=True)
class ColourRules:
    """The dates the colour rules compare with, fixed once per request or sweep."""

    today: dt.date
    amber_until: dt.date  # due on or before this day (and not overdue): amber
    accept_by_threshold: dt.date  # assigned on or before this day and not accepted: 签收 overdue
    # The calendar the dates came from, for the per-plan 签收 windows (None: no per-plan windows).
    calendar: WorkingCalendar | None = field(default=None, compare=False, repr=False)

    @classmethod
    def on(cls, today: dt.date | None = None) -> ColourRules:
        from .working_days import WorkingCalendar

        today = today or timezone.localdate()
        calendar = WorkingCalendar.load()
        return cls(
            today=today,
            amber_until=calendar.add(today, settings.DUBAN_AMBER_WITHIN_WORKING_DAYS),
            accept_by_threshold=calendar.add(today, -settings.DUBAN_ACCEPT_WITHIN_WORKING_DAYS),
            calendar=calendar,
        )

    @cached_property
    def accept_by_plan(self) -> tuple[tuple[dt.date, frozenset[int]], ...]:
        """Plans whose reminder rules set their own 签收 window: (their threshold, their plan
        ids). Read when first asked (the 签收超时 filter and counts), not on every page."""
        if self.calendar is None:
            return ()
        from .models import ReminderPolicy

        default = settings.DUBAN_ACCEPT_WITHIN_WORKING_DAYS
        windows: dict[int, set[int]] = {}
        overrides = ReminderPolicy.objects.filter(accept_within__isnull=False).exclude(
            accept_within=default
        )
        for plan_id, days in overrides.values_list("plan_id", "accept_within"):
            windows.setdefault(days, set()).add(plan_id)
        return tuple(
            (self.calendar.add(self.today, -days), frozenset(plans))
            for days, plans in sorted(windows.items())
        )


def _q(prefix: str, **lookups) -> Q:
    return Q(**{f"{prefix}{key}": value for key, value in lookups.items()})


def colour_conditions(rules: ColourRules, prefix: str = "") -> dict[str, Q]:
    """The condition for each colour, on Responsibility (or through `prefix`, e.g. "responsibilities__")."""
    final = _q(prefix, status__in=Responsibility.FINAL_STATUSES)
    red = ~final & _q(prefix, due_on__lt=rules.today)
    amber = (
        ~final
        & ~red
        & (
            _q(prefix, due_on__lte=rules.amber_until)
            | _q(prefix, behind_schedule_on__lte=rules.today)
            | _q(prefix, status=S.IN_PROGRESS, next_report_due_on__lt=rules.today)
        )
    )
    return {Colour.GREY: final, Colour.RED: red, Colour.AMBER: amber}


def _colour_whens(rules: ColourRules) -> list[tuple[str, Q]]:
    """colour_conditions in CASE order. A WHEN is only reached when the earlier ones did not
    match (false or NULL), so each tests only its own rule: the same colours with far fewer
    predicates per row, which counts because the lists sort every visible row by it."""
    final = Q(status__in=Responsibility.FINAL_STATUSES)
    red = Q(due_on__lt=rules.today)
    amber = (
        Q(due_on__lte=rules.amber_until)
        | Q(behind_schedule_on__lte=rules.today)
        | Q(status=S.IN_PROGRESS, next_report_due_on__lt=rules.today)
    )
    return [(Colour.GREY, final), (Colour.RED, red), (Colour.AMBER, amber)]


def colour_expression(rules: ColourRules) -> Case:
    """Red: overdue. Amber: due within N working days, behind 序时进度, or a report overdue.
    Green: otherwise. Grey: completed or suspended."""
    return Case(
        *(When(condition, then=Value(colour)) for colour, condition in _colour_whens(rules)),
        default=Value(Colour.GREEN),
        output_field=CharField(),
    )


def colour_rank_expression(rules: ColourRules) -> Case:
    return Case(
        *(
            When(condition, then=Value(Colour.RANK[colour]))
            for colour, condition in _colour_whens(rules)
        ),
        default=Value(Colour.RANK[Colour.GREEN]),
        output_field=IntegerField(),
    )


def colour_filter(rules: ColourRules, colour: str) -> Q:
    """A WHERE condition for one colour (index-friendly, no annotation needed)."""
    conditions = colour_conditions(rules)
    if colour == Colour.GREEN:
        return ~conditions[Colour.GREY] & ~conditions[Colour.RED] & ~conditions[Colour.AMBER]
    return conditions[colour]


def acceptance_overdue(rules: ColourRules) -> Q:
    """Assigned, and not accepted within N working days (签收超时): the plan's own window where its
    reminder rules set one (ReminderPolicy.accept_within), else DUBAN_ACCEPT_WITHIN_WORKING_DAYS —
    the same window the 签收 reminder waits for."""
    within = Q(assigned_at__date__lte=rules.accept_by_threshold)
    if rules.accept_by_plan:
        overridden = frozenset().union(*(plans for _threshold, plans in rules.accept_by_plan))
        within &= ~Q(task__plan_id__in=overridden)
        for threshold, plans in rules.accept_by_plan:
            within |= Q(task__plan_id__in=plans, assigned_at__date__lte=threshold)
    return Q(status=S.ASSIGNED) & within


def with_colour(
    responsibilities: QuerySet[Responsibility], rules: ColourRules
) -> QuerySet[Responsibility]:
    return responsibilities.annotate(
        colour=colour_expression(rules), colour_rank=colour_rank_expression(rules)
    )


def tasks_with_state(tasks: QuerySet[Task], rules: ColourRules) -> QuerySet[Task]:
    """Tasks with the lead's status (None: lead to be assigned) and the worst colour among them."""
    lead = Responsibility.objects.filter(task_id=OuterRef("pk"), role=Responsibility.Role.LEAD)
    worst = (
        Responsibility.objects.filter(task_id=OuterRef("pk"))
        .annotate(rank=colour_rank_expression(rules))
        .order_by("rank")
        .values("rank")[:1]
    )
    return tasks.annotate(
        lead_status=Subquery(lead.values("status")[:1]),
        lead_agency_id=Subquery(lead.values("agency_id")[:1]),
        colour_rank=Subquery(worst, output_field=IntegerField()),
    )


def days_left(responsibility: Responsibility, today: dt.date) -> int | None:
    """Calendar days until the deadline (negative: days overdue); None without a deadline."""
    if responsibility.due_on is None:
        return None
    return (responsibility.due_on - today).days


def assignable_users(agency_id: int) -> QuerySet[User]:
    """Who may be named 经办人 on an agency's responsibility: its active staff and leaders (the
    people access.capacities gives OWN_STAFF there), staff before leaders, then by name."""
    return User.objects.filter(
        agency_id=agency_id,
        is_active=True,
        role__in=(User.Role.LEADER, User.Role.STAFF),
    ).order_by("-role", "last_name", "first_name", "username")
