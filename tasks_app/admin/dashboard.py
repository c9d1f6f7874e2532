"""The coordinator's start page (督办工作台): tasks_app.dashboard's numbers, each a link to the
responsibility list (or the extension request list) filtered to exactly those rows."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from tasks_app.dashboard import COLOURS, Counts, coordinator_overview
from tasks_app.models import Responsibility
from tasks_app.reminders.selectors import (
    escalated_responsibilities_visible_to,
    failed_digests_visible_to,
)
from tasks_app.selectors import Colour

from .calendar import calendar_warning
from .scoped import colour_rules, is_coordinating

S = Responsibility.Status


def list_url(**params) -> str:
    base = reverse("admin:tasks_app_responsibility_changelist")
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{base}?{query}" if query else base


def extension_list_url(**params) -> str:
    base = reverse("admin:tasks_app_extensionrequest_changelist")
    return f"{base}?{urlencode({'status': 'pending', **params})}"


def count_cells(counts: Counts, **scope) -> dict:
    """Each number of `counts` with the link to its filtered list; `scope` is plan= / agency=."""
    return {
        "total": {"n": counts.total, "url": list_url(**scope)},
        "status": [
            {"key": s, "n": counts.by_status[s], "url": list_url(**scope, status=s)}
            for s in S.values
        ],
        "colour": [
            {"key": c, "n": counts.by_colour[c], "url": list_url(**scope, colour=c)}
            for c in COLOURS
        ],
        "report_missing": {
            "n": counts.report_missing,
            "url": list_url(**scope, report="missing"),
        },
        "accept_overdue": {
            "n": counts.accept_overdue,
            "url": list_url(**scope, accept="overdue"),
        },
    }


def _plan_param(request: HttpRequest) -> int | None:
    value = request.GET.get("plan", "")
    return int(value) if value.isdigit() else None


ESCALATED_SHOWN = 10


def _reminder_context(request: HttpRequest, plan_param: dict) -> dict:
    """What the reminders escalated (督办) and which emails could not be delivered."""
    escalated = escalated_responsibilities_visible_to(request.user)
    if plan_param:
        escalated = escalated.filter(task__plan_id=plan_param["plan"])
    failed = failed_digests_visible_to(request.user)
    return {
        "escalated_count": escalated.count(),
        "escalated_url": list_url(escalated="yes", **plan_param),
        "escalated": escalated.select_related("task__plan", "agency").order_by(
            "escalated_at", "pk"
        )[:ESCALATED_SHOWN],
        "failed_emails": failed.count(),
        "failed_emails_url": reverse("admin:tasks_app_reminderdigest_changelist")
        + "?status__exact=failed",
    }


def dashboard_view(model_admin):
    def view(request: HttpRequest):
        if not is_coordinating(request):
            raise PermissionDenied
        plan_id = _plan_param(request)
        rules = colour_rules(request)
        today = rules.today
        overview = coordinator_overview(user=request.user, rules=rules, plan_id=plan_id)
        plan_param = {"plan": plan_id} if plan_id else {}
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": _("督办工作台"),
            **calendar_warning(request, today),
            "overview": overview,
            "focus_plan": next((p for p in overview.plans if p.plan_id == plan_id), None),
            "status_labels": [label for _value, label in S.choices],
            "colour_labels": [Colour.LABELS[c] for c in COLOURS],
            "colours": COLOURS,
            "plans": [
                {
                    "row": p,
                    "cells": count_cells(p.counts, plan=p.plan_id),
                    "extensions_url": extension_list_url(plan=p.plan_id),
                    "focus_url": f"?plan={p.plan_id}",
                }
                for p in overview.plans
            ],
            "totals": count_cells(overview.totals),
            "extensions_url": extension_list_url(),
            "agencies": [
                {"row": a, "cells": count_cells(a.counts, agency=a.agency_id, **plan_param)}
                for a in overview.agencies
            ],
            "most_overdue": [
                {
                    "row": a,
                    "red": a.counts.by_colour[Colour.RED],
                    "url": list_url(agency=a.agency_id, colour=Colour.RED, **plan_param),
                }
                for a in overview.most_overdue_agencies
            ],
            "longest_overdue": [
                {"row": r, "days": (today - r.due_on).days} for r in overview.longest_overdue
            ],
            **_reminder_context(request, plan_param),
            "today": today,
        }
        return TemplateResponse(request, "admin/tasks_app/dashboard.html", context)

    return view
