"""A plan's reporting settings (进展报送与审核), which the plan's coordinators may change: the cycle,
the due day, whether the agency leader reviews first, and the 序时进度 margin.

The change is validated by the model, recorded in the admin's history (LogEntry) and, where it
moves report dates or the progress schedule, every accepted open item of the plan is brought in
line in the same transaction (services.reports.plan_schedules_refresh) — the lists, colours and
reminders use the new dates at once.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import User
from tasks_app.access import can_coordinate_plan
from tasks_app.errors import InvalidInput, PermissionDenied
from tasks_app.fingerprint import fingerprint_check
from tasks_app.models import Plan

from .guards import fields_check, invalid_input
from .reports import plan_schedules_refresh
from .settings_log import record_save

REPORTING_FIELDS = (
    "reporting_cycle",
    "report_due_day",
    "leader_approval_required",
    "progress_margin",
)
# The settings the items' derived dates depend on.
SCHEDULE_FIELDS = frozenset({"reporting_cycle", "report_due_day", "progress_margin"})


@transaction.atomic
def plan_settings_update(
    *, plan_id: int, actor: User, seen: str | None = None, log: bool = True, **changes
) -> Plan:
    """Change the plan's reporting settings; fields not actually changed are ignored, nothing
    changed means nothing is written. `seen`: the plan's fingerprint when the editor loaded it
    (changed since: StaleObject). `log=False` when the caller records the change itself (the
    admin's own history entry)."""
    fields_check(changes, editable=REPORTING_FIELDS)
    plan = Plan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None:
        raise InvalidInput(_("该规划方案不存在或已被删除。"))
    if not can_coordinate_plan(actor, plan):
        raise PermissionDenied()
    fingerprint_check(plan, seen)
    changed = [name for name, value in changes.items() if getattr(plan, name) != value]
    if not changed:
        return plan
    for name in changed:
        setattr(plan, name, changes[name])
    if log:
        record_save(plan, actor=actor, changed=changed, unique=("key",))
    else:
        _validated(plan)
        plan.save(update_fields=changed)
    if SCHEDULE_FIELDS.intersection(changed):
        plan_schedules_refresh(plan=plan)
    return plan


def _validated(plan: Plan) -> None:
    try:
        plan.full_clean()
    except ValidationError as error:
        raise invalid_input(error) from None
