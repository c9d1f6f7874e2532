"""The one error the importer raises: its message is shown to the person importing."""

from django.utils.translation import gettext_lazy as _

from tasks_app.errors import DomainError


class PlanImportError(DomainError):
    """A document cannot be imported (empty, binary, undecodable, no tasks, unknown agencies).

    Raised before anything is written, or inside the import transaction so that it rolls back:
    either way the database is left as it was.
    """

    code = "plan_import_failed"
    http_status = 400
    default_message = _("导入失败。")

    def __init__(self, message: str, *, unknown_agencies: dict[str, list[str]] | None = None):
        super().__init__(message)
        # name as written -> closest known names, for callers that want to show a picker
        self.unknown_agencies = unknown_agencies or {}
