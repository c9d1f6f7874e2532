"""The two exports with a shape of their own: the responsibility list (with colour fills and the
columns a circular needs) and a plan's agency × task matrix. Every other list exports its own
columns through admin.exportable.ExportableAdmin."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from tasks_app import exports
from tasks_app.access import responsibilities_visible_to, tasks_visible_to
from tasks_app.models import Plan, Responsibility
from tasks_app.selectors import with_colour

from .scoped import colour_rules


def responsibilities_export(
    request: HttpRequest, rows: QuerySet[Responsibility], fmt: str
) -> tuple[bytes, str]:
    """The responsibility list's rows (already scoped, filtered, colour-annotated) as a file."""
    return exports.responsibilities_file(rows, colour_rules(request).today, fmt)


def matrix_view(model_admin):
    """A plan's agency × task matrix. The plan must be visible to the user (else 404); the cells
    are the responsibilities the user may see."""

    def view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        if fmt not in exports.CONTENT_TYPES:
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
        return exports.download(content, fmt, filename)

    return view
