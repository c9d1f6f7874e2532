"""Changes to a plan's numeric targets (量化指标), recorded like every other change that matters."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import User
from tasks_app.access import can_coordinate_plan
from tasks_app.errors import InvalidInput, PermissionDenied
from tasks_app.fingerprint import fingerprint_check
from tasks_app.models import Action, Event, Target
from tasks_app.services.guards import fields_check, invalid_input

EDITABLE_FIELDS = frozenset(
    {"description", "quantity", "quantity_max", "unit", "comparison", "year", "items", "phrase"}
)


def _plain(value):
    """A JSON-safe form of a field value for the event's data."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value


@transaction.atomic
def target_update(*, target_id: int, actor: User, seen: str | None = None, **changes) -> Target:
    """The plan's coordinator (or an administrator) changes a target; an Event CHANGE_TARGET
    with every changed field's old and new value is written in the same transaction. Fields not
    actually changed are ignored; nothing changed means nothing is written. `seen`: the target's
    fingerprint when the editor loaded it; changed since, nothing is written (StaleObject)."""
    fields_check(changes, editable=EDITABLE_FIELDS)
    try:
        target = Target.objects.select_for_update().select_related("plan").get(pk=target_id)
    except Target.DoesNotExist:
        raise InvalidInput(_("该量化指标不存在或已被删除。")) from None
    if not can_coordinate_plan(actor, target.plan):
        raise PermissionDenied()
    fingerprint_check(target, seen)
    changed = {}
    for name, value in changes.items():
        before = getattr(target, name)
        setattr(target, name, value)
        if before != getattr(target, name):
            changed[name] = {"from": _plain(before), "to": _plain(value)}
    if not changed:
        return target
    try:
        target.full_clean()
    except ValidationError as error:
        raise invalid_input(error) from None
    target.save(update_fields=list(changed))
    Event.objects.create(
        plan_id=target.plan_id,
        task_id=target.task_id,
        actor=actor,
        action=Action.CHANGE_TARGET,
        data={"target": target.pk, "changes": changed},
    )
    return target
