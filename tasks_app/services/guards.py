"""What every change to a responsibility does first and last: lock the row, check the version the
caller saw and the caller's capacity, and record the Event — in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from agencies.models import User
from tasks_app import scheduling
from tasks_app.access import Capacity, capacities
from tasks_app.errors import InvalidInput, PermissionDenied, StaleObject
from tasks_app.models import Event, Responsibility

OPEN = frozenset(Responsibility.OPEN_STATUSES)
STAFF = frozenset({Capacity.OWN_STAFF})
LEADER = frozenset({Capacity.OWN_LEADER})
COORDINATOR = frozenset({Capacity.COORDINATOR})
STAFF_OR_COORDINATOR = STAFF | COORDINATOR


def responsibility_locked(responsibility_id: int) -> Responsibility:
    try:
        return (
            Responsibility.objects.select_for_update(of=("self",))
            .select_related("task__plan", "agency")
            .get(pk=responsibility_id)
        )
    except Responsibility.DoesNotExist:
        raise InvalidInput(_("该责任分工不存在或已被删除。")) from None


def version_check(responsibility: Responsibility, expected_version: int | None) -> None:
    if expected_version is not None and responsibility.version != expected_version:
        raise StaleObject()


def capacity_require(
    user: User, responsibility: Responsibility, allowed: frozenset[str]
) -> frozenset[str]:
    held = capacities(user, responsibility)
    if not held & allowed:
        raise PermissionDenied()
    return held


def event_record(
    responsibility: Responsibility,
    *,
    actor: User | None,
    action: str,
    from_status: str = "",
    reason: str = "",
    data: dict | None = None,
) -> Event:
    return Event.objects.create(
        plan_id=responsibility.task.plan_id,
        task_id=responsibility.task_id,
        responsibility=responsibility,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=responsibility.status,
        reason=reason,
        data=data or {},
    )


def schedule_refresh(responsibility: Responsibility) -> None:
    """Recompute the dates the colour rules compare with today."""
    plan = responsibility.task.plan
    assigned_on = timezone.localdate(responsibility.assigned_at)
    responsibility.behind_schedule_on = scheduling.behind_schedule_on(
        start=scheduling.schedule_start(plan=plan, assigned_on=assigned_on),
        due=responsibility.due_on,
        percent=responsibility.progress_percent,
        margin=plan.progress_margin,
    )


def fields_check(changes: Iterable[str], *, editable: Iterable[str]) -> None:
    """Refuse a change to any field outside `editable`, naming them."""
    unknown = set(changes) - set(editable)
    if unknown:
        raise InvalidInput(
            _("不能修改这些字段：%(fields)s")
            % {"fields": pgettext("list separator", "、").join(sorted(unknown))}
        )


def invalid_input(error: ValidationError) -> InvalidInput:
    """A model's ValidationError as InvalidInput: the first problem as the message, every problem
    by field."""
    field_errors = {
        name: [str(m) for m in messages] for name, messages in error.message_dict.items()
    }
    first = next(iter(field_errors.values()))[0]
    return InvalidInput(first, field_errors=field_errors)
