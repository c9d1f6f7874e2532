"""Export views: the filtered responsibility list, and a plan's agency × task matrix.

The list export builds the admin's own ChangeList from the same query string, so its rows are the
changelist's queryset — scoped by tasks_app.access, filtered, searched and ordered exactly as on
screen (all pages, not just the visible one). Staff can never export another agency's rows.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

from tasks_app import exports
from tasks_app.access import responsibilities_visible_to, tasks_visible_to
from tasks_app.models import Plan
from tasks_app.selectors import with_colour

from .scoped import colour_rules

FORMATS = {
    "xlsx": (exports.XLSX_CONTENT_TYPE, "xlsx"),
    "csv": (exports.CSV_CONTENT_TYPE, "csv"),
}


def _download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    content_type, extension = FORMATS[fmt]
    response = HttpResponse(content, content_type=content_type)
    # RFC 6266 / 5987: the Chinese name for browsers, an ASCII fallback for the rest.
    name = f"{filename}.{extension}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"export.{extension}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


def export_view(model_admin):
    """The changelist's rows, as .xlsx or .csv (`fmt`)."""

    def view(request: HttpRequest, fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise Http404
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = model_admin.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("筛选条件有误。"))
        rows = changelist.queryset
        today = colour_rules(request).today
        if fmt == "xlsx":
            content = exports.responsibilities_xlsx(rows, today)
        else:
            content = exports.responsibilities_csv(rows, today)
        return _download(content, fmt, _("责任分工_%(date)s") % {"date": f"{today:%Y%m%d}"})

    return view


def matrix_view(model_admin):
    """A plan's agency × task matrix. The plan must be visible to the user (else 404); the cells
    are the responsibilities the user may see."""

    def view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise Http404
        plan: Plan = model_admin.scoped_object_or_404(request, pk)
        rules = colour_rules(request)
        matrix = exports.plan_matrix(
            plan,
            tasks_visible_to(request.user),
            with_colour(responsibilities_visible_to(request.user), rules),
        )
        content = exports.matrix_xlsx(matrix) if fmt == "xlsx" else exports.matrix_csv(matrix)
        filename = _("责任矩阵_%(plan)s") % {"plan": plan.doc_number or plan.pk}
        return _download(content, fmt, filename)

    return view
