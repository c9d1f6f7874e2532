"""考核统计 in the admin: tasks_app.assessment's table per agency, for one plan or all the plans
the coordinator coordinates, on screen and as Excel or CSV. Coordinators and administrators."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from tasks_app import exports
from tasks_app.access import plans_visible_to
from tasks_app.assessment import AssessmentRow, agency_assessment

from .dashboard import list_url
from .scoped import colour_rules, is_coordinating


def assessment_columns() -> list[exports.Column]:
    return [
        exports.Column(_("责任单位"), lambda r: r.name),
        exports.Column(_("承担事项"), lambda r: r.total),
        exports.Column(_("应办结"), lambda r: r.assessable),
        exports.Column(_("按期办结"), lambda r: r.on_time),
        exports.Column(_("延期后办结"), lambda r: r.within_extension),
        exports.Column(_("超期办结"), lambda r: r.completed_late),
        exports.Column(_("逾期未办结"), lambda r: r.overdue_open),
        exports.Column(_("按期办结率(%)"), lambda r: r.on_time_rate),
    ]


def _plan(request: HttpRequest):
    """The plan asked for (?plan=), which must be one the user sees (else 404); None for all."""
    value = request.GET.get("plan", "")
    if not value:
        return None
    plan = plans_visible_to(request.user).filter(pk=value).first() if value.isdigit() else None
    if plan is None:
        raise Http404(_("没有找到该记录，或您无权查看。"))
    return plan


def _rows(request: HttpRequest):
    if not is_coordinating(request):
        raise PermissionDenied
    plan = _plan(request)
    today = colour_rules(request).today
    rows = agency_assessment(user=request.user, today=today, plan_id=plan.pk if plan else None)
    return plan, today, rows


def assessment_view(model_admin):
    def view(request: HttpRequest) -> TemplateResponse:
        plan, today, rows = _rows(request)
        scope = {"plan": plan.pk} if plan else {}
        query = f"?plan={plan.pk}" if plan else ""
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": _("考核统计"),
            "plan": plan,
            "plans": plans_visible_to(request.user).order_by("-issued_on", "id"),
            "today": today,
            "rows": [_linked(row, scope) for row in rows],
            "export_xlsx": reverse("admin:tasks_app_assessment_export", args=["xlsx"]) + query,
            "export_csv": reverse("admin:tasks_app_assessment_export", args=["csv"]) + query,
        }
        return TemplateResponse(request, "admin/tasks_app/assessment.html", context)

    return view


def _linked(row: AssessmentRow, scope: dict) -> dict:
    """The row with links to the responsibility list behind the numbers that have a filter."""
    return {
        "row": row,
        "total_url": list_url(agency=row.agency_id, **scope),
        "completed_url": list_url(agency=row.agency_id, status="completed", **scope),
        "overdue_url": list_url(agency=row.agency_id, colour="red", **scope),
    }


def assessment_export_view(model_admin):
    def view(request: HttpRequest, fmt: str) -> HttpResponse:
        if fmt not in exports.CONTENT_TYPES:
            raise Http404
        plan, today, rows = _rows(request)
        columns = assessment_columns()
        title = _("考核统计")
        if fmt == "xlsx":
            content = exports.table_xlsx(title, columns, rows)
        else:
            content = exports.table_csv(columns, rows)
        name = f"{title}_{plan.doc_number or plan.pk}" if plan else title
        return exports.download(content, fmt, f"{name}_{today:%Y%m%d}")

    return view
