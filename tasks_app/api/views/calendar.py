"""GET /api/v1/calendar/<secret>.ics: the feed itself (no login; the secret is the credential)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from tasks_app.access import can_use_service
from tasks_app.models import AccessToken

from ..errors import NotFound
from ..ical import deadlines_calendar
from ..selectors import calendar_deadlines
from ..throttling import PerAddressThrottle
from ..tokens import access_token_find, access_token_touch
from .base import error


class CalendarFeedThrottle(PerAddressThrottle):
    scope = "calendar"


class CalendarFeed(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [CalendarFeedThrottle]

    @extend_schema(
        summary=_("日历订阅（iCalendar；私有地址，无需登录）"),
        auth=[],
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR),
            404: error(_("地址无效或已吊销")),
            429: error(_("请求过于频繁")),
        },
    )
    def get(self, request: Request, secret: str) -> HttpResponse:
        token = access_token_find(secret, AccessToken.Kind.CALENDAR)
        if token is None or not can_use_service(token.user):
            raise NotFound()  # unknown and revoked look the same
        access_token_touch(token)
        content = deadlines_calendar(token.user, calendar_deadlines(token.user))
        response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, max-age=300"
        return response
