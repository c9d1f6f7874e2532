"""Excel and CSV of every API list, as filtered: `GET <list>/export/{xlsx,csv}/`.

The rows are the list's own — `filter_queryset(get_queryset())`: scoped by tasks_app.access, with
the list's filters and its select_related/prefetches — all of them (no pagination), in the order
the list's cursor pages walk, read in chunks, so an export runs the same number of queries however
many rows it has. The columns are the list serializer's fields, and each cell is what the list
says about the row (its serialized value), made plain for a spreadsheet: dates stay dates, a
nested record becomes its name, a list one text joined with "、", true/false 是/否. A field may be
left out (`export_exclude`): what only a program uses (the caller's available actions, versions).

Mirrors the admin's exports (tasks_app/admin/exportable.py) and writes with tasks_app.exports.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request

from tasks_app import exports
from tasks_app.models import Responsibility
from tasks_app.selectors import Colour

from .downloads import EXPORT_FORMAT, EXPORT_FORMATS, download, export_responses

NAME_KEYS = ("name", "title", "short_name")


class ExportMixin:
    """Adds `export/{xlsx,csv}/` to a list view set (ApiViewSet): the list as a file."""

    export_exclude: tuple[str, ...] = ("actions", "version", "etag")
    export_title = None  # default: the model's verbose_name_plural

    @extend_schema(
        summary=gettext_lazy("导出列表（xlsx 或 csv）"),
        description=gettext_lazy(
            "与列表相同的可见范围和筛选条件，全部行（不分页），顺序与列表相同；列为列表的字段，"
            "嵌套记录取其名称，多个值以“、”连接。"
        ),
        parameters=[EXPORT_FORMAT],
        responses=export_responses(),
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=rf"export/(?P<fmt>{EXPORT_FORMATS})",
        url_name="export",
        pagination_class=None,
    )
    def export(self, request: Request, fmt: str) -> HttpResponse:
        content, filename = self.export_content(
            request, self.filter_queryset(self.get_queryset()), fmt
        )
        return download(content, fmt, filename)

    def export_content(
        self, request: Request, rows: models.QuerySet, fmt: str
    ) -> tuple[bytes, str]:
        """(the file, its name without extension) for the list's filtered rows."""
        ordering = type(self).pagination_class.ordering  # the order of the list's pages
        serializer = self.get_serializer()
        model = self.queryset.model
        columns = serializer_columns(serializer, model, exclude=self.export_exclude)
        references = _references(serializer, model, exclude=self.export_exclude)
        records = _represented(serializer, rows.order_by(*ordering), references)
        title = str(self.export_title or model._meta.verbose_name_plural)
        if fmt == "xlsx":
            content = exports.table_xlsx(title, columns, records)
        else:
            content = exports.table_csv(columns, records)
        return content, f"{title}_{timezone.localdate():%Y%m%d}"


def _represented(
    serializer: serializers.Serializer,
    rows: models.QuerySet,
    references: dict[str, type[models.Model]],
) -> Iterator[dict]:
    """Each row as the list shows it (the serializer's output), read a chunk at a time, with the
    ids of related records replaced by their names (one query per such column and chunk)."""
    chunk: list[dict] = []
    for row in rows.iterator(chunk_size=exports.CHUNK):
        chunk.append(serializer.to_representation(row))
        if len(chunk) == exports.CHUNK:
            yield from _named(chunk, references)
            chunk = []
    yield from _named(chunk, references)


# --- Related records by name ---------------------------------------------------------------------


def _references(
    serializer: serializers.Serializer, model: type[models.Model], *, exclude: tuple[str, ...]
) -> dict[str, type[models.Model]]:
    """The columns that hold ids of other records (plan, task, responsibility, aliases…), and the
    model each id belongs to."""
    found = {}
    for name, field in serializer.fields.items():
        if name in exclude or field.write_only:
            continue
        related = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
        if not isinstance(related, serializers.PrimaryKeyRelatedField):
            continue
        try:
            target = model._meta.get_field(field.source).related_model
        except FieldDoesNotExist:
            continue
        if target is not None:
            found[name] = target
    return found


