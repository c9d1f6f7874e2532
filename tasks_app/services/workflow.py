"""Every change to a responsibility's workflow: one transition table, one guard, one audit trail.

Each service locks the row, checks the caller's capacity and the current state, writes the change
and its Event in one transaction, and bumps `version` so that a concurrent edit is detected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from agencies.models import Agency, User
from tasks_app import scheduling
from tasks_app.access import Capacity, capacities
from tasks_app.errors import InvalidInput, PermissionDenied, StaleObject, TransitionNotAllowed
from tasks_app.models import Action, Event, ExtensionRequest, Responsibility, Task
from tasks_app.selectors import assignable_users

S = Responsibility.Status


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: decided by the service (see _target_status)
    capacities: frozenset[str]
    reason_required: bool = False


_OPEN = frozenset(Responsibility.OPEN_STATUSES)
_STAFF = frozenset({Capacity.OWN_STAFF})
_LEADER = frozenset({Capacity.OWN_LEADER})
_COORDINATOR = frozenset({Capacity.COORDINATOR})
_STAFF_OR_COORDINATOR = _STAFF | _COORDINATOR

# The table of allowed status transitions, by capacity. Nothing else changes `status`.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(Action.ACCEPT, frozenset({S.ASSIGNED}), S.IN_PROGRESS, _STAFF),
        Transition(Action.REQUEST_COMPLETION, frozenset({S.IN_PROGRESS}), None, _STAFF),
        Transition(
            Action.LEADER_APPROVE, frozenset({S.LEADER_REVIEW}), S.COMPLETION_REQUESTED, _LEADER
        ),
        Transition(
            Action.LEADER_RETURN, frozenset({S.LEADER_REVIEW}), S.IN_PROGRESS, _LEADER, True
        ),
        Transition(
            Action.APPROVE_COMPLETION,
            frozenset({S.COMPLETION_REQUESTED}),
            S.COMPLETED,
            _COORDINATOR,
        ),
        Transition(
            Action.RETURN, frozenset({S.COMPLETION_REQUESTED}), S.IN_PROGRESS, _COORDINATOR, True
        ),
        Transition(Action.SUSPEND, _OPEN, S.SUSPENDED, _COORDINATOR, True),
        Transition(Action.RESUME, frozenset({S.SUSPENDED}), None, _COORDINATOR),
    )
}

# Actions that keep the status but need an open responsibility, by capacity.
EXTENSION_SOURCES = frozenset({S.ASSIGNED, S.IN_PROGRESS})


def available_actions(*, user: User, responsibility: Responsibility) -> list[str]:
    """The transitions `user` may make on `responsibility` now (for buttons, not a guarantee)."""
    held = capacities(user, responsibility)
    return [
        t.action
        for t in TRANSITIONS.values()
        if responsibility.status in t.sources and held & t.capacities
    ]


def _locked(responsibility_id: int) -> Responsibility:
    try:
        return (
            Responsibility.objects.select_for_update(of=("self",))
            .select_related("task__plan", "agency")
            .get(pk=responsibility_id)
        )
    except Responsibility.DoesNotExist:
        raise InvalidInput(_("该责任分工不存在或已被删除。")) from None


def _check_version(responsibility: Responsibility, expected_version: int | None) -> None:
    if expected_version is not None and responsibility.version != expected_version:
        raise StaleObject()


def _require(user: User, responsibility: Responsibility, allowed: frozenset[str]) -> frozenset[str]:
    held = capacities(user, responsibility)
    if not held & allowed:
        raise PermissionDenied()
    return held


def _record(
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


def _refresh_schedule(responsibility: Responsibility) -> None:
    """Recompute the dates the colour rules compare with today."""
    plan = responsibility.task.plan
    assigned_on = timezone.localdate(responsibility.assigned_at)
    responsibility.behind_schedule_on = scheduling.behind_schedule_on(
        start=scheduling.schedule_start(plan=plan, assigned_on=assigned_on),
        due=responsibility.due_on,
        percent=responsibility.progress_percent,
        margin=plan.progress_margin,
    )


def _target_status(transition: Transition, responsibility: Responsibility, held) -> str:
    if transition.target is not None:
        return transition.target
    if transition.action == Action.REQUEST_COMPLETION:
        needs_leader = responsibility.task.plan.leader_approval_required
        if needs_leader and Capacity.OWN_LEADER not in held:
            return S.LEADER_REVIEW
        return S.COMPLETION_REQUESTED
    # RESUME: back to where work stood before suspension.
    return S.IN_PROGRESS if responsibility.accepted_at else S.ASSIGNED


def _action_label(action: str) -> str:
    return str(Action(action).label)


@transaction.atomic
def responsibility_transition(
    *,
    responsibility_id: int,
    action: str,
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
) -> Responsibility:
    """Move a responsibility through the workflow, or raise a DomainError and change nothing."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise InvalidInput(_("未知的操作：%(action)s") % {"action": action})
    responsibility = _locked(responsibility_id)
    _check_version(responsibility, expected_version)
    held = _require(actor, responsibility, transition.capacities)
    if responsibility.status not in transition.sources:
        raise TransitionNotAllowed(
            _("当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": responsibility.get_status_display(), "action": _action_label(action)}
        )
    reason = reason.strip()
    if transition.reason_required and not reason:
        raise InvalidInput(
            _("“%(action)s”须填写理由。") % {"action": _action_label(action)},
            field_errors={"reason": [_("请填写理由。")]},
        )

    now = timezone.now()
    from_status = responsibility.status
    responsibility.status = _target_status(transition, responsibility, held)
    if action == Action.ACCEPT:
        responsibility.accepted_at = now
        responsibility.next_report_due_on = scheduling.first_report_due(
            plan=responsibility.task.plan, starting=timezone.localdate(now)
        )
        _refresh_schedule(responsibility)
    elif action == Action.APPROVE_COMPLETION:
        responsibility.completed_at = now
        due = responsibility.due_on
        responsibility.completed_late = due is not None and timezone.localdate(now) > due
    responsibility.version += 1
    responsibility.save()
    _record(responsibility, actor=actor, action=action, from_status=from_status, reason=reason)
    return responsibility


