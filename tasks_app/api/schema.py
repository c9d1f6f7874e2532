"""OpenAPI schema details: the error responses every operation can give, If-Match and ETag on
updates, and the token security scheme. Schemathesis checks responses against this, so every
status the API can return is documented here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from tasks_app.selectors import Colour
from tasks_app.services.workflow import TRANSITIONS

from .serializers.common import ErrorSerializer

COLOUR_CHOICES = Colour.CHOICES
TRANSITION_ACTIONS = list(TRANSITIONS)

COMMON_ERRORS = {
    "400": _("输入或查询参数有误"),
    "401": _("未认证，或令牌无效、已吊销"),
    "403": _("无权访问"),
    "404": _("不存在或不可见"),
    "405": _("不支持该方法"),
    "406": _("无法提供所要求的响应格式"),
    "415": _("不支持的请求体类型"),
    "429": _("请求过于频繁"),
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description=_("该记录详情响应头中的 ETag；过期则返回 412 且不作任何更改。"),
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=["200", "201"],
    description=_("记录版本，更新时放入 If-Match。"),
)


class AutoSchema(openapi.AutoSchema):
    def get_filter_backends(self) -> list:
        # A list's export (views/exporting.py) takes the list's filters; spectacular would offer
        # filters on list views only.
        if getattr(self.view, "action", None) == "export":
            return list(getattr(self.view, "filter_backends", []))
        return super().get_filter_backends()

    def _needs_if_match(self) -> bool:
        responses = self.get_response_serializers()
        return isinstance(responses, dict) and 428 in responses

    def get_override_parameters(self) -> list:
        parameters = list(super().get_override_parameters())
        if self._needs_if_match():
            parameters.append(IF_MATCH)
        action = getattr(self.view, "action", None)
        created_with_etag = action == "create" and getattr(self.view, "etag_on_create", False)
        if action == "retrieve" or created_with_etag or self._needs_if_match():
            parameters.append(ETAG)
        return parameters

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        if self.view.authentication_classes == [] and "404" in responses:
            codes = ("404", "429")  # the calendar feed: no login, only its secret
        else:
            codes = tuple(COMMON_ERRORS)
        for code in codes:
            if code not in responses:
                error = OpenApiResponse(ErrorSerializer, description=COMMON_ERRORS[code])
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tasks_app.api.authentication.AccessTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _(
                "`Token <令牌>`（或 `Bearer <令牌>`）；令牌在 /api/v1/tokens/ 创建和吊销。"
            ),
        }
