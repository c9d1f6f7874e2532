"""Edits of a task's own words and deadline, recorded like every other change that matters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import User
from tasks_app.access import can_coordinate_plan
from tasks_app.errors import InvalidInput, PermissionDenied
from tasks_app.fingerprint import fingerprint_check
from tasks_app.models import Action, Event, Task
from tasks_app.services.guards import fields_check

EDITABLE_FIELDS = ("title", "text", "kind", "due_on")


def _plain(value):
    """A JSON-safe form of a field value for the event's data."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _invalid(error: ValidationError) -> InvalidInput:
    field_errors = {
        name: [str(m) for m in messages] for name, messages in error.message_dict.items()
    }
    name, problems = next(iter(field_errors.items()))
    label = Task._meta.get_field(name).verbose_name
    return InvalidInput(
        _("%(label)s：%(error)s") % {"label": label, "error": problems[0]},
        field_errors=field_errors,
    )


@transaction.atomic
def task_update(
    *,
    task_id: int,
    actor: User,
    changes: Mapping[str, object],
    reason: str = "",
    seen: str | None = None,
) -> Task:
    """The plan's coordinator (or an administrator) edits a task's title, text, kind or deadline;
    one CHANGE_TASK event with each changed field's old and new value is written in the same
    transaction. Nothing changed: nothing is written.

    The task's deadline is the plan's own (方案规定) and the one an agency starts with when it is
    assigned later (交办, the importer). Each responsibility's deadline is its own from then on —
    changed by responsibility_deadline_set or an approved extension — so it is not moved here.

    `seen`: the task's fingerprint when the editor loaded it; if the task changed since, nothing is
    written (StaleObject: "changed by someone else, reload").
    """
    fields_check(changes, editable=EDITABLE_FIELDS)
    try:
        task = Task.objects.select_for_update(of=("self",)).select_related("plan").get(pk=task_id)
    except Task.DoesNotExist:
        raise InvalidInput(_("该任务不存在或已被删除。")) from None
    if not can_coordinate_plan(actor, task.plan):
        raise PermissionDenied()
    fingerprint_check(task, seen)
    before = {name: getattr(task, name) for name in changes}
    for name, value in changes.items():
        setattr(task, name, value.strip() if isinstance(value, str) else value)
    try:
        task.clean_fields(exclude=[f.name for f in Task._meta.fields if f.name not in changes])
    except ValidationError as error:
        raise _invalid(error) from None
    changed = {
        name: {"from": _plain(old), "to": _plain(getattr(task, name))}
        for name, old in before.items()
        if getattr(task, name) != old
    }
    if not changed:
        return task
    task.save(update_fields=list(changed))
    Event.objects.create(
        plan_id=task.plan_id,
        task_id=task.pk,
        actor=actor,
        action=Action.CHANGE_TASK,
        reason=reason.strip(),
        data={"changes": changed},
    )
    return task
