"""Numeric targets (量化指标): list and detail (with an ETag), and the coordinator's edit through
services.targets.target_update (a CHANGE_TARGET event), as in the admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.models import Target
from tasks_app.services.targets import target_update

from ..concurrency import if_match, locked_as_seen, with_fingerprint
from ..filters import TargetFilter
from ..selectors import targets_listed
from ..serializers.targets import TargetRecordSerializer, TargetUpdateSerializer
from .base import WRITE_ERRORS, ListRetrieveViewSet, SingleRecordMixin, error
from .exporting import ExportMixin


@extend_schema_view(
    list=extend_schema(summary=_("量化指标列表（含最新报送的完成值）")),
    retrieve=extend_schema(
        summary=_("量化指标详情（响应头 ETag 用于修改时的 If-Match）"),
        responses={200: OpenApiResponse(TargetRecordSerializer), 404: error(_("不存在或不可见"))},
    ),
    partial_update=extend_schema(
        summary=_("修改量化指标（本方案督办员或管理员；If-Match 必填；记入办理记录）"),
        request=TargetUpdateSerializer,
        responses={200: TargetRecordSerializer, **WRITE_ERRORS},
    ),
)
class TargetViewSet(ExportMixin, SingleRecordMixin, ListRetrieveViewSet):
    queryset = Target.objects.none()
    serializer_class = TargetRecordSerializer
    filterset_class = TargetFilter

    def visible(self):
        return targets_listed(self.request.user)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        target = self.get_object()
        return with_fingerprint(self.respond(target, TargetRecordSerializer), target)

    def partial_update(self, request: Request, pk: str) -> Response:
        target = self.get_object()
        etag = if_match(request)
        with locked_as_seen(Target.objects.all(), target.pk, etag) as locked:
            serializer = TargetUpdateSerializer(
                data=request.data, context={**self.get_serializer_context(), "target": locked}
            )
            serializer.is_valid(raise_exception=True)
            target_update(target_id=target.pk, actor=request.user, **serializer.validated_data)
        fresh = self.get_queryset().get(pk=target.pk)
        return with_fingerprint(self.respond(fresh, TargetRecordSerializer), fresh)
