"""Optimistic concurrency over HTTP: an ETag made from a record's `version`, If-Match on updates.

The ETag names the record and its version ("12.3": record 12, version 3), so an ETag copied from
another record never passes. The version is checked by the service under a row lock; a stale one
raises StaleObject (412) and nothing is written.

Records without a version get an ETag from their fingerprint, a digest of their stored values
("12.9f86d081884c7d65", tasks_app.fingerprint). Tasks and plans hand it to their service
(`seen_fingerprint`), which compares it under its own row lock, as for the admin's forms. For
targets (whose input is checked against the locked record), reminder rules and working-day
exceptions, `locked_as_seen` compares it under a row lock in the transaction that then calls the
service.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from django.db import transaction
from django.db.models import Model, QuerySet
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.errors import StaleObject
from tasks_app.fingerprint import fingerprint
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


def fingerprint_etag(record: Model) -> str:
    """The ETag of a record without a version: its id and its fingerprint (a digest of every
    stored field, the one the admin's edit forms carry too)."""
    return f'"{record.pk}.{fingerprint(record)}"'


def with_fingerprint(response: Response, record: Model) -> Response:
    response["ETag"] = fingerprint_etag(record)
    return response


def if_match(request: Request) -> str:
    """The If-Match header (one ETag, weak or strong); missing: 428."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    return header.removeprefix("W/")


def seen_fingerprint(request: Request, record_id: int) -> str:
    """For a service that checks the fingerprint itself under its row lock (`seen=`): the one
    If-Match names. Missing: 428; another record's ETag: 412."""
    record, _, digest = if_match(request).strip('"').partition(".")
    if record != str(record_id):
        raise StaleObject()
    return digest


@contextmanager
def locked_as_seen(queryset: QuerySet, pk: int, etag: str) -> Iterator[Model]:
    """Open a transaction, lock the record and go on only if it is still as the client saw it
    (`etag` from `if_match`); otherwise 412 and nothing is written. A record deleted meanwhile is
    stale too."""
    with transaction.atomic():
        record = queryset.select_for_update().filter(pk=pk).first()
        if record is None or fingerprint_etag(record) != etag:
            raise StaleObject()
        yield record
