"""One error shape for every API response that is not a success:

    {"code": "transition_not_allowed", "message": "…", "field_errors": {"reason": ["…"]}}

`code` is for machines (stable, English), `message` for people in the request's language
(zh-hans by default, English with `Accept-Language: en`), `field_errors` maps input fields
(dotted paths for nested input, e.g. `target_values.0.value`) to their problems.
Domain errors (tasks_app.errors) keep their code and HTTP status; DRF's and Django's are mapped.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tasks_app.errors import DomainError, InvalidInput


class PreconditionRequired(DomainError):
    """An update without If-Match: refused rather than risking a lost update."""

    code = "precondition_required"
    http_status = 428
    default_message = _("请在 If-Match 请求头中提供该记录的 ETag，以免覆盖他人的修改。")


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    default_message = _("没有找到该记录。")


class TooLarge(DomainError):
    code = "too_large"
    http_status = 413
    default_message = _("上传的内容过大。")


class InvalidCursor(DomainError):
    """A cursor that this API did not make: the page it names does not exist."""

    code = "invalid_cursor"
    http_status = 404
    default_message = _("分页游标无效。")


class CoordinatorsOnly(DomainError):
    code = "permission_denied"
    http_status = 403
    default_message = _("仅督办员和管理员可以使用此功能。")


class AdministratorsOnly(DomainError):
    code = "permission_denied"
    http_status = 403
    default_message = _("仅管理员可以进行此项修改。")


# DRF exception classes -> our codes (DRF's own codes where they are already good names).
_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "invalid",
}


def error_body(code: str, message: Any, field_errors: dict | None = None) -> dict:
    # Django names errors of the whole record "__all__"; the API calls them non_field_errors.
    fields = {
        ("non_field_errors" if name == NON_FIELD_ERRORS else name): problems
        for name, problems in (field_errors or {}).items()
    }
    return {"code": code, "message": str(message), "field_errors": fields}


def flatten_field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"a.0.b": ["…"]}; errors not tied to a field go under
    "non_field_errors"."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(flatten_field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and detail and all(isinstance(d, (dict, list)) for d in detail):
        flat = {}
        for index, value in enumerate(detail):
            if value:
                flat.update(
                    flatten_field_errors(value, f"{prefix}.{index}" if prefix else str(index))
                )
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


def _validation_body(detail: Any) -> dict:
    field_errors = flatten_field_errors(detail)
    general = field_errors.get("non_field_errors")
    message = general[0] if general and len(field_errors) == 1 else InvalidInput.default_message
    return error_body("invalid", message, field_errors)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error in the one shape, never a 500 for bad
    input. Unknown exceptions are left to Django (a real 500, logged)."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.field_errors), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Response(_validation_body(detail), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        exc = TooLarge()
        return Response(error_body(exc.code, exc.message), status=exc.http_status)
    if isinstance(exc, SuspiciousOperation):
        return Response(error_body("bad_request", _("请求无效。")), status=400)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, (Http404, DjangoPermissionDenied)):
        exc = exceptions.NotFound() if isinstance(exc, Http404) else exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
        return response
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
    if isinstance(exc, exceptions.NotFound):
        exc = NotFound()  # DRF's "No X matches the given query." names the model: say less
        response.data = error_body(exc.code, exc.message)
        return response
    detail = getattr(exc, "detail", "")
    response.data = error_body(code or str(getattr(exc, "default_code", "error")), detail)
    return response


@csrf_exempt  # no state to protect; a 403 CSRF page here would hide the real answer
def not_found_view(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any URL under /api/v1/ that matches no route: the error shape, not Django's HTML page."""
    exc = NotFound()
    body = error_body(exc.code, exc.message)
    return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})
