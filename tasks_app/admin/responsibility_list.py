"""The responsibility list's ChangeList — "我的任务" is the agency staff's start page, so it is the
page opened most often, and it must stay within a small multiple of the SQL behind it.

- When the scope filter keeps only the user's own agency's items (staff's default), the rows are
  asked of tasks_app.access as exactly that — a plain agency filter — rather than the whole
  visible set, whose led-task rule is a subquery, narrowed afterwards by the filter.
- The table's cells are drawn here, with the admin's markup (classes, the change link in the first
  column), by calling each column's display directly: the admin's generic per-cell lookup
  (result_list → items_for_result) cost more than the cells themselves. URLs that differ from row
  to row only by the id come from one reverse() each, not one per row.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django.contrib.admin.templatetags.admin_list import result_headers, result_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import conditional_escape, escape, format_html_join
from django.utils.safestring import mark_safe

from tasks_app.models import Responsibility

from .filters import ScopeFilter

Cell = Callable[[Responsibility], str]
Column = Callable[[Responsibility], tuple[str, object]]
ID_MARKER = "987654321"


class ResponsibilityChangeList(ChangeList):
    """The list (and its exports, which use its queryset only)."""

    def __init__(self, request: HttpRequest, *args, **kwargs):
        # On the request: the base class asks the admin for its rows before anything of ours runs.
        request.duban_own_agency_only = ScopeFilter.own_only(request)
        self.request = request
        super().__init__(request, *args, **kwargs)
        site = self.model_admin.admin_site.name
        self._change_url = _url_with_id(f"{site}:tasks_app_responsibility_change", site)
        self._transition_url = _url_with_id(f"{site}:tasks_app_responsibility_transition", site)

    def url_for_result(self, result: Responsibility) -> str:
        return self._change_url(result.pk)

    # --- the table ------------------------------------------------------------------------------

    def results_table(self) -> dict:
        """The context of admin/change_list_results.html, as the admin's result_list tag builds
        it; each row's cells come pre-joined (the template loops over a row's items). Popups
        and editable lists, which this list never is, are left to the admin."""
        if self.is_popup or getattr(self, "formset", None) or self.to_field:
            return result_list(self)
        headers = list(result_headers(self))
        cells = self._cells()
        return {
            "result_hidden_fields": [],  # only list_editable has any; this list has none
            "result_headers": headers,
            "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
            "results": [[mark_safe("".join(cell(r) for cell in cells))] for r in self.result_list],
        }

    def _cells(self) -> list[Cell]:
        """One function per column giving its <td> (the linked one a <th>), as items_for_result
        draws them."""
        cells, first = [], True
        links = self.list_display_links
        for index, name in enumerate(self.list_display):
            linked = links is not None and (name in links or (first and not links))
            column = self._column(index, name, linked)
            if linked:
                cells.append(self._linked_cell("th" if first else "td", column))
                first = False
            else:
                cells.append(functools.partial(_td, column))
        return cells

    def _column(self, index: int, name, linked: bool) -> Column:
        """A function of the row giving (the cell's classes, its content) for a list_display
        entry, with the admin's rules: empty values, choices' labels, localized dates, nowrap."""
        model_admin = self.model_admin
        empty = model_admin.get_empty_value_display()
        if name == "action_checkbox":
            return lambda obj: ("action-checkbox", model_admin.action_checkbox(obj))
        field = None if callable(name) else _model_field(self.opts, name)
        if field is None or field.auto_created:
            return _computed_column(self.model_admin, index, name, empty)
        nowrap = isinstance(field, models.DateField | models.TimeField | models.ForeignKey)
        css = f"field-{name}{' nowrap' if nowrap else ''}"
        if isinstance(field.remote_field, models.ManyToOneRel):
            return lambda obj: (css, _or_empty(getattr(obj, field.name), empty))

        def shown(value):
            if isinstance(value, str) and value.strip() == "":
                value = ""
            return display_for_field(value, field, empty, avoid_link=linked)

        # A field's display depends on its value only, and a page has few distinct ones.
        cached = functools.cache(shown)

        def column(obj):
            value = getattr(obj, name)
            try:
                return css, cached(value)
            except TypeError:  # unhashable (a JSON value)
                return css, shown(value)

        return column

    def _linked_cell(self, tag: str, column: Column) -> Cell:
        context = {"preserved_filters": self.preserved_filters, "opts": self.opts}
        url = add_preserved_filters(context, self._change_url(ID_MARKER))
        before, after = (escape(part) for part in url.split(ID_MARKER))

        def cell(obj):
            css, content = column(obj)
            link = f'<a href="{before}{obj.pk}{after}">{conditional_escape(content)}</a>'
            return f'<{tag} class="{css}">{link}</{tag}>'

        return cell

    # --- the rows' workflow forms ---------------------------------------------------------------

    def row_forms(self) -> str:
        """The form each row's buttons submit (HTML form=; forms cannot nest in the list's form),
        with the version the user saw. Built here, not with per-row template tags: {% url %} and
        {% csrf_token %} fifty times cost more than all the rows' cells."""
        token = get_token(self.request)
        next_url = self.request.get_full_path()
        return format_html_join(
            "\n",
            '<form id="row-{0}" class="duban-row-form" method="post" action="{1}">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{2}">'
            '<input type="hidden" name="version" value="{3}">'
            '<input type="hidden" name="next" value="{4}"></form>',
            (
                (r.pk, self._transition_url(r.pk), token, r.version, next_url)
                for r in self.result_list
            ),
        )


def _td(column: Column, obj: Responsibility) -> str:
    # What format_html would give; the classes are made of list_display names, not data.
    css, content = column(obj)
    return f'<td class="{css}">{conditional_escape(content)}</td>'


def _computed_column(model_admin, index: int, name, empty: str) -> Column:
    """A column computed by a function, an admin method or an attribute of the row."""
    if callable(name):
        display = name
    elif hasattr(model_admin, name):
        display = getattr(model_admin, name)
    else:
        display = functools.partial(_attribute, name=name)
    css = f"field-{_column_name(name, index)}"
    empty = getattr(display, "empty_value_display", empty)
    boolean = getattr(display, "boolean", False)

    def column(obj):
        value = display(obj)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        nowrap = isinstance(value, dt.date | dt.time)
        return (f"{css} nowrap" if nowrap else css), display_for_value(value, empty, boolean)

    return column


def _attribute(obj, *, name: str):
    value = getattr(obj, name)
    return value() if callable(value) else value


def _or_empty(value, empty: str):
    return empty if value is None else value


def _model_field(opts, name: str) -> models.Field | None:
    try:
        return opts.get_field(name)
    except FieldDoesNotExist:
        return None


def _column_name(name, index: int) -> str:
    """The admin's name for a column's CSS class (admin_list._coerce_field_name)."""
    if not callable(name):
        return name
    return f"lambda{index}" if name.__name__ == "<lambda>" else name.__name__


def _url_with_id(name: str, current_app: str) -> Callable[[int | str], str]:
    """The URL `name` for any id: reverse() once per list (~0.1 ms each), then string work."""
    before, after = reverse(name, args=[int(ID_MARKER)], current_app=current_app).split(ID_MARKER)
    return lambda pk: f"{before}{pk}{after}"
