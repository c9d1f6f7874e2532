"""What every API view shares: authentication, the coarse permission, the serializer context,
errors documented in the schema, and 404 (never 403) for what the caller may not see."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import generics, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.errors import InvalidInput

from ..concurrency import with_etag
from ..pagination import IdCursorPagination
from ..permissions import UsesService
from ..serializers.common import ErrorSerializer

ID_PATTERN = "[0-9]{1,18}"  # longer ids do not exist (64-bit keys): 404, not an overflow
# The list and its export (views/exporting.py) read the same rows with the same serializer.
LIST_ACTIONS = frozenset({"list", "export"})


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


# Responses an update may give besides success (documented on every write).
WRITE_ERRORS = {
    400: error(_("输入有误")),
    403: error(_("无权执行该操作")),
    404: error(_("记录不存在或不可见")),
    409: error(_("当前状态下不允许该操作")),
    412: error(_("记录已被他人修改（ETag 不符），未作任何更改")),
    428: error(_("缺少 If-Match 请求头")),
}


class ApiViewSet(viewsets.GenericViewSet):
    """Base for the API's view sets."""

    permission_classes = [UsesService]
    pagination_class = IdCursorPagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return self.queryset
        return self.visible()

    def visible(self):
        """The records the caller may see (a selector over tasks_app.access)."""
        raise NotImplementedError

    @property
    def listing(self) -> bool:
        """Whether this request reads the list (the list itself or its export)."""
        return self.action in LIST_ACTIONS

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["today"] = timezone.localdate()
        return context

    def respond(self, instance, serializer_class, *, status: int = 200, etag: bool = False):
        data = serializer_class(instance, context=self.get_serializer_context()).data
        response = Response(data, status=status)
        return with_etag(response, instance) if etag else response

    def valid_input(self, serializer_class, request: Request) -> dict:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ListRetrieveViewSet(ApiViewSet):
    """GET list (cursor-paginated) and GET detail."""

    def list(self, request: Request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


class ApiView(generics.GenericAPIView):
    """Base for single-resource views (the caller's own things)."""

    permission_classes = [UsesService]
    pagination_class = None
    filter_backends: list = []


class SingleRecordMixin:
    """For view sets that update or delete: the list's filters apply to the list only; a record is
    addressed by its id alone."""

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.listing else queryset


def unknown_ids(field: str, asked: set[int], found: set[int]) -> None:
    """Refuse ids the caller may not see, or that do not exist, without telling which is which."""
    missing = sorted(asked - found)
    if missing:
        problem = gettext("不存在或不可见：%(ids)s") % {"ids": ", ".join(map(str, missing[:20]))}
        raise InvalidInput(problem, field_errors={field: [problem]})
