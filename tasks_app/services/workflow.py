"""Every change to a responsibility's workflow: one transition table, one guard, one audit trail.

Each service locks the row, checks the caller's capacity and the current state, writes the change
and its Event in one transaction, and bumps `version` so that a concurrent edit is detected
(services.guards). The coordinator's other changes — deadlines, 交办, reassignment, 经办人 — are in
services.coordination.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from tasks_app import scheduling
from tasks_app.access import Capacity, capacities
from tasks_app.errors import InvalidInput, TransitionNotAllowed
from tasks_app.models import Action, ExtensionRequest, Responsibility

from .guards import (
    COORDINATOR,
    LEADER,
    OPEN,
    STAFF,
    capacity_require,
    event_record,
    responsibility_locked,
    schedule_refresh,
    version_check,
)

S = Responsibility.Status


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: decided by the service (see _target_status)
    capacities: frozenset[str]
    reason_required: bool = False


# The table of allowed status transitions, by capacity. Nothing else changes `status`.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(Action.ACCEPT, frozenset({S.ASSIGNED}), S.IN_PROGRESS, STAFF),
        Transition(Action.REQUEST_COMPLETION, frozenset({S.IN_PROGRESS}), None, STAFF),
        Transition(
            Action.LEADER_APPROVE, frozenset({S.LEADER_REVIEW}), S.COMPLETION_REQUESTED, LEADER
        ),
        Transition(Action.LEADER_RETURN, frozenset({S.LEADER_REVIEW}), S.IN_PROGRESS, LEADER, True),
        Transition(
            Action.APPROVE_COMPLETION,
            frozenset({S.COMPLETION_REQUESTED}),
            S.COMPLETED,
            COORDINATOR,
        ),
        Transition(
            Action.RETURN, frozenset({S.COMPLETION_REQUESTED}), S.IN_PROGRESS, COORDINATOR, True
        ),
        Transition(Action.SUSPEND, OPEN, S.SUSPENDED, COORDINATOR, True),
        Transition(Action.RESUME, frozenset({S.SUSPENDED}), None, COORDINATOR),
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
    responsibility = responsibility_locked(responsibility_id)
    version_check(responsibility, expected_version)
    held = capacity_require(actor, responsibility, transition.capacities)
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
        schedule_refresh(responsibility)
    elif action == Action.APPROVE_COMPLETION:
        responsibility.completed_at = now
        due = responsibility.due_on
        responsibility.completed_late = due is not None and timezone.localdate(now) > due
    responsibility.version += 1
    responsibility.save()
    event_record(responsibility, actor=actor, action=action, from_status=from_status, reason=reason)
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
    responsibility = responsibility_locked(responsibility_id)
    version_check(responsibility, expected_version)
    capacity_require(actor, responsibility, STAFF)
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
    event_record(
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
    responsibility = responsibility_locked(request.responsibility_id)
    capacity_require(actor, responsibility, COORDINATOR)
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
        schedule_refresh(responsibility)
    responsibility.version += 1
    responsibility.save()
    event_record(
        responsibility,
        actor=actor,
        action=Action.APPROVE_EXTENSION if approve else Action.REFUSE_EXTENSION,
        from_status=responsibility.status,
        reason=note,
        data=data,
    )
    return request
