"""Reads for the API, built on tasks_app.access (who sees what) and tasks_app.selectors (colour).

Every queryset here starts from an access.*_visible_to() queryset; nothing widens it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from rest_framework.request import Request

from agencies.models import User
from tasks_app.access import (
    events_visible_to,
    extension_requests_visible_to,
    plans_visible_to,
    reports_visible_to,
    responsibilities_visible_on_visible_tasks,
    responsibilities_visible_to,
    targets_visible_to,
    tasks_visible_to,
)
from tasks_app.dashboard import report_missing
from tasks_app.models import (
    DeliveryAttempt,
    Event,
    ExtensionRequest,
    Plan,
    ProgressReport,
    ReminderDigest,
    ReminderEntry,
    Responsibility,
    Section,
    Target,
    Task,
)
from tasks_app.reminders.selectors import reminder_digests_counted
from tasks_app.selectors import (
    Colour,
    ColourRules,
    colour_conditions,
    colour_expression,
    colour_filter,
)
from tasks_app.selectors_reports import targets_with_progress

S = Responsibility.Status


def colour_rules(request: Request) -> ColourRules:
    """The colour rules for this request: "today" and the working-day thresholds, loaded once."""
    rules = getattr(request, "_colour_rules", None)
    if rules is None:
        rules = ColourRules.on()
        request._colour_rules = rules
    return rules


@dataclass(frozen=True)
class ResponsibilityCriteria:
    """Conditions on one responsibility (all must hold for the same one)."""

    agency: int | None = None
    role: str | None = None
    statuses: tuple[str, ...] = ()
    colour: str | None = None
    overdue: bool | None = None
    due_before: dt.date | None = None
    due_after: dt.date | None = None
    report_missing: bool | None = None

    def is_empty(self) -> bool:
        return self == ResponsibilityCriteria()

    def q(self, rules: ColourRules) -> Q:
        """The WHERE condition on Responsibility."""
        q = Q()
        if self.agency is not None:
            q &= Q(agency_id=self.agency)
        if self.role:
            q &= Q(role=self.role)
        if self.statuses:
            q &= Q(status__in=self.statuses)
        if self.colour:
            q &= colour_filter(rules, self.colour)
        if self.overdue is not None:
            red = colour_conditions(rules)[Colour.RED]
            q &= red if self.overdue else ~red
        if self.due_before is not None:
            q &= Q(due_on__lte=self.due_before)
        if self.due_after is not None:
            q &= Q(due_on__gte=self.due_after)
        if self.report_missing is not None:
            missing = report_missing(rules)
            q &= missing if self.report_missing else ~missing
        return q


# --- Tasks and responsibilities ---------------------------------------------------------------


def responsibilities_for(user: User, rules: ColourRules) -> QuerySet[Responsibility]:
    """Responsibilities the user may see, with colour (the one expression) and agency."""
    return _coloured(responsibilities_visible_to(user), rules)


def _coloured(responsibilities: QuerySet[Responsibility], rules: ColourRules):
    return responsibilities.annotate(colour=colour_expression(rules)).select_related("agency")


def _on_visible_tasks(user: User) -> QuerySet[Responsibility]:
    return responsibilities_visible_on_visible_tasks(user)


def responsibilities_listed(user: User, rules: ColourRules) -> QuerySet[Responsibility]:
    """The responsibility list and detail: with the task and plan (for the user's actions) and
    the staff named to each (one query for a page)."""
    assignees = User.objects.order_by("last_name", "first_name", "username").only(
        "id", "username", "first_name", "last_name"
    )
    return (
        responsibilities_for(user, rules)
        .select_related("task__plan")
        .defer("task__text", "task__plan__source_text")
        .prefetch_related(Prefetch("assignees", queryset=assignees))
    )


# The plan's whole document text: never needed next to a task, and large.
PLAN_TEXT = ("plan__source_text",)
# What the task list shows, and what access.capacities reads (the plan's coordinating agency):
# loading only these keeps a page of 50 tasks cheap to build.
LISTED_TASK_FIELDS = (
    *("id", "plan_id", "section_id", "parent_id", "ref", "number", "title", "kind", "due_on"),
    *("plan__id", "plan__coordinating_agency_id", "plan__leader_approval_required"),
)
BRIEF_RESPONSIBILITY_FIELDS = (
    *("id", "task_id", "agency_id", "role", "status", "order", "due_on", "original_due_on"),
    *("progress_percent", "last_reported_at", "next_report_due_on", "version"),
    *("agency__id", "agency__name", "agency__short_name"),
)


def tasks_listed(user: User, rules: ColourRules) -> QuerySet[Task]:
    """Tasks the user may see, each with the responsibilities on it that the user may see (in
    `visible_responsibilities`, coloured). Two queries for a page, whatever its size."""
    visible = (
        _coloured(_on_visible_tasks(user), rules)
        .only(*BRIEF_RESPONSIBILITY_FIELDS)
        .order_by("order", "id")
    )
    return (
        tasks_visible_to(user)
        .select_related("plan")
        .only(*LISTED_TASK_FIELDS)
        .prefetch_related(
            Prefetch("responsibilities", queryset=visible, to_attr="visible_responsibilities")
        )
    )


def tasks_matching(
    tasks: QuerySet[Task], user: User, rules: ColourRules, criteria: ResponsibilityCriteria
) -> QuerySet[Task]:
    """Tasks with at least one responsibility, visible to the user, that meets all `criteria`
    (so a supporting agency cannot find tasks by the lead agency's state)."""
    if criteria.is_empty():
        return tasks
    matching = _on_visible_tasks(user).filter(criteria.q(rules), task_id=OuterRef("pk"))
    return tasks.filter(Exists(matching))


def task_detail(user: User, rules: ColourRules) -> QuerySet[Task]:
    """As tasks_listed, plus the section and the task's targets with their reported progress."""
    targets = targets_with_progress(targets_visible_to(user)).order_by("order", "id")
    return (
        tasks_listed(user, rules)
        .only(*LISTED_TASK_FIELDS, "text", "section")
        .select_related("section")
        .prefetch_related(Prefetch("targets", queryset=targets, to_attr="visible_targets"))
    )


def worst_colour(responsibilities: list[Responsibility]) -> str | None:
    """The task's colour: the worst among the given (already coloured) responsibilities."""
    if not responsibilities:
        return None
    return min((r.colour for r in responsibilities), key=Colour.RANK.__getitem__)


def days_overdue(responsibilities: list[Responsibility], today: dt.date) -> int:
    """Days past the earliest deadline among the open ones (0 when none is overdue)."""
    late = [
        (today - r.due_on).days
        for r in responsibilities
        if r.status in Responsibility.OPEN_STATUSES and r.due_on is not None and r.due_on < today
    ]
    return max(late, default=0)


# --- Plans --------------------------------------------------------------------------------------


def plans_listed(user: User) -> QuerySet[Plan]:
    """Plans without their document text (the API does not serve it)."""
    return (
        plans_visible_to(user)
        .select_related("coordinating_agency")
        .defer("source_text")
        .order_by("id")
    )


def plan_detail(user: User) -> QuerySet[Plan]:
    """Plans with their sections (document order) and the targets the user may see."""
    targets = targets_with_progress(targets_visible_to(user)).order_by("order", "id")
    return plans_listed(user).prefetch_related(
        Prefetch("sections", queryset=Section.objects.order_by("order", "id")),
        Prefetch("targets", queryset=targets, to_attr="visible_targets"),
    )


def sections_of(plan: Plan) -> QuerySet[Section]:
    return plan.sections.order_by("order", "id")


# --- Reports, requests, history --------------------------------------------------------------


def reports_listed(user: User) -> QuerySet[ProgressReport]:
    return (
        reports_visible_to(user)
        .select_related(
            "responsibility__agency", "responsibility__task__plan", "submitted_by", "returned_by"
        )
        .defer("responsibility__task__text", "responsibility__task__plan__source_text")
    )


def report_detail(user: User) -> QuerySet[ProgressReport]:
    return reports_listed(user).prefetch_related("target_values__target", "attachments")


def extension_requests_listed(user: User) -> QuerySet[ExtensionRequest]:
    return extension_requests_visible_to(user).select_related(
        "responsibility__agency", "requested_by", "decided_by"
    )


def completion_requests_listed(user: User, rules: ColourRules) -> QuerySet[Responsibility]:
    """Responsibilities whose agency asked for completion (awaiting the leader or coordinator)."""
    return responsibilities_listed(user, rules).filter(
        status__in=(S.LEADER_REVIEW, S.COMPLETION_REQUESTED)
    )


def events_listed(user: User) -> QuerySet[Event]:
    return events_visible_to(user).select_related("actor", "responsibility__agency")


def calendar_deadlines(user: User) -> QuerySet[Responsibility]:
    """The open deadlines of the user's own agency (the calendar feed), never another agency's."""
    if user.agency_id is None:
        return Responsibility.objects.none()
    return (
        responsibilities_visible_to(user)
        .filter(agency_id=user.agency_id, status__in=Responsibility.OPEN_STATUSES)
        .filter(Q(due_on__isnull=False) | Q(next_report_due_on__isnull=False))
        .select_related("task__plan", "agency")
        .defer("task__text", "task__plan__source_text")
        .order_by("due_on", "id")
    )


def targets_of_plan(user: User, plan: Plan) -> QuerySet[Target]:
    return targets_with_progress(targets_visible_to(user).filter(plan=plan)).order_by("order", "id")


def targets_listed(user: User) -> QuerySet[Target]:
    """The targets the user may see, with the latest reported progress (as in the admin)."""
    return targets_with_progress(targets_visible_to(user))


# --- Reminders --------------------------------------------------------------------------------


def reminder_digests_listed(user: User) -> QuerySet[ReminderDigest]:
    """The emails the user may see (every item in them visible: reminder_digests_visible_to),
    with the number of reminders each carries, as in the admin; without the bodies."""
    return reminder_digests_counted(user).defer("body_text", "body_html")


def reminder_digest_detail(user: User) -> QuerySet[ReminderDigest]:
    """Emails with their bodies and delivery attempts (their reminders: reminder_digest_entries)."""
    return (
        reminder_digests_listed(user)
        .defer(None)
        .prefetch_related(
            Prefetch("delivery_attempts", queryset=DeliveryAttempt.objects.order_by("number", "id"))
        )
    )


def reminder_digest_entries(digest: ReminderDigest) -> list[ReminderEntry]:
    """The reminders an email carries (all visible to whoever may see the email)."""
    return list(digest.entries.select_related("responsibility__agency").order_by("id"))
