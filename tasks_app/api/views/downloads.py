"""File responses (exports, attachments) with a Chinese file name that every browser accepts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from tasks_app import exports

EXPORT_FORMATS = "xlsx|csv"
EXPORT_FORMAT = OpenApiParameter(
    "fmt",
    OpenApiTypes.STR,
    location=OpenApiParameter.PATH,
    enum=EXPORT_FORMATS.split("|"),
    description=_("文件格式：xlsx（Excel）或 csv（UTF-8，带 BOM）。"),
)
# One way to name a download, shared with the admin.
content_disposition = exports.content_disposition
download = exports.download


def export_responses() -> dict:
    """The OpenAPI responses of an export: a spreadsheet or CSV file."""
    return {
        (200, exports.XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="xlsx"),
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=_("csv（UTF-8，带 BOM）")),
    }
