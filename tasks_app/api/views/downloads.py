"""File responses (exports, attachments) with a Chinese file name that every browser accepts."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

from tasks_app import exports

EXPORT_FORMATS = "xlsx|csv"
CONTENT_TYPES = {"xlsx": exports.XLSX_CONTENT_TYPE, "csv": exports.CSV_CONTENT_TYPE}


def content_disposition(name: str, fallback: str) -> str:
    """RFC 6266 / 5987: the UTF-8 name for clients that read it, an ASCII one for the rest."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(f"{filename}.{fmt}", f"export.{fmt}")
    return response


def export_responses() -> dict:
    """The OpenAPI responses of an export: a spreadsheet or CSV file."""
    return {
        (200, exports.XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="xlsx"),
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=_("csv（UTF-8，带 BOM）")),
    }
