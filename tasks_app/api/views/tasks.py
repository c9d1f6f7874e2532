"""Tasks and responsibilities: lists with filters, details with ETags, and every workflow action
as its own endpoint (POST), each calling one service of tasks_app.services."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app import exports
from tasks_app.errors import TransitionNotAllowed
from tasks_app.models import Responsibility, Task
from tasks_app.services import coordination, workflow
from tasks_app.services import reports as report_services
from tasks_app.services.tasks import task_update
from tasks_app.services.workflow import TRANSITIONS

from ..concurrency import (
    etag_for,
    expected_version,
    seen_fingerprint,
    with_fingerprint,
)
from ..filters import ResponsibilityFilter, TaskFilter
from ..selectors import colour_rules, responsibilities_listed, task_detail, tasks_listed
from ..serializers.reports import (
    ReportDetailSerializer,
    ReportInputSerializer,
    ReportJSONSchemaSerializer,
    ReportMultipartSchemaSerializer,
)
from ..serializers.tasks import (
    ResponsibilitySerializer,
    TaskDetailSerializer,
    TaskSerializer,
    TaskUpdateSerializer,
)
from ..serializers.workflow import (
    AssignableUserSerializer,
    AssigneesInputSerializer,
    AssignInputSerializer,
    DeadlineInputSerializer,
    ExtensionRequestInputSerializer,
    ExtensionRequestSerializer,
    ReassignInputSerializer,
    TransitionInputSerializer,
)
from .base import WRITE_ERRORS, ListRetrieveViewSet, error
from .exporting import ExportMixin


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("任务列表（可按方案、章节、单位、职责、状态、红黄绿灯、逾期等筛选）")
    ),
    retrieve=extend_schema(summary=gettext_lazy("任务详情（内容、可见的责任分工、量化指标）")),
)
class TaskViewSet(ExportMixin, ListRetrieveViewSet):
    queryset = Task.objects.none()
    filterset_class = TaskFilter

    def visible(self):
        rules = colour_rules(self.request)
        if self.action in ("retrieve", "partial_update"):
            return task_detail(self.request.user, rules)
        return tasks_listed(self.request.user, rules)

    def get_serializer_class(self):
        return TaskDetailSerializer if self.action == "retrieve" else TaskSerializer

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        task = self.get_object()
        return with_fingerprint(self.respond(task, TaskDetailSerializer), task)

    @extend_schema(
        summary=gettext_lazy("修改任务的标题、内容、类别或完成时限（本方案督办员；If-Match 必填）"),
        request=TaskUpdateSerializer,
        responses={200: TaskDetailSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """The admin's task edit (services.tasks.task_update, a 修改任务 event): the task must be
        as the client saw it (If-Match: the ETag of its detail), else 412 and nothing changes."""
        task = self.get_object()
        seen = seen_fingerprint(request, task.pk)
        data = self.valid_input(TaskUpdateSerializer, request)
        reason = data.pop("reason", "")
        task_update(task_id=task.pk, actor=request.user, changes=data, reason=reason, seen=seen)
        fresh = self.get_queryset().get(pk=task.pk)
        return with_fingerprint(self.respond(fresh, TaskDetailSerializer), fresh)

    @extend_schema(
        summary=gettext_lazy("交办：为任务增加责任单位（督办员）"),
        request=AssignInputSerializer,
        responses={201: ResponsibilitySerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="responsibilities", filter_backends=[])
    def assign(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        data = self.valid_input(AssignInputSerializer, request)
        created = coordination.responsibility_assign(
            task_id=task.pk,
            actor=request.user,
            agency_id=data["agency"],
            role=data["role"],
            due_on=data["due_on"],
            reason=data["reason"],
        )
        fresh = responsibilities_listed(request.user, colour_rules(request)).get(pk=created.pk)
        return self.respond(fresh, ResponsibilitySerializer, status=201, etag=True)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("责任分工列表")),
    retrieve=extend_schema(
        summary=gettext_lazy("责任分工详情（响应头 ETag 用于更新时的 If-Match）"),
        responses={
            200: OpenApiResponse(ResponsibilitySerializer),
            404: error(gettext_lazy("不存在或不可见")),
        },
    ),
)
class ResponsibilityViewSet(ExportMixin, ListRetrieveViewSet):
    queryset = Responsibility.objects.none()
    serializer_class = ResponsibilitySerializer
    filterset_class = ResponsibilityFilter

    def visible(self):
        return responsibilities_listed(self.request.user, colour_rules(self.request))

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self.respond(self.get_object(), ResponsibilitySerializer, etag=True)

    def _updated(self, responsibility_id: int, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=responsibility_id)
        return self.respond(fresh, ResponsibilitySerializer, status=status, etag=True)

    @extend_schema(
        summary=gettext_lazy("流转：签收、申请办结、审核、退回、中止、恢复（If-Match 必填）"),
        request=TransitionInputSerializer,
        responses={200: ResponsibilitySerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def transitions(self, request: Request, pk: str) -> Response:
        responsibility = self.get_object()
        version = expected_version(request, responsibility.pk)
        data = self.valid_input(TransitionInputSerializer, request)
        if "action" in data:
            workflow.responsibility_transition(
                responsibility_id=responsibility.pk,
                action=data["action"],
                actor=request.user,
                reason=data["reason"],
                expected_version=version,
            )
        else:
            _transition_to(responsibility, data["to"], request, data["reason"], version)
        return self._updated(responsibility.pk)

    @extend_schema(
        summary=gettext_lazy("申请延期（If-Match 必填）"),
        request=ExtensionRequestInputSerializer,
        responses={201: ExtensionRequestSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="extension-requests", filter_backends=[])
    def extension_requests(self, request: Request, pk: str) -> Response:
        responsibility = self.get_object()
        version = expected_version(request, responsibility.pk)
        data = self.valid_input(ExtensionRequestInputSerializer, request)
        created = workflow.extension_request_create(
            responsibility_id=responsibility.pk,
            actor=request.user,
            requested_due_on=data["requested_due_on"],
            reason=data["reason"],
            expected_version=version,
        )
        return self.respond(created, ExtensionRequestSerializer, status=201)

    @extend_schema(
        summary=gettext_lazy("调整完成时限（督办员，If-Match 必填）"),
        request=DeadlineInputSerializer,
        responses={200: ResponsibilitySerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def deadline(self, request: Request, pk: str) -> Response:
        responsibility = self.get_object()
        version = expected_version(request, responsibility.pk)
        data = self.valid_input(DeadlineInputSerializer, request)
        coordination.responsibility_deadline_set(
            responsibility_id=responsibility.pk,
            actor=request.user,
            due_on=data["due_on"],
            reason=data["reason"],
            expected_version=version,
        )
        return self._updated(responsibility.pk)

    @extend_schema(
        summary=gettext_lazy("调整责任单位或职责（督办员，If-Match 必填）"),
        request=ReassignInputSerializer,
        responses={200: ResponsibilitySerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reassign(self, request: Request, pk: str) -> Response:
        responsibility = self.get_object()
        version = expected_version(request, responsibility.pk)
        data = self.valid_input(ReassignInputSerializer, request)
        coordination.responsibility_reassign(
            responsibility_id=responsibility.pk,
            actor=request.user,
            agency_id=data["agency"],
            role=data["role"],
            reason=data["reason"],
            expected_version=version,
        )
        return self._updated(responsibility.pk)

    @extend_schema(
        summary=gettext_lazy(
            "指定经办人：以所列用户替换原有经办人（本单位经办人、分管领导或督办员，If-Match 必填）"
        ),
        request=AssigneesInputSerializer,
        responses={200: ResponsibilitySerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def assignees(self, request: Request, pk: str) -> Response:
        responsibility = self.get_object()
        version = expected_version(request, responsibility.pk)
        data = self.valid_input(AssigneesInputSerializer, request)
        coordination.responsibility_assignees_set(
            responsibility_id=responsibility.pk,
            user_ids=data["user_ids"],
            actor=request.user,
            expected_version=version,
        )
        return self._updated(responsibility.pk)

    @extend_schema(
        summary=gettext_lazy("可指定为经办人的用户（本单位经办人、分管领导或督办员可查看）"),
        responses={
            200: AssignableUserSerializer(many=True),
            403: error(gettext_lazy("无权指定该事项的经办人")),
            404: error(gettext_lazy("不存在或不可见")),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="assignable-users",
        url_name="assignable-users",
        filter_backends=[],
        pagination_class=None,
    )
    def assignable_users(self, request: Request, pk: str) -> Response:
        """Whom `assignees/` accepts for this item: the responsible agency's active staff and
        leaders, shown only to those who may name them (as the service decides)."""
        users = coordination.responsibility_assignee_choices(
            responsibility=self.get_object(), actor=request.user
        )
        return Response(AssignableUserSerializer(users, many=True).data)

    @extend_schema(
        summary=gettext_lazy("报送本期进展（可附证明材料；If-Match 为责任分工的 ETag）"),
        request={
            "multipart/form-data": ReportMultipartSchemaSerializer,
            "application/json": ReportJSONSchemaSerializer,
        },
        responses={
            201: ReportDetailSerializer,
            413: error(gettext_lazy("上传内容过大")),
            **WRITE_ERRORS,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, JSONParser],
        filter_backends=[],
    )
    def reports(self, request: Request, pk: str) -> Response:
        responsibility = self.get_object()
        version = expected_version(request, responsibility.pk)
        data = self.valid_input(ReportInputSerializer, request)
        report = report_services.progress_report_submit(
            responsibility_id=responsibility.pk,
            actor=request.user,
            narrative=data["narrative"],
            percent=data["percent"],
            period_start=data["period_start"],
            target_values=data["target_values"],
            attachments=data["attachments"],
            expected_version=version,
        )
        response = self.respond(report, ReportDetailSerializer, status=201)
        response["ETag"] = etag_for(report)
        return response

    def export_content(self, request: Request, rows, fmt: str) -> tuple[bytes, str]:
        """The admin's responsibility export (its columns for a circular), not the list's."""
        rows = rows.prefetch_related(None).order_by("task__plan_id", "task__order", "order", "id")
        return exports.responsibilities_file(rows, colour_rules(request).today, fmt)


def _transition_to(
    responsibility: Responsibility, to: str, request: Request, reason: str, version: int
) -> None:
    """Make the one transition from the current state that ends in `to`. Where the service
    decides the target (申请办结 with or without leader review, 恢复办理), the change is kept only
    if it ended in `to`; otherwise it is rolled back and refused."""
    status = responsibility.status
    candidates = sorted(
        (t for t in TRANSITIONS.values() if status in t.sources and t.target in (to, None)),
        key=lambda t: t.target is None,
    )
    refused = TransitionNotAllowed(
        _("当前状态为“%(status)s”，不能转为“%(to)s”。")
        % {
            "status": responsibility.get_status_display(),
            "to": Responsibility.Status(to).label,
        }
    )
    if not candidates:
        raise refused
    with transaction.atomic():
        result = workflow.responsibility_transition(
            responsibility_id=responsibility.pk,
            action=candidates[0].action,
            actor=request.user,
            reason=reason,
            expected_version=version,
        )
        if result.status != to:
            raise refused
