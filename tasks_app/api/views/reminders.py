"""Reminder settings and delivery: per-plan rules (催办规则) and the emails (催办邮件) with resending
of the failed ones, each as the admin does it (tasks_app.admin.reminders)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.models import ReminderDigest, ReminderPolicy
from tasks_app.reminders.delivery import digests_requeue
from tasks_app.reminders.selectors import reminder_digests_visible_to, reminder_policies_visible_to
from tasks_app.services import reminder_policies

from ..concurrency import if_match, locked_as_seen, with_fingerprint
from ..filters import ReminderDigestFilter, ReminderPolicyFilter
from ..pagination import NewestFirstCursorPagination
from ..permissions import CoordinatorOrAdministrator
from ..selectors import reminder_digest_detail, reminder_digest_entries, reminder_digests_listed
from ..serializers.reminders import (
    ReminderDigestDetailSerializer,
    ReminderDigestSerializer,
    ReminderPolicyCreateSerializer,
    ReminderPolicyInputSerializer,
    ReminderPolicySerializer,
    ResendInputSerializer,
    ResendResultSerializer,
)
from .base import WRITE_ERRORS, ListRetrieveViewSet, SingleRecordMixin, error, unknown_ids
from .exporting import ExportMixin

CREATE_ERRORS = {key: value for key, value in WRITE_ERRORS.items() if key not in (409, 412, 428)}


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("催办规则（按方案；督办员、管理员）")),
    retrieve=extend_schema(
        summary=gettext_lazy("催办规则详情（响应头 ETag 用于修改时的 If-Match）"),
        responses={200: ReminderPolicySerializer, 404: error(gettext_lazy("不存在或不可见"))},
    ),
    create=extend_schema(
        summary=gettext_lazy("为方案设置催办规则（每个方案一条；本方案督办员、管理员）"),
        request=ReminderPolicyCreateSerializer,
        responses={201: ReminderPolicySerializer, **CREATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("修改催办规则（If-Match 必填）"),
        request=ReminderPolicyInputSerializer,
        responses={200: ReminderPolicySerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary=gettext_lazy("删除催办规则，恢复系统默认（If-Match 必填）"),
        responses={204: OpenApiResponse(description=gettext_lazy("已删除")), **WRITE_ERRORS},
    ),
)
class ReminderPolicyViewSet(ExportMixin, SingleRecordMixin, ListRetrieveViewSet):
    queryset = ReminderPolicy.objects.none()
    serializer_class = ReminderPolicySerializer
    filterset_class = ReminderPolicyFilter
    permission_classes = [CoordinatorOrAdministrator]
    etag_on_create = True  # the schema documents the ETag of a created record

    def visible(self):
        return (
            reminder_policies_visible_to(self.request.user)
            .select_related("plan")
            .defer("plan__source_text")
        )

    def _fresh(self, pk: int, status: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=pk)
        return with_fingerprint(self.respond(fresh, ReminderPolicySerializer, status=status), fresh)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        policy = self.get_object()
        return with_fingerprint(self.respond(policy, ReminderPolicySerializer), policy)

    def create(self, request: Request) -> Response:
        data = dict(self.valid_input(ReminderPolicyCreateSerializer, request))
        policy = reminder_policies.reminder_policy_create(
            plan_id=data.pop("plan"), actor=request.user, **data
        )
        return self._fresh(policy.pk, status=201)

    def partial_update(self, request: Request, pk: str) -> Response:
        policy = self.get_object()
        etag = if_match(request)
        data = self.valid_input(ReminderPolicyInputSerializer, request)
        with locked_as_seen(ReminderPolicy.objects.all(), policy.pk, etag):
            reminder_policies.reminder_policy_update(
                policy_id=policy.pk, actor=request.user, **data
            )
        return self._fresh(policy.pk)

    def destroy(self, request: Request, pk: str) -> Response:
        policy = self.get_object()
        etag = if_match(request)
        with locked_as_seen(ReminderPolicy.objects.all(), policy.pk, etag):
            reminder_policies.reminder_policy_delete(policy_id=policy.pk, actor=request.user)
        return Response(status=204)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("催办邮件及发送状态（最新在前）")),
    retrieve=extend_schema(
        summary=gettext_lazy("催办邮件详情（正文、所含提醒、每次投递尝试）"),
        responses={200: ReminderDigestDetailSerializer, 404: error(gettext_lazy("不存在或不可见"))},
    ),
)
class ReminderDigestViewSet(ExportMixin, SingleRecordMixin, ListRetrieveViewSet):
    """Every user of the service sees the emails all of whose items they may see."""

    queryset = ReminderDigest.objects.none()
    serializer_class = ReminderDigestSerializer
    filterset_class = ReminderDigestFilter
    pagination_class = NewestFirstCursorPagination

    def visible(self):
        if self.action == "retrieve":
            return reminder_digest_detail(self.request.user)
        return reminder_digests_listed(self.request.user)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        digest = self.get_object()
        digest.listed_entries = reminder_digest_entries(digest)
        return self.respond(digest, ReminderDigestDetailSerializer)

    @extend_schema(
        summary=gettext_lazy("重新发送失败的邮件（邮件服务器或地址修复后；督办员、管理员）"),
        request=ResendInputSerializer,
        responses={
            200: ResendResultSerializer,
            400: error(gettext_lazy("输入有误，或所列邮件不存在、不可见")),
            403: error(gettext_lazy("仅督办员和管理员")),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[CoordinatorOrAdministrator],
        filter_backends=[],
        pagination_class=None,
    )
    def resend(self, request: Request) -> Response:
        asked = set(self.valid_input(ResendInputSerializer, request)["emails"])
        visible = reminder_digests_visible_to(request.user).filter(pk__in=asked)
        found = set(visible.values_list("pk", flat=True))
        unknown_ids("emails", asked, found)
        requeued = digests_requeue(digest_ids=sorted(found))
        return Response(
            ResendResultSerializer({"requeued": requeued, "skipped": len(found) - requeued}).data
        )
