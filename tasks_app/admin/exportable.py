"""Excel and CSV of any admin list, as filtered, searched and ordered on screen (every page).

Mixed into every ModelAdmin of the service. The export builds the admin's own ChangeList from
the request's query string, so its rows are the changelist's queryset: scoped by
tasks_app.access through get_queryset, filtered by the same list filters, with the same
select_related — a user can export exactly what the list shows them and nothing else, and the
export runs the same fixed number of queries however many rows there are.

The columns are the list's columns (list_display), as plain values: dates stay dates in Excel,
choices and relations become their labels, HTML badges their text. An admin may name other
columns (`export_fields`), colour a column's cells (`export_colours`), or replace the table
altogether (`export_content`, as the responsibility list does).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from decimal import Decimal

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from tasks_app import exports

FORMATS = ("xlsx", "csv")


class ExportableAdmin:
    """Adds `export/<xlsx|csv>/` to the admin's URLs (named `<app>_<model>_export`) and the two
    buttons, carrying the list's query string, to its list page."""

    export_fields: list[str] | None = None  # default: the list's columns
    export_colours: dict[str, Callable[[models.Model], str | None]] = {}
    change_list_template = "admin/duban_change_list.html"

    def get_urls(self):
        return [
            path(
                "export/<str:fmt>/",
                self.admin_site.admin_view(self.export_view),
                name=self.export_url_name(),
            ),
            *super().get_urls(),
        ]

    def export_url_name(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_export"

    def changelist_view(self, request: HttpRequest, extra_context=None):
        query = request.GET.urlencode()
        exports_ = []
        for fmt, label in (("xlsx", _("导出Excel")), ("csv", _("导出CSV"))):
            url = reverse(f"admin:{self.export_url_name()}", args=[fmt])
            exports_.append((fmt, label, f"{url}?{query}" if query else url))
        context = {"duban_exports": exports_}
        return super().changelist_view(request, {**context, **(extra_context or {})})

    # --- the file -------------------------------------------------------------------------------

    def export_view(self, request: HttpRequest, fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise Http404
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("筛选条件有误。"))
        content, filename = self.export_content(request, changelist.queryset, fmt)
        return exports.download(content, fmt, filename)

    def export_content(self, request: HttpRequest, rows: models.QuerySet, fmt: str):
        """(the file's bytes, its name without extension) for the list's rows."""
        columns = self.export_columns(request)
        title = str(self.model._meta.verbose_name_plural)
        rows = rows.iterator(chunk_size=exports.CHUNK)
        if fmt == "xlsx":
            content = exports.table_xlsx(title, columns, rows)
        else:
            content = exports.table_csv(columns, rows)
        return content, f"{title}_{timezone.localdate():%Y%m%d}"

    def export_columns(self, request: HttpRequest) -> list[exports.Column]:
        names = self.export_fields or [
            name for name in self.get_list_display(request) if name != "action_checkbox"
        ]
        return [
            exports.Column(
                header=str(label_for_field(name, self.model, self)),
                read=self._export_reader(name),
                colour=self.export_colours.get(name),
            )
            for name in names
        ]

    def _export_reader(self, name: str) -> Callable[[models.Model], object]:
        field = _concrete_field(self.model, name) if isinstance(name, str) else None
        if field is not None and not hasattr(self, name):
            return _field_reader(field)

        def read(obj: models.Model):
            try:
                found, attr, value = lookup_field(name, obj, self)
            except (AttributeError, ObjectDoesNotExist):
                return None
            return plain_value(found, attr, value)

        return read


def _concrete_field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete else None


def _field_reader(field: models.Field) -> Callable[[models.Model], object]:
    """A model field's cell, with what does not change from row to row worked out once (the
    choices' labels), not per cell as lookup_field and display_for_field would."""
    if field.is_relation:
        name = field.name

        def related(obj):
            value = getattr(obj, name)
            return None if value is None else str(value)

        return related
    if field.flatchoices:
        labels = {value: str(label) for value, label in field.flatchoices}
        attname = field.attname
        return lambda obj: labels.get(getattr(obj, attname), getattr(obj, attname))
    attname = field.attname
    return lambda obj: plain_value(field, None, getattr(obj, attname))


def plain_value(field, attr, value):
    """A cell's value as a spreadsheet wants it: a date, a number or text, never HTML."""
    if value is None:
        return None
    if field is not None:
        if field.is_relation:
            return str(value)
        if field.flatchoices:
            return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool) or getattr(attr, "boolean", False):
        return _("是") if value else _("否")
    if isinstance(value, dt.date | int | float | Decimal):  # moments: exports.local_moment
        return value
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, str):
        text = html.unescape(strip_tags(value)) if "<" in value else value
        return text.strip()
    return str(value)
