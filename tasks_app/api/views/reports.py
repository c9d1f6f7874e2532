"""Progress reports: list, detail (with ETag), the leader's approval, the coordinator's return,
and attachment downloads (only through a report the caller may see)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.access import attachments_visible_to
from tasks_app.models import ProgressReport
from tasks_app.services import reports as report_services

from ..concurrency import expected_version
from ..filters import ReportFilter
from ..pagination import NewestFirstCursorPagination
from ..selectors import report_detail, reports_listed
from ..serializers.reports import ReasonInputSerializer, ReportDetailSerializer, ReportSerializer
from .base import ID_PATTERN, WRITE_ERRORS, ListRetrieveViewSet, error
from .downloads import content_disposition
from .exporting import ExportMixin


@extend_schema_view(
    list=extend_schema(summary=_("进展报告列表（最新在前）")),
    retrieve=extend_schema(summary=_("进展报告详情（指标完成值、附件；响应头 ETag）")),
)
class ReportViewSet(ExportMixin, ListRetrieveViewSet):
    queryset = ProgressReport.objects.none()
    filterset_class = ReportFilter
    pagination_class = NewestFirstCursorPagination

    def visible(self):
        if self.listing:
            return reports_listed(self.request.user)
        return report_detail(self.request.user)

    def get_serializer_class(self):
        return ReportSerializer if self.listing else ReportDetailSerializer

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self.respond(self.get_object(), ReportDetailSerializer, etag=True)

    def _updated(self, report_id: int) -> Response:
        fresh = report_detail(self.request.user).get(pk=report_id)
        return self.respond(fresh, ReportDetailSerializer, etag=True)

    @extend_schema(
        summary=_("退回进展报告（督办员，须填理由；If-Match 为报告的 ETag）"),
        request=ReasonInputSerializer,
        responses={200: ReportDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return", filter_backends=[])
    def return_report(self, request: Request, pk: str) -> Response:
        report = self.get_object()
        version = expected_version(request, report.pk)
        data = self.valid_input(ReasonInputSerializer, request)
        report_services.progress_report_return(
            report_id=report.pk, actor=request.user, reason=data["reason"], expected_version=version
        )
        return self._updated(report.pk)

    @extend_schema(
        summary=_("分管领导审核通过进展报告（If-Match 为报告的 ETag）"),
        request=None,
        responses={200: ReportDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def approve(self, request: Request, pk: str) -> Response:
        report = self.get_object()
        version = expected_version(request, report.pk)
        report_services.progress_report_leader_approve(
            report_id=report.pk, actor=request.user, expected_version=version
        )
        return self._updated(report.pk)

    @extend_schema(
        summary=_("下载附件"),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            404: error(_("不存在或不可见")),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=rf"attachments/(?P<attachment_id>{ID_PATTERN})",
        url_name="attachment",
        filter_backends=[],
        pagination_class=None,
    )
    def attachment(self, request: Request, pk: str, attachment_id: str) -> FileResponse:
        found = (
            attachments_visible_to(request.user)
            .filter(report_id=int(pk), pk=int(attachment_id))
            .first()
        )
        if found is None:
            raise Http404
        try:
            handle = found.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=found.content_type)
        response["Content-Disposition"] = content_disposition(found.original_name, "attachment")
        return response
