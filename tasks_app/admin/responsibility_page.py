"""What the responsibility change page shows besides its read-only fields: the other agencies on
the task, the staff named to it (经办人), the history, the reports, the targets with their roll-up,
extension requests, the buttons the user may press and the forms they may fill in. Every list
asks tasks_app.access; the forms are only offered where the services would accept them (the
services still decide)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks_app import scheduling
from tasks_app.access import (
    Capacity,
    agencies_visible_to,
    capacities,
    events_visible_to,
    extension_requests_visible_to,
    responsibilities_visible_to,
    targets_visible_to,
    task_agencies_visible_to,
)
from tasks_app.models import ExtensionRequest, ProgressReport, Responsibility
from tasks_app.selectors import assignable_users, with_colour
from tasks_app.selectors_reports import reports_for_task, targets_with_progress
from tasks_app.services.reports import REPORTABLE, available_report_actions
from tasks_app.services.workflow import EXTENSION_SOURCES, TRANSITIONS, available_actions

from .forms import (
    AssigneesForm,
    DeadlineForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ReassignForm,
    ReportForm,
    ReportReturnForm,
    person_label,
)
from .scoped import colour_badge, colour_rules

DRAFT_KEY = "duban_draft_{form}_{pk}"
DRAFTED_FIELDS = 40  # at most this many text fields are kept from a refused form


def stash_draft(request: HttpRequest, form: str, pk: int) -> None:
    """Keep what was typed into a refused form so the page can show it again (not files)."""
    data = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    request.session[DRAFT_KEY.format(form=form, pk=pk)] = dict(list(data.items())[:DRAFTED_FIELDS])


def pop_draft(request: HttpRequest, form: str, pk: int) -> dict | None:
    return request.session.pop(DRAFT_KEY.format(form=form, pk=pk), None)


def row_actions(user, responsibility: Responsibility) -> list[dict]:
    """The transitions `user` may make now, with whether each needs a reason."""
    return [
        {
            "action": action,
            "label": TRANSITIONS[action].action.label,
            "needs_reason": TRANSITIONS[action].reason_required,
        }
        for action in available_actions(user=user, responsibility=responsibility)
    ]


def report_periods(responsibility: Responsibility, today: dt.date) -> list[tuple[dt.date, str]]:
    """The current period, and earlier periods whose report was returned (to file again)."""
    cycle = responsibility.task.plan.reporting_cycle
    current = scheduling.reporting_period(cycle=cycle, on=today)
    returned = (
        responsibility.reports.filter(status=ProgressReport.Status.RETURNED)
        .exclude(period_start=current[0])
        .order_by("period_start")
        .values_list("period_start", "period_end")
    )
    periods = [(current[0], _("本期（%(start)s至%(end)s）") % _period(*current))]
    for start, end in returned:
        periods.append((start, _("被退回的%(start)s至%(end)s") % _period(start, end)))
    return periods


def _period(start: dt.date, end: dt.date) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat()}


def _report_form(request, responsibility, targets, today) -> ReportForm:
    periods = report_periods(responsibility, today)
    current = responsibility.reports.filter(period_start=periods[0][0]).first()
    initial = {"version": responsibility.version, "period_start": periods[0][0].isoformat()}
    if current is not None:
        initial.update(
            narrative=current.narrative, percent=current.percent, report_version=current.version
        )
        for value in current.target_values.all():
            initial[f"target_{value.target_id}_value"] = value.value.normalize()
            initial[f"target_{value.target_id}_items"] = "\n".join(value.items)
    else:
        initial["percent"] = responsibility.progress_percent
    draft = pop_draft(request, "report", responsibility.pk)
    if draft:
        initial.update(draft)
        initial["version"] = responsibility.version
    return ReportForm(initial=initial, periods=periods, targets=targets)


def _reports(request, responsibility: Responsibility) -> list[ProgressReport]:
    reports = list(
        reports_for_task(responsibility.task, request.user).prefetch_related(
            "attachments",
            Prefetch("target_values", to_attr="values_shown"),
            "values_shown__target",
        )
    )
    for report in reports:
        report.responsibility.task = responsibility.task  # capacities() needs task.plan
        report.available = available_report_actions(user=request.user, report=report)
    return reports


def _involved(request, responsibility: Responsibility) -> list[Responsibility]:
    visible = responsibilities_visible_to(request.user).filter(pk=OuterRef("pk"))
    others = (
        task_agencies_visible_to(request.user)
        .filter(task_id=responsibility.task_id)
        .exclude(pk=responsibility.pk)
        .select_related("agency")
        .annotate(visible=Exists(visible))
        .order_by("order", "id")
    )
    rows = list(with_colour(others, colour_rules(request)))
    for row in rows:
        row.colour_badge = colour_badge(row.colour)
    return rows


def _assignees(responsibility: Responsibility, *, may_change: bool) -> dict:
    """The staff named to the item, and the form to change them where the service would allow it
    (the agency's own people and the plan's coordinator, on an open item)."""
    named = list(responsibility.assignees.order_by("last_name", "first_name", "username"))
    context = {"duban_assignees": [person_label(u) for u in named]}
    if may_change and responsibility.is_open:
        context["duban_assignees_form"] = AssigneesForm(
            users=assignable_users(responsibility.agency_id),
            initial={"assignees": [u.pk for u in named], "version": responsibility.version},
        )
    return context


def change_page_context(request: HttpRequest, responsibility: Responsibility) -> dict:
    """Everything the change page needs, in a fixed number of queries."""
    user = request.user
    held = capacities(user, responsibility)
    today = timezone.localdate()
    targets = list(
        targets_with_progress(
            targets_visible_to(user).filter(task_id=responsibility.task_id).order_by("order", "id")
        )
    )
    extensions = list(
        extension_requests_visible_to(user)
        .filter(responsibility=responsibility)
        .select_related("requested_by", "decided_by")
        .order_by("-requested_at")
    )
    pending = [e for e in extensions if e.status == ExtensionRequest.Status.PENDING]
    events = list(
        events_visible_to(user)
        .filter(responsibility=responsibility)
        .select_related("actor", "responsibility__agency")
        .order_by("-created_at", "-id")
    )
    own = Capacity.OWN_STAFF in held
    coordinating = Capacity.COORDINATOR in held
    actions = row_actions(user, responsibility)
    context = {
        "duban_actions": actions,
        "duban_needs_reason": any(a["needs_reason"] for a in actions),
        "duban_involved": _involved(request, responsibility),
        "duban_events": events,
        "duban_reports": _reports(request, responsibility),
        "duban_targets": targets,
        "duban_extensions": extensions,
        "duban_version": responsibility.version,
        "duban_can_decide": coordinating and bool(pending),
        "duban_decision_form": ExtensionDecisionForm(auto_id="decide_%s"),
        "duban_return_form": ReportReturnForm(auto_id="return_%s"),
    }
    if own and responsibility.status in REPORTABLE:
        context["duban_report_form"] = _report_form(request, responsibility, targets, today)
    if (
        own
        and responsibility.status in EXTENSION_SOURCES
        and responsibility.due_on is not None
        and not pending
    ):
        draft = pop_draft(request, "extension", responsibility.pk) or {}
        context["duban_extension_form"] = ExtensionRequestForm(
            initial={**draft, "version": responsibility.version}
        )
    context.update(_assignees(responsibility, may_change=(own or coordinating)))
    if coordinating and responsibility.is_open:
        context["duban_deadline_form"] = DeadlineForm(
            initial={"due_on": responsibility.due_on, "version": responsibility.version}
        )
        context["duban_reassign_form"] = ReassignForm(
            agencies=agencies_visible_to(user),
            initial={
                "agency": responsibility.agency_id,
                "role": responsibility.role,
                "version": responsibility.version,
            },
        )
    return context
