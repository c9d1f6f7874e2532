"""A record's fingerprint: a short digest of every stored field, for optimistic concurrency on
records that carry no version number (tasks, targets, reminder rules, calendar days).

A form or an API client keeps the fingerprint of what it showed; the service compares it with the
record's, under the row lock, before writing. Any change since — by anyone, through any route —
makes them differ, and the write is refused (StaleObject) with nothing changed.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model

from .errors import StaleObject


def _stored(field, value):
    # As the database gives it back: 20, Decimal("20") and Decimal("20.0000") are one value.
    value = field.to_python(value)
    return f"{value.normalize():f}" if isinstance(value, Decimal) else value


def fingerprint(record: Model) -> str:
    """16 hex digits over the record's concrete fields, as stored."""
    values = [
        [f.attname, _stored(f, getattr(record, f.attname))] for f in record._meta.concrete_fields
    ]
    text = json.dumps(values, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint_check(record: Model, seen: str | None) -> None:
    """Raise StaleObject unless `record` (locked by the caller) is as it was seen. `seen=None`
    means the caller does not ask (a command, a test, a service calling a service)."""
    if seen is not None and fingerprint(record) != seen:
        raise StaleObject()
