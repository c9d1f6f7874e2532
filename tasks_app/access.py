"""Who may see and do what. The one place that decides; admin, API, exports and feeds ask it.

Rules:
- Administrators (superusers) see and do everything.
- Coordinators (督办员) see everything in the plans their agency coordinates, and decide there.
- Agency staff (经办人) and leaders (分管领导) see the tasks on which their agency has a
  responsibility, act only on their own agency's responsibilities, and — on tasks their agency
  leads — also see the other agencies' responsibilities and reports.
- Anyone else sees nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet

from agencies.models import Agency, User

from .models import (
    Event,
    ExtensionRequest,
    Plan,
    ProgressReport,
    ReportAttachment,
    Responsibility,
    Target,
    Task,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def is_administrator(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_coordinator(user: User | AnonymousUser) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role == User.Role.COORDINATOR
        and user.agency_id is not None
    )


def is_agency_member(user: User | AnonymousUser) -> bool:
    """Staff or leader of an agency (the people who do the work)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role in (User.Role.STAFF, User.Role.LEADER)
        and user.agency_id is not None
    )


def can_use_service(user: User | AnonymousUser) -> bool:
    return is_administrator(user) or is_coordinator(user) or is_agency_member(user)


def plans_visible_to(user: User | AnonymousUser) -> QuerySet[Plan]:
    plans = Plan.objects.all()
    if is_administrator(user):
        return plans
    if is_coordinator(user):
        return plans.filter(coordinating_agency_id=user.agency_id)
    if is_agency_member(user):
        return plans.filter(
            Exists(
                Responsibility.objects.filter(
                    task__plan_id=OuterRef("pk"), agency_id=user.agency_id
                )
            )
        )
    return plans.none()


def tasks_visible_to(user: User | AnonymousUser) -> QuerySet[Task]:
    tasks = Task.objects.all()
    if is_administrator(user):
        return tasks
    if is_coordinator(user):
        return tasks.filter(plan__coordinating_agency_id=user.agency_id)
    if is_agency_member(user):
        return tasks.filter(
            Exists(Responsibility.objects.filter(task_id=OuterRef("pk"), agency_id=user.agency_id))
        )
    return tasks.none()


def _led_by_own_agency(user: User) -> Q:
    """Responsibilities on tasks that the user's agency leads."""
    return Q(
        Exists(
            Responsibility.objects.filter(
                task_id=OuterRef("task_id"),
                agency_id=user.agency_id,
                role=Responsibility.Role.LEAD,
            )
        )
    )


def responsibilities_visible_to(
    user: User | AnonymousUser, *, own_agency_only: bool = False
) -> QuerySet[Responsibility]:
    """The responsibilities `user` may see; with `own_agency_only`, only those of the user's own
    agency among them (an agency member's "我的任务": a plain agency filter, without the
    led-task rule's subquery, since an agency always sees its own responsibilities)."""
    responsibilities = Responsibility.objects.all()
    if own_agency_only:
        if not can_use_service(user) or user.agency_id is None:
            return responsibilities.none()
        responsibilities = responsibilities.filter(agency_id=user.agency_id)
    if is_administrator(user):
        return responsibilities
    if is_coordinator(user):
        return responsibilities.filter(task__plan__coordinating_agency_id=user.agency_id)
    if is_agency_member(user):
        if own_agency_only:
            return responsibilities
        return responsibilities.filter(Q(agency_id=user.agency_id) | _led_by_own_agency(user))
    return responsibilities.none()


def responsibilities_visible_on_visible_tasks(
    user: User | AnonymousUser,
) -> QuerySet[Responsibility]:
    """responsibilities_visible_to(user), for queries already narrowed to tasks_visible_to(user).

    Administrators and coordinators see every responsibility on every task they see, so for them
    the visibility condition (a join through task and plan in every probe) adds nothing there and
    is left out: PostgreSQL can then drive a task list from the responsibility indexes
    (bench/api_task_list.py). Agency staff keep it: on a task they only support they do not see
    the lead agency's part.
    """
    if is_administrator(user) or is_coordinator(user):
        return Responsibility.objects.all()
    return responsibilities_visible_to(user)


def targets_visible_to(user: User | AnonymousUser) -> QuerySet[Target]:
    targets = Target.objects.all()
    if is_administrator(user):
        return targets
    if is_coordinator(user):
        return targets.filter(plan__coordinating_agency_id=user.agency_id)
    if is_agency_member(user):
        return targets.filter(task__in=tasks_visible_to(user))
    return targets.none()


