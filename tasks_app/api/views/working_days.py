"""The working-day calendar (节假日与调休): every user of the service reads it, administrators
correct it (services.calendar, with the model's checks)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.models import WorkingDayException
from tasks_app.services import calendar

from ..concurrency import if_match, locked_as_seen, with_fingerprint
from ..filters import WorkingDayFilter
from ..pagination import IdCursorPagination
from ..permissions import ReadOrAdministrator
from ..serializers.calendar import (
    WorkingDayCreateSerializer,
    WorkingDayInputSerializer,
    WorkingDaySerializer,
)
from .base import WRITE_ERRORS, ListRetrieveViewSet, SingleRecordMixin, error
from .exporting import ExportMixin

ADMIN_WRITE_ERRORS = {**WRITE_ERRORS, 403: error(_("仅管理员可以修改工作日历"))}
ADMIN_CREATE_ERRORS = {k: v for k, v in ADMIN_WRITE_ERRORS.items() if k not in (409, 412, 428)}


class ByDatePagination(IdCursorPagination):
    ordering = ("date",)


@extend_schema_view(
    list=extend_schema(summary=_("工作日历：法定节假日与周末调休上班日（可按年份筛选）")),
    retrieve=extend_schema(
        summary=_("节假日或调休详情（响应头 ETag 用于修改时的 If-Match）"),
        responses={200: WorkingDaySerializer, 404: error(_("不存在"))},
    ),
    create=extend_schema(
        summary=_("登记节假日或调休上班日（管理员）"),
        request=WorkingDayCreateSerializer,
        responses={201: WorkingDaySerializer, **ADMIN_CREATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary=_("修改节假日或调休（管理员；If-Match 必填）"),
        request=WorkingDayInputSerializer,
        responses={200: WorkingDaySerializer, **ADMIN_WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary=_("删除节假日或调休，该日恢复按周一至周五计（管理员；If-Match 必填）"),
        responses={204: OpenApiResponse(description=_("已删除")), **ADMIN_WRITE_ERRORS},
    ),
)
class WorkingDayViewSet(ExportMixin, SingleRecordMixin, ListRetrieveViewSet):
    queryset = WorkingDayException.objects.none()
    serializer_class = WorkingDaySerializer
    filterset_class = WorkingDayFilter
    pagination_class = ByDatePagination
    permission_classes = [ReadOrAdministrator]
    etag_on_create = True  # the schema documents the ETag of a created record

    def visible(self):
        return WorkingDayException.objects.all()  # the calendar is public to the service

    def _fresh(self, pk: int, status: int = 200) -> Response:
        fresh = WorkingDayException.objects.get(pk=pk)
        return with_fingerprint(self.respond(fresh, WorkingDaySerializer, status=status), fresh)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        record = self.get_object()
        return with_fingerprint(self.respond(record, WorkingDaySerializer), record)

    def create(self, request: Request) -> Response:
        data = self.valid_input(WorkingDayCreateSerializer, request)
        record = calendar.working_day_exception_create(actor=request.user, **data)
        return self._fresh(record.pk, status=201)

    def partial_update(self, request: Request, pk: str) -> Response:
        record = self.get_object()
        etag = if_match(request)
        with locked_as_seen(WorkingDayException.objects.all(), record.pk, etag):
            changes = self.valid_input(WorkingDayInputSerializer, request)
            calendar.working_day_exception_update(
                exception_id=record.pk, actor=request.user, **changes
            )
        return self._fresh(record.pk)

    def destroy(self, request: Request, pk: str) -> Response:
        record = self.get_object()
        etag = if_match(request)
        with locked_as_seen(WorkingDayException.objects.all(), record.pk, etag):
            calendar.working_day_exception_delete(exception_id=record.pk, actor=request.user)
        return Response(status=204)
