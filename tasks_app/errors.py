"""Domain errors: a machine-readable code, a message for people, the HTTP status they map to."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    http_status = 400
    default_message = _("操作失败。")

    def __init__(self, message=None, *, field_errors: dict[str, list[str]] | None = None):
        self.message = message if message is not None else self.default_message
        self.field_errors = field_errors or {}
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    code = "invalid"
    http_status = 400
    default_message = _("输入有误，请检查后重试。")


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403
    default_message = _("您没有权限执行此操作。")


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    http_status = 409
    default_message = _("当前状态下不能执行此操作。")


class StaleObject(DomainError):
    code = "stale"
    http_status = 412
    default_message = _("该事项已被他人修改，请刷新页面后重试。")
