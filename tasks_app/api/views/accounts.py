"""The caller: who they are, their API tokens, and their private calendar-feed URL."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.access import is_administrator, is_coordinator
from tasks_app.models import AccessToken

from ..errors import NotFound
from ..serializers.accounts import (
    AccessTokenCreatedSerializer,
    AccessTokenCreateSerializer,
    AccessTokenSerializer,
    CalendarFeedSerializer,
)
from ..serializers.agencies import MeSerializer
from ..serializers.common import person_name
from ..tokens import access_token_create, access_token_revoke, access_tokens_of
from .base import ApiView, ApiViewSet, error


class MeView(ApiView):
    @extend_schema(summary=_("当前用户"), responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        user = request.user
        data = {
            "id": user.pk,
            "username": user.username,
            "name": person_name(user),
            "role": user.role,
            "agency": user.agency,
            "is_administrator": is_administrator(user),
            "is_coordinator": is_coordinator(user),
        }
        return Response(MeSerializer(data).data)


@extend_schema_view(
    list=extend_schema(summary=_("我的 API 令牌（含已吊销的）")),
    create=extend_schema(
        summary=_("新建 API 令牌（密钥仅在此次响应中出现）"),
        request=AccessTokenCreateSerializer,
        responses={201: AccessTokenCreatedSerializer, 400: error(_("输入有误"))},
    ),
    destroy=extend_schema(
        summary=_("吊销 API 令牌（立即失效）"),
        responses={204: None, 404: error(_("不存在"))},
    ),
)
class AccessTokenViewSet(mixins.ListModelMixin, ApiViewSet):
    queryset = AccessToken.objects.none()
    serializer_class = AccessTokenSerializer

    def visible(self):
        return access_tokens_of(self.request.user, AccessToken.Kind.API)

    def create(self, request: Request) -> Response:
        data = self.valid_input(AccessTokenCreateSerializer, request)
        token, secret = access_token_create(
            user=request.user, kind=AccessToken.Kind.API, name=data["name"]
        )
        token.key = secret
        return Response(AccessTokenCreatedSerializer(token).data, status=201)

    def destroy(self, request: Request, pk: str) -> Response:
        access_token_revoke(token=self.get_object())
        return Response(status=204)


class CalendarFeedView(ApiView):
    """The caller's private calendar URL: make (or replace) it, see it, revoke it."""

    def _current(self, request: Request) -> AccessToken:
        token = (
            access_tokens_of(request.user, AccessToken.Kind.CALENDAR)
            .filter(revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise NotFound()
        return token

    @extend_schema(
        summary=_("我的日历订阅（地址仅在创建时返回）"),
        responses={200: CalendarFeedSerializer, 404: error(_("尚未创建"))},
    )
    def get(self, request: Request) -> Response:
        token = self._current(request)
        data = {
            "id": token.pk,
            "created_at": token.created_at,
            "last_used_at": token.last_used_at,
            "url": None,
        }
        return Response(CalendarFeedSerializer(data).data)

    @extend_schema(
        summary=_("生成日历订阅地址（旧地址随即失效）"),
        request=None,
        responses={201: CalendarFeedSerializer},
    )
    def post(self, request: Request) -> Response:
        token, secret = access_token_create(user=request.user, kind=AccessToken.Kind.CALENDAR)
        url = request.build_absolute_uri(reverse("api:calendar-feed", kwargs={"secret": secret}))
        data = {"id": token.pk, "created_at": token.created_at, "last_used_at": None, "url": url}
        return Response(CalendarFeedSerializer(data).data, status=201)

    @extend_schema(
        summary=_("吊销日历订阅地址"),
        responses={204: OpenApiResponse(description=_("已吊销")), 404: error(_("尚未创建"))},
    )
    def delete(self, request: Request) -> Response:
        access_token_revoke(token=self._current(request))
        return Response(status=204)
