"""Cursor pagination: stable order by a unique key, no COUNT(*), no OFFSET over the table."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination

from .errors import InvalidCursor


class IdCursorPagination(CursorPagination):
    """Oldest first by id: the order records were made, stable while others are added."""

    ordering = ("id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise InvalidCursor() from None

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        valid = raw is None or (
            raw.isascii() and raw.isdigit() and len(raw) <= 4 and 0 < int(raw) <= self.max_page_size
        )
        if not valid:
            message = _("每页条数须为 1 到 %(max)d 之间的整数。") % {"max": self.max_page_size}
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters


class NewestFirstCursorPagination(IdCursorPagination):
    """Newest first (events, reminders, reports)."""

    ordering = ("-id",)
