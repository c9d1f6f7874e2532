"""Per-plan reminder rules (催办规则): the plan's coordinators and administrators set them, as in
the admin. Validated by the model (the admin's form adds nothing to it), recorded in the admin's
history."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import User
from tasks_app.access import plans_visible_to
from tasks_app.errors import InvalidInput, PermissionDenied
from tasks_app.models import Plan, ReminderPolicy
from tasks_app.reminders.selectors import can_edit_reminder_policy

from .guards import fields_check
from .settings_log import record_delete, record_save, record_update

EDITABLE_FIELDS = (
    "plan",
    "enabled",
    "due_soon_offsets",
    "overdue_every",
    "accept_within",
    "accept_every",
    "report_due_offsets",
    "escalate_after_overdue",
    "escalate_after_reminders",
)


def _plan(plan_id: int, actor: User) -> Plan:
    """A plan the actor may set rules for (the admin offers only the plans the user sees)."""
    plan = plans_visible_to(actor).filter(pk=plan_id).first()
    if plan is None:
        raise InvalidInput(
            _("该方案不存在或不可见。"), field_errors={"plan": [_("该方案不存在或不可见。")]}
        )
    if not can_edit_reminder_policy(actor, plan):
        raise PermissionDenied(_("只有本方案的督办员和管理员可以设置催办规则。"))
    return plan


def _locked(policy_id: int, actor: User) -> ReminderPolicy:
    policy = (
        ReminderPolicy.objects.select_for_update()
        .select_related("plan")
        .filter(pk=policy_id)
        .first()
    )
    if policy is None:
        raise InvalidInput(_("该催办规则不存在或已被删除。"))
    if not can_edit_reminder_policy(actor, policy.plan):
        raise PermissionDenied(_("只有本方案的督办员和管理员可以设置催办规则。"))
    return policy


@transaction.atomic
def reminder_policy_create(*, plan_id: int, actor: User, **values) -> ReminderPolicy:
    """A plan's own reminder rules (one per plan); fields left out keep the system defaults."""
    fields_check(values, editable=EDITABLE_FIELDS)
    policy = ReminderPolicy(plan=_plan(plan_id, actor), **values)
    record_save(policy, actor=actor, unique=("plan",))
    return policy


@transaction.atomic
def reminder_policy_update(*, policy_id: int, actor: User, **changes) -> ReminderPolicy:
    """Change a plan's rules (or move them to another plan the actor coordinates); nothing
    changed means nothing is written."""
    fields_check(changes, editable=EDITABLE_FIELDS)
    policy = _locked(policy_id, actor)
    if "plan" in changes:
        changes["plan"] = _plan(changes["plan"], actor)
    record_update(policy, actor=actor, changes=changes, unique=("plan",))
    return policy


@transaction.atomic
def reminder_policy_delete(*, policy_id: int, actor: User) -> None:
    """Remove a plan's rules: the plan follows the system defaults again."""
    record_delete(_locked(policy_id, actor), actor=actor)
