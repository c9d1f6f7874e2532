"""Optimistic concurrency over HTTP: an ETag made from a record's `version`, If-Match on updates.

The ETag names the record and its version ("12.3": record 12, version 3), so an ETag copied from
another record never passes. The version is checked by the service under a row lock; a stale one
raises StaleObject (412) and nothing is written.
"""

from __future__ import annotations

from typing import Protocol

from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.errors import StaleObject
from tasks_app.models import ExtensionRequest

from .errors import PreconditionRequired


class Versioned(Protocol):
    pk: int
    version: int


def etag_for(record: Versioned) -> str:
    return f'"{record.pk}.{record.version}"'


def with_etag(response: Response, record: Versioned) -> Response:
    response["ETag"] = etag_for(record)
    return response


def expected_version(request: Request, record_id: int) -> int:
    """The version the client last saw, from If-Match. Missing: 428. Not this record's: 412."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if len(tags) != 1:
        raise StaleObject()
    tag = tags[0].removeprefix("W/").strip('"')
    record, _, version = tag.partition(".")
    if (
        record != str(record_id)
        or not (version.isascii() and version.isdigit())
        or len(version) > 9
    ):
        raise StaleObject()
    return int(version)


def extension_etag(request: ExtensionRequest) -> str:
    """An extension request has no version: it changes once, from pending to decided."""
    return f'"{request.pk}.{request.status}"'


def check_extension_etag(http_request: Request, request: ExtensionRequest) -> None:
    """If-Match must name the request as the client saw it pending. The decision service then
    refuses, under a row lock, anything no longer pending (409), so no decision is lost."""
    header = http_request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    if header.removeprefix("W/") != extension_etag(request):
        raise StaleObject()