@transaction.atomic
def extension_request_create(
    *,
    responsibility_id: int,
    actor: User,
    requested_due_on: dt.date,
    reason: str,
    expected_version: int | None = None,
) -> ExtensionRequest:
    """An agency asks for a later deadline; the coordinator decides (extension_decide)."""
    responsibility = _locked(responsibility_id)
    _check_version(responsibility, expected_version)
    _require(actor, responsibility, _STAFF)
    if responsibility.status not in EXTENSION_SOURCES:
        raise TransitionNotAllowed(
            _("当前状态为“%(status)s”，不能申请延期。")
            % {"status": responsibility.get_status_display()}
        )
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("请填写延期理由。")]
    if responsibility.due_on is None:
        errors["requested_due_on"] = [_("该事项尚未设定完成时限，无需申请延期。")]
    elif requested_due_on <= responsibility.due_on:
        errors["requested_due_on"] = [
            _("申请的时限须晚于当前时限（%(due)s）。") % {"due": responsibility.due_on.isoformat()}
        ]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], field_errors=errors)
    if responsibility.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise TransitionNotAllowed(_("已有待审批的延期申请，请等待督办员审批。"))
    request = ExtensionRequest.objects.create(
        responsibility=responsibility,
        previous_due_on=responsibility.due_on,
        requested_due_on=requested_due_on,
        reason=reason,
        requested_by=actor,
    )
    responsibility.version += 1
    responsibility.save(update_fields=["version"])
    _record(
        responsibility,
        actor=actor,
        action=Action.REQUEST_EXTENSION,
        from_status=responsibility.status,
        reason=reason,
        data={"from": request.previous_due_on.isoformat(), "to": requested_due_on.isoformat()},
    )
    return request


@transaction.atomic
def extension_decide(
    *, extension_id: int, actor: User, approve: bool, note: str = ""
) -> ExtensionRequest:
    """Approve (new deadline, the original kept for assessment) or refuse an extension request."""
    try:
        request = ExtensionRequest.objects.select_for_update().get(pk=extension_id)
    except ExtensionRequest.DoesNotExist:
        raise InvalidInput(_("该延期申请不存在。")) from None
    responsibility = _locked(request.responsibility_id)
    _require(actor, responsibility, _COORDINATOR)
    if request.status != ExtensionRequest.Status.PENDING:
        raise TransitionNotAllowed(
            _("该延期申请已处理（%(status)s）。") % {"status": request.get_status_display()}
        )
    note = note.strip()
    if not approve and not note:
        raise InvalidInput(_("不予延期须填写理由。"), field_errors={"note": [_("请填写理由。")]})
    request.status = (
        ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
    )
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    data = {"from": request.previous_due_on.isoformat(), "to": request.requested_due_on.isoformat()}
    if approve:
        if responsibility.original_due_on is None:
            responsibility.original_due_on = responsibility.due_on
        responsibility.due_on = request.requested_due_on
        _refresh_schedule(responsibility)
    responsibility.version += 1
    responsibility.save()
    _record(
        responsibility,
        actor=actor,
        action=Action.APPROVE_EXTENSION if approve else Action.REFUSE_EXTENSION,
        from_status=responsibility.status,
        reason=note,
        data=data,
    )
    return request


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
    responsibility = _locked(responsibility_id)
    _check_version(responsibility, expected_version)
    _require(actor, responsibility, _COORDINATOR)
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
    _refresh_schedule(responsibility)
    responsibility.version += 1
    responsibility.save()
    _record(
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
    _require(actor, probe, _COORDINATOR)
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
    _refresh_schedule(responsibility)
    try:
        with transaction.atomic():
            responsibility.save()
    except IntegrityError:
        raise InvalidInput(_("该单位已承担此任务，或此任务已有牵头单位。")) from None
    _record(
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
    responsibility = _locked(responsibility_id)
    _check_version(responsibility, expected_version)
    _require(actor, responsibility, _COORDINATOR)
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
    try:
        with transaction.atomic():
            responsibility.save()
    except IntegrityError:
        raise InvalidInput(_("该单位已承担此任务，或此任务已有牵头单位。")) from None
    _record(
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
    responsibility = _locked(responsibility_id)
    _check_version(responsibility, expected_version)
    _require(actor, responsibility, _STAFF_OR_COORDINATOR)
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
    _record(
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


def _person(user: User) -> str:
    """姓名 as Chinese writes it (family name first), else the username."""
    return f"{user.last_name}{user.first_name}" or user.username


def _names(users: list[User]) -> str:
    return pgettext("list separator", "、").join(_person(u) for u in users)


def _not_assignable(user_id: int, responsibility: Responsibility) -> str:
    """Why `user_id` cannot be named; a user of another agency is named by number only."""
    user = User.objects.filter(pk=user_id, agency_id=responsibility.agency_id).first()
    who = (
        _("“%(name)s”") % {"name": _person(user)}
        if user is not None
        else _("编号为%(id)s的用户") % {"id": user_id}
    )
    return _("%(who)s不是%(agency)s在用的经办人或分管领导账号，不能指定为经办人。") % {
        "who": who,
        "agency": responsibility.agency,
    }


def _validate_role(role: str) -> None:
    if role not in Responsibility.Role.values:
        raise InvalidInput(_("职责类型无效。"), field_errors={"role": [_("职责类型无效。")]})
