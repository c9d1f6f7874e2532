"""Corrections to the working-day calendar (节假日与调休): administrators only, as in the admin.

These services check the permission and the model's own validation (one exception per date, and
an exception must break the Monday–Friday rule: WorkingDayException.clean), and record the
change in the admin's history.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import User
from tasks_app.access import is_administrator
from tasks_app.errors import InvalidInput, PermissionDenied
from tasks_app.models import WorkingDayException

from .guards import fields_check
from .settings_log import record_delete, record_save, record_update

EDITABLE_FIELDS = ("date", "is_working_day", "note")


def _require_administrator(actor: User) -> None:
    if not is_administrator(actor):
        raise PermissionDenied(_("只有管理员可以修改工作日历。"))


def _locked(exception_id: int) -> WorkingDayException:
    record = WorkingDayException.objects.select_for_update().filter(pk=exception_id).first()
    if record is None:
        raise InvalidInput(_("该节假日或调休记录不存在或已被删除。"))
    return record


@transaction.atomic
def working_day_exception_create(
    *, actor: User, date: dt.date, is_working_day: bool, note: str = ""
) -> WorkingDayException:
    """Record a public holiday on a weekday, or a weekend day worked (调休上班)."""
    _require_administrator(actor)
    record = WorkingDayException(date=date, is_working_day=is_working_day, note=note)
    record_save(record, actor=actor, unique=("date",))
    return record


@transaction.atomic
def working_day_exception_update(
    *, exception_id: int, actor: User, **changes
) -> WorkingDayException:
    """Change an exception's date, kind or note; nothing changed means nothing is written."""
    _require_administrator(actor)
    fields_check(changes, editable=EDITABLE_FIELDS)
    record = _locked(exception_id)
    record_update(record, actor=actor, changes=changes, unique=("date",))
    return record


@transaction.atomic
def working_day_exception_delete(*, exception_id: int, actor: User) -> None:
    """Remove an exception: the day follows the Monday–Friday rule again."""
    _require_administrator(actor)
    record_delete(_locked(exception_id), actor=actor)
