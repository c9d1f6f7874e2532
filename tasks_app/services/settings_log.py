"""Saving the service's settings records (the working-day calendar, per-plan reminder rules) outside
the admin: validated as the admin's model form validates them, and recorded in the admin's own
history (LogEntry), in the caller's transaction, so that the admin shows who changed what whichever
way the change came."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.text import capfirst
from django.utils.translation import override

from agencies.models import User

from .guards import invalid_input


def record_update(
    record: Model, *, actor: User, changes: Mapping[str, object], unique: tuple[str, ...]
) -> None:
    """Apply the `changes` that differ from `record` and save them as record_save does; nothing
    different means nothing is written."""
    changed = [name for name, value in changes.items() if getattr(record, name) != value]
    if not changed:
        return
    for name in changed:
        setattr(record, name, changes[name])
    record_save(record, actor=actor, changed=changed, unique=unique)


def record_save(
    record: Model, *, actor: User, changed: Iterable[str] | None = None, unique: tuple[str, ...]
) -> None:
    """Validate (field validators, uniqueness, constraints) and save `record`: all of `changed`
    or a new record when `changed` is None. A duplicate that slips past validation (two requests
    at once) is refused like one that did not: the `unique` fields' message, never a 500."""
    try:
        record.full_clean()
    except ValidationError as error:
        raise invalid_input(error) from None
    fields = None if changed is None else list(changed)
    auto_now = [f.name for f in record._meta.concrete_fields if getattr(f, "auto_now", False)]
    try:
        with transaction.atomic():
            record.save(update_fields=None if fields is None else [*fields, *auto_now])
    except IntegrityError:
        message = record.unique_error_message(type(record), unique)
        raise invalid_input(ValidationError({unique[0]: [message]})) from None
    if fields is None:
        _log(actor, record, ADDITION, [{"added": {}}])
    else:
        _log(actor, record, CHANGE, [{"changed": {"fields": _labels(record, fields)}}])


def record_delete(record: Model, *, actor: User) -> None:
    _log(actor, record, DELETION, "")
    record.delete()


def _labels(record: Model, fields: list[str]) -> list[str]:
    # As the admin writes them: field labels in the default language, shown translated later.
    with override(None):
        return [str(capfirst(record._meta.get_field(name).verbose_name)) for name in fields]


def _log(actor: User, record: Model, flag: int, message) -> None:
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[record],
        action_flag=flag,
        change_message=message,
        single_object=True,
    )