def _named(chunk: list[dict], references: dict[str, type[models.Model]]) -> list[dict]:
    """A spreadsheet reads names, not ids. The rows are the caller's, so are the records they
    point to (an event's task, a reminder's responsibility): naming them shows nothing new."""
    for name, model in references.items():
        ids = {i for row in chunk for i in _ids(row.get(name))}
        if not ids:
            continue
        names = {pk: record_label(record) for pk, record in _records(model, ids).items()}
        for row in chunk:
            value = row.get(name)
            if isinstance(value, list):
                row[name] = [names.get(i, i) for i in value]
            elif value is not None:
                row[name] = names.get(value, value)
    return chunk


def _ids(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _records(model: type[models.Model], ids: set) -> dict:
    records = model._default_manager.all()
    if model is Responsibility:
        records = records.select_related("task", "agency")
    return records.in_bulk(list(ids))


def record_label(record: models.Model) -> str:
    """How a related record is named in a cell: a responsibility by its task and agency."""
    if isinstance(record, Responsibility):
        return f"{record.task} — {record}"
    return str(record)


# --- Columns -------------------------------------------------------------------------------------


def serializer_columns(
    serializer: serializers.Serializer, model: type[models.Model], *, exclude: tuple[str, ...]
) -> list[exports.Column]:
    """One column per readable field of the serializer, headed by the field's label."""
    columns = []
    for name, field in serializer.fields.items():
        if name in exclude or field.write_only:
            continue
        columns.append(
            exports.Column(
                header=column_header(field, model),
                read=_reader(name, field),
                colour=_colour_of if name == "colour" else None,
            )
        )
    return columns


def column_header(field: serializers.Field, model: type[models.Model]) -> str:
    """The field's label: as declared, else the model field's verbose name (followed through the
    field's source, e.g. responsibility.agency), else DRF's label made from the field name."""
    derived = field.field_name.replace("_", " ").capitalize()
    if field.label and str(field.label) != derived:
        return str(field.label)
    model_field = _model_field(model, field.source)
    if model_field is not None:
        return capfirst(str(model_field.verbose_name))
    return str(field.label or field.field_name)


def _model_field(model: type[models.Model], source: str) -> models.Field | None:
    """The model field a source path ends in (None for properties and reverse relations)."""
    current, found = model, None
    for part in source.split("."):
        if current is None:
            return None
        try:
            found = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        current = found.related_model if found.is_relation else None
    return found if found is not None and found.concrete else None


def _reader(name: str, field: serializers.Field):
    if name == "colour":
        return lambda row: _colour_label(row.get(name))
    return lambda row: plain_value(field, row.get(name))


def _colour_of(row: dict) -> str | None:
    return row.get("colour")


def _colour_label(colour: str | None) -> str | None:
    return None if colour is None else str(Colour.LABELS.get(colour, colour))


# --- Values ---------------------------------------------------------------------------------------


def plain_value(field: serializers.Field, value):
    """A serialized value as a spreadsheet wants it: a date, a number or text."""
    if value is None:
        return None
    if isinstance(field, serializers.JSONField | serializers.DictField) and isinstance(value, dict):
        return _json(value) if value else None
    if isinstance(value, list):
        child = _child(field)
        parts = (plain_value(child, v) for v in value)
        return pgettext("list separator", "、").join(_text(p) for p in parts if p is not None)
    if isinstance(value, dict):
        return human_name(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str):
        return _from_text(field, value)
    return value


def _child(field: serializers.Field) -> serializers.Field:
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        return field.child
    if isinstance(field, serializers.SerializerMethodField):
        return serializers.Field()  # no type to go by: the values speak for themselves
    return field


def _from_text(field: serializers.Field, value: str):
    if isinstance(field, serializers.DateTimeField):
        return parse_datetime(value) or value  # written in local time by the exports
    if isinstance(field, serializers.DateField):
        return parse_date(value) or value
    if isinstance(field, serializers.DecimalField):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    if isinstance(field, serializers.ChoiceField) and value in field.choices:
        return str(field.choices[value])
    return value


def human_name(record: dict) -> str:
    """A nested record by its name (or title, short name); else by the first nested record that
    has one (a responsibility by its agency); else as JSON."""
    for key in NAME_KEYS:
        if record.get(key):
            return str(record[key])
    for value in record.values():
        if isinstance(value, dict):
            return human_name(value)
    return _json(record)


def _text(value) -> str:
    return exports.date_text(value) if isinstance(value, dt.date) else str(value)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