def events_visible_to(user: User | AnonymousUser) -> QuerySet[Event]:
    events = Event.objects.all()
    if is_administrator(user):
        return events
    if is_coordinator(user):
        # Plan-level events (an import, a plan edit) have no task: match on the plan itself.
        return events.filter(plan__coordinating_agency_id=user.agency_id)
    if is_agency_member(user):
        # Task-level events (a target changed) are seen by every agency on the task, as the
        # targets themselves are; responsibility events follow the responsibility.
        return events.filter(
            Q(responsibility__in=responsibilities_visible_to(user))
            | Q(responsibility__isnull=True, task__in=tasks_visible_to(user))
        )
    return events.none()


def extension_requests_visible_to(user: User | AnonymousUser) -> QuerySet[ExtensionRequest]:
    requests = ExtensionRequest.objects.all()
    if is_administrator(user):
        return requests
    if is_coordinator(user):
        return requests.filter(responsibility__task__plan__coordinating_agency_id=user.agency_id)
    if is_agency_member(user):
        return requests.filter(responsibility__in=responsibilities_visible_to(user))
    return requests.none()


def agencies_visible_to(user: User | AnonymousUser) -> QuerySet[Agency]:
    """Coordinators pick agencies when (re)assigning; staff only see their own agency."""
    agencies = Agency.objects.all()
    if is_administrator(user) or is_coordinator(user):
        return agencies
    if is_agency_member(user):
        return agencies.filter(pk=user.agency_id)
    return agencies.none()


# --- What a user is to one responsibility -----------------------------------------------------


class Capacity:
    """The capacities in which a user may act on a responsibility (see services.workflow)."""

    OWN_STAFF = "own_staff"  # staff or leader of the responsible agency
    OWN_LEADER = "own_leader"  # leader of the responsible agency
    COORDINATOR = "coordinator"  # coordinator of the task's plan, or an administrator


def capacities(user: User | AnonymousUser, responsibility: Responsibility) -> frozenset[str]:
    """Every capacity `user` holds towards `responsibility` (needs task.plan loaded)."""
    held: set[str] = set()
    if is_administrator(user) or (
        is_coordinator(user) and responsibility.task.plan.coordinating_agency_id == user.agency_id
    ):
        held.add(Capacity.COORDINATOR)
    if is_agency_member(user) and user.agency_id == responsibility.agency_id:
        held.add(Capacity.OWN_STAFF)
        if user.role == User.Role.LEADER:
            held.add(Capacity.OWN_LEADER)
    return frozenset(held)


def can_coordinate_plan(user: User | AnonymousUser, plan: Plan) -> bool:
    return is_administrator(user) or (
        is_coordinator(user) and plan.coordinating_agency_id == user.agency_id
    )


# --- Progress reports (进展反馈) -----------------------------------------------------------------


def reports_visible_to(user: User | AnonymousUser) -> QuerySet[ProgressReport]:
    """Reports on the responsibilities the user may see: an agency sees its own reports, and on
    tasks it leads also the other agencies' (to consolidate them); coordinators see their plans'."""
    reports = ProgressReport.objects.all()
    if is_administrator(user):
        return reports
    if is_coordinator(user):
        return reports.filter(responsibility__task__plan__coordinating_agency_id=user.agency_id)
    if is_agency_member(user):
        return reports.filter(responsibility__in=responsibilities_visible_to(user))
    return reports.none()


def attachments_visible_to(user: User | AnonymousUser) -> QuerySet[ReportAttachment]:
    """Attachments of the reports the user may see (downloads must ask this, not the URL)."""
    attachments = ReportAttachment.objects.all()
    if is_administrator(user):
        return attachments
    return attachments.filter(report__in=reports_visible_to(user))


# --- Who else is on a task (admin change pages, the agency × task matrix) ------------------------


def task_agencies_visible_to(user: User | AnonymousUser) -> QuerySet[Responsibility]:
    """Every responsibility on the tasks the user can see, for showing *which agency holds which
    role* — what the plan itself prints. Their status, reports and history are still only shown
    where responsibilities_visible_to allows."""
    return Responsibility.objects.filter(task__in=tasks_visible_to(user))
