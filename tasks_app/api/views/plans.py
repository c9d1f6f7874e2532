"""Agencies, plans (sections, targets, statistics, the agency × task matrix), plan imports."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import Agency
from tasks_app import exports
from tasks_app.access import agencies_visible_to, responsibilities_visible_to, tasks_visible_to
from tasks_app.assessment import agency_assessment
from tasks_app.dashboard import coordinator_overview
from tasks_app.importing import MAX_DOCUMENT_BYTES
from tasks_app.importing.parser import parse_plan
from tasks_app.importing.writer import plan_import
from tasks_app.models import Plan
from tasks_app.selectors import with_colour
from tasks_app.services.plans import plan_settings_update

from ..concurrency import seen_fingerprint, with_fingerprint
from ..errors import TooLarge
from ..filters import AgencyFilter
from ..permissions import CoordinatorOrAdministrator
from ..selectors import colour_rules, plan_detail, plans_listed
from ..serializers.agencies import AgencySerializer
from ..serializers.plans import (
    ImportReportSerializer,
    PlanAssessmentSerializer,
    PlanDetailSerializer,
    PlanImportInputSerializer,
    PlanMatrixSerializer,
    PlanSerializer,
    PlanSettingsSerializer,
    PlanStatisticsSerializer,
)
from .base import WRITE_ERRORS, ListRetrieveViewSet, error
from .downloads import EXPORT_FORMAT, EXPORT_FORMATS, download, export_responses
from .exporting import ExportMixin


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("单位列表（含别名、上级）")),
    retrieve=extend_schema(summary=gettext_lazy("单位详情")),
)
class AgencyViewSet(ExportMixin, ListRetrieveViewSet):
    """Coordinators see every agency (to assign); staff see their own."""

    queryset = Agency.objects.none()

    serializer_class = AgencySerializer
    filterset_class = AgencyFilter

    def visible(self):
        return agencies_visible_to(self.request.user).prefetch_related("aliases")


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("规划方案列表")),
    retrieve=extend_schema(summary=gettext_lazy("规划方案详情（章节、量化指标及完成情况）")),
)
class PlanViewSet(ExportMixin, ListRetrieveViewSet):
    queryset = Plan.objects.none()

    def visible(self):
        if self.action in ("retrieve", "partial_update"):
            return plan_detail(self.request.user)
        return plans_listed(self.request.user)

    def get_serializer_class(self):
        return PlanDetailSerializer if self.action == "retrieve" else PlanSerializer

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        plan = self.get_object()
        return with_fingerprint(self.respond(plan, PlanDetailSerializer), plan)

    @extend_schema(
        summary=gettext_lazy("修改方案的进展报送设置（本方案督办员；If-Match 必填）"),
        request=PlanSettingsSerializer,
        responses={200: PlanDetailSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """The reporting cycle, due day, leader review and 序时进度 margin, as in the admin
        (services.plans.plan_settings_update: the items' report dates follow at once)."""
        plan = self.get_object()
        seen = seen_fingerprint(request, plan.pk)
        data = self.valid_input(PlanSettingsSerializer, request)
        plan_settings_update(plan_id=plan.pk, actor=request.user, seen=seen, **data)
        fresh = self.get_queryset().get(pk=plan.pk)
        return with_fingerprint(self.respond(fresh, PlanDetailSerializer), fresh)

    @extend_schema(
        summary=gettext_lazy("方案统计：各单位按状态、红黄绿灯计数"),
        responses={200: PlanStatisticsSerializer, 404: error(gettext_lazy("方案不存在或不可见"))},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def statistics(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        rules = colour_rules(request)
        overview = coordinator_overview(user=request.user, rules=rules, plan_id=plan.pk)
        row = next(p for p in overview.plans if p.plan_id == plan.pk)
        data = {
            "plan": plan.pk,
            "today": rules.today,
            "totals": row.counts,
            "pending_extensions": row.pending_extensions,
            "agencies": overview.agencies,
        }
        return Response(PlanStatisticsSerializer(data).data)

    @extend_schema(
        summary=gettext_lazy("考核统计：各单位按原定时限的办结情况"),
        responses={200: PlanAssessmentSerializer, 404: error(gettext_lazy("方案不存在或不可见"))},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def assessment(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        today = colour_rules(request).today
        rows = agency_assessment(user=request.user, today=today, plan_id=plan.pk)
        data = {"plan": plan.pk, "today": today, "agencies": rows}
        return Response(PlanAssessmentSerializer(data).data)

    def _matrix(self, request: Request) -> exports.Matrix:
        plan = self.get_object()
        user = request.user
        responsibilities = with_colour(responsibilities_visible_to(user), colour_rules(request))
        return exports.plan_matrix(plan, tasks_visible_to(user), responsibilities)

    @extend_schema(
        summary=gettext_lazy("单位×任务责任矩阵"),
        responses={200: PlanMatrixSerializer, 404: error(gettext_lazy("方案不存在或不可见"))},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def matrix(self, request: Request, pk: str) -> Response:
        matrix = self._matrix(request)
        cells = [
            {
                "agency": agency_id,
                "task": task_id,
                "role": cell.role,
                "colour": cell.colour,
                "label": exports.matrix_csv_cell(cell),
            }
            for (agency_id, task_id), cell in matrix.cells.items()
        ]
        data = {"plan": matrix.plan.pk, "tasks": matrix.tasks, "agencies": matrix.agencies}
        data["cells"] = sorted(cells, key=lambda c: (c["agency"], c["task"]))
        return Response(PlanMatrixSerializer(data).data)

    @extend_schema(
        summary=gettext_lazy("导出单位×任务责任矩阵（xlsx 或 csv）"),
        parameters=[EXPORT_FORMAT],
        responses={**export_responses(), 404: error(gettext_lazy("方案不存在或不可见"))},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=rf"matrix/export/(?P<fmt>{EXPORT_FORMATS})",
        url_name="matrix-export",
        pagination_class=None,
    )
    def matrix_export(self, request: Request, pk: str, fmt: str) -> HttpResponse:
        matrix = self._matrix(request)
        content = exports.matrix_xlsx(matrix) if fmt == "xlsx" else exports.matrix_csv(matrix)
        plan = matrix.plan
        return download(content, fmt, _("责任矩阵_%(plan)s") % {"plan": plan.doc_number or plan.pk})

    @extend_schema(
        summary=gettext_lazy("导入方案文件（督办员、管理员）"),
        request={"multipart/form-data": PlanImportInputSerializer},
        responses={
            200: ImportReportSerializer,
            400: error(gettext_lazy("文件无法导入")),
            413: error(gettext_lazy("文件过大")),
            403: error(gettext_lazy("仅督办员和管理员")),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser],
        permission_classes=[CoordinatorOrAdministrator],
        pagination_class=None,
        filter_backends=[],
    )
    def import_plan(self, request: Request) -> Response:
        """The same importer as `manage.py import_plan`: all of the document or nothing."""
        data = self.valid_input(PlanImportInputSerializer, request)
        upload = data["file"]
        if upload.size > MAX_DOCUMENT_BYTES:
            raise TooLarge()
        parsed = parse_plan(upload.read(), source_name=upload.name or "")
        report = plan_import(
            parsed,
            create_agencies=data["create_agencies"],
            dry_run=data["dry_run"],
            coordinator_name=data.get("coordinator") or None,
        )
        if report.dry_run:
            report.plan_id = None
        return Response(ImportReportSerializer(report).data)
