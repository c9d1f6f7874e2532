"""The coordinator's changes to who does what by when: deadlines (调整时限), handing a task to an
agency (交办), moving a responsibility to another agency or role (调整责任单位), and naming the
people who handle an item (经办人). Each locks, checks and records like the workflow's transitions
(services.guards)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from agencies.models import Agency, User
from tasks_app.errors import InvalidInput, TransitionNotAllowed
from tasks_app.models import Action, Responsibility, Task
from tasks_app.selectors import assignable_users

from .guards import (
    COORDINATOR,
    STAFF_OR_COORDINATOR,
    capacity_require,
    event_record,
    responsibility_locked,
    schedule_refresh,
    version_check,
)

S = Responsibility.Status
# Who may name an item's 经办人, and so see whom they could name: the agency's own people (staff
# and leaders) and the plan's coordinator (administrators hold that capacity everywhere).
NAMES_ASSIGNEES = STAFF_OR_COORDINATOR


@transaction.atomic
def responsibility_deadline_set(
    *,
    responsibility_id: int,
    actor: User,
    due_on: dt.date,
    reason: str = "",
    expected_version: int | None = None,
) -> Responsibility:
    """The coordinator sets a new official deadline (this also becomes the assessed deadline)."""
    responsibility = responsibility_locked(responsibility_id)
    version_check(responsibility, expected_version)
    capacity_require(actor, responsibility, COORDINATOR)
    if not responsibility.is_open:
        raise TransitionNotAllowed(
            _("当前状态为“%(status)s”，不能调整时限。")
            % {"status": responsibility.get_status_display()}
        )
    previous = responsibility.due_on
    if previous == due_on:
        return responsibility
    responsibility.due_on = due_on
    responsibility.original_due_on = due_on
    schedule_refresh(responsibility)
    responsibility.version += 1
    responsibility.save()
    event_record(
        responsibility,
        actor=actor,
        action=Action.SET_DEADLINE,
        from_status=responsibility.status,
        reason=reason.strip(),
        data={"from": previous.isoformat() if previous else None, "to": due_on.isoformat()},
    )
    return responsibility


@transaction.atomic
def responsibility_assign(
    *,
    task_id: int,
    actor: User,
    agency_id: int,
    role: str,
    due_on: dt.date | None = None,
    reason: str = "",
) -> Responsibility:
    """The coordinator hands a task to one more agency (交办), e.g. names a lead where none was."""
    task = Task.objects.select_related("plan").get(pk=task_id)
    probe = Responsibility(task=task, agency_id=agency_id, role=role)
    capacity_require(actor, probe, COORDINATOR)
    _validate_role(role)
    if not Agency.objects.filter(pk=agency_id).exists():
        raise InvalidInput(_("所选单位不存在。"), field_errors={"agency": [_("所选单位不存在。")]})
    due = due_on or task.due_on
    responsibility = Responsibility(
        task=task,
        agency_id=agency_id,
        role=role,
        due_on=due,
        original_due_on=due,
        order=task.responsibilities.count(),
    )
    schedule_refresh(responsibility)
    _save_unique(responsibility)
    event_record(
        responsibility,
        actor=actor,
        action=Action.ASSIGN,
        reason=reason.strip(),
        data={"agency": agency_id, "role": role},
    )
    return responsibility


@transaction.atomic
def responsibility_reassign(
    *,
    responsibility_id: int,
    actor: User,
    agency_id: int,
    role: str,
    reason: str,
    expected_version: int | None = None,
) -> Responsibility:
    """Move a responsibility to another agency or role. A new agency must accept it afresh."""
    responsibility = responsibility_locked(responsibility_id)
    version_check(responsibility, expected_version)
    capacity_require(actor, responsibility, COORDINATOR)
    _validate_role(role)
    if not reason.strip():
        raise InvalidInput(
            _("调整责任单位须填写理由。"), field_errors={"reason": [_("请填写理由。")]}
        )
    if not responsibility.is_open:
        raise TransitionNotAllowed(
            _("当前状态为“%(status)s”，不能调整责任单位。")
            % {"status": responsibility.get_status_display()}
        )
    data = {
        "from_agency": responsibility.agency_id,
        "to_agency": agency_id,
        "from_role": responsibility.role,
        "to_role": role,
    }
    from_status = responsibility.status
    if agency_id != responsibility.agency_id:
        responsibility.agency_id = agency_id
        responsibility.status = S.ASSIGNED
        responsibility.assigned_at = timezone.now()
        responsibility.accepted_at = None
        responsibility.next_report_due_on = None
        responsibility.assignees.clear()
    responsibility.role = role
    responsibility.version += 1
    _save_unique(responsibility)
    event_record(
        responsibility,
        actor=actor,
        action=Action.REASSIGN,
        from_status=from_status,
        reason=reason.strip(),
        data=data,
    )
    return responsibility


@transaction.atomic
def responsibility_assignees_set(
    *,
    responsibility_id: int,
    user_ids: Iterable[int],
    actor: User,
    expected_version: int | None = None,
) -> Responsibility:
    """Name the people who handle an item (经办人; reminders of it go to them too), replacing those
    named before. The agency's own staff and leaders, or the plan's coordinator, may do it; each
    one named must be an active staff member or leader of the responsible agency."""
    responsibility = responsibility_locked(responsibility_id)
    version_check(responsibility, expected_version)
    capacity_require(actor, responsibility, NAMES_ASSIGNEES)
    if not responsibility.is_open:
        raise TransitionNotAllowed(
            _("当前状态为“%(status)s”，不能指定经办人。")
            % {"status": responsibility.get_status_display()}
        )
    wanted = list(dict.fromkeys(user_ids))
    chosen = {u.pk: u for u in assignable_users(responsibility.agency_id).filter(pk__in=wanted)}
    refused = [pk for pk in wanted if pk not in chosen]
    if refused:
        message = _not_assignable(refused[0], responsibility)
        raise InvalidInput(message, field_errors={"user_ids": [message]})
    before = list(responsibility.assignees.order_by("pk"))
    if [u.pk for u in before] == sorted(chosen):
        return responsibility
    after = [chosen[pk] for pk in sorted(chosen)]
    responsibility.assignees.set(after)
    responsibility.version += 1
    responsibility.save(update_fields=["version"])
    event_record(
        responsibility,
        actor=actor,
        action=Action.ASSIGN_STAFF,
        from_status=responsibility.status,
        data={
            "from": _names(before),
            "to": _names(after),
            "users": {"from": [u.pk for u in before], "to": [u.pk for u in after]},
        },
    )
    return responsibility


def responsibility_assignee_choices(
    *, responsibility: Responsibility, actor: User
) -> QuerySet[User]:
    """The people `actor` could name 经办人 of `responsibility` (those responsibility_assignees_set
    accepts); PermissionDenied for whoever may not name them. Needs task.plan loaded."""
    capacity_require(actor, responsibility, NAMES_ASSIGNEES)
    return assignable_users(responsibility.agency_id)


def full_name(user: User) -> str:
    """姓名 as Chinese writes it (family name first), else the username."""
    return f"{user.last_name}{user.first_name}" or user.username


def _names(users: list[User]) -> str:
    return pgettext("list separator", "、").join(full_name(u) for u in users)


def _not_assignable(user_id: int, responsibility: Responsibility) -> str:
    """Why `user_id` cannot be named; a user of another agency is named by number only."""
    user = User.objects.filter(pk=user_id, agency_id=responsibility.agency_id).first()
    who = (
        _("“%(name)s”") % {"name": full_name(user)}
        if user is not None
        else _("编号为%(id)s的用户") % {"id": user_id}
    )
    return _("%(who)s不是%(agency)s在用的经办人或分管领导账号，不能指定为经办人。") % {
        "who": who,
        "agency": responsibility.agency,
    }


def _save_unique(responsibility: Responsibility) -> None:
    """Save, refusing an agency twice on one task or a second lead (the database's constraints,
    which also settle two coordinators assigning at once)."""
    try:
        with transaction.atomic():
            responsibility.save()
    except IntegrityError:
        raise InvalidInput(_("该单位已承担此任务，或此任务已有牵头单位。")) from None


def _validate_role(role: str) -> None:
    if role not in Responsibility.Role.values:
        raise InvalidInput(_("职责类型无效。"), field_errors={"role": [_("职责类型无效。")]})
