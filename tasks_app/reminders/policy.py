"""The reminder rules' parameters: settings by default, a plan's ReminderPolicy where it says so."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

from tasks_app.models import Plan, ReminderPolicy


def offsets_parse(value: str) -> tuple[int, ...]:
    """ "10,3,1" → (10, 3, 1); duplicates dropped, largest first."""
    parts = value.replace("，", ",").split(",")
    return tuple(sorted({int(part) for part in parts if part.strip()}, reverse=True))


@dataclass(frozen=True)
class Policy:
    """Everything a sweep needs to know about one group of plans."""

    enabled: bool
    due_soon_offsets: tuple[int, ...]
    overdue_every: int
    accept_within: int
    accept_every: int
    report_due_offsets: tuple[int, ...]
    escalate_after_overdue: int
    escalate_after_reminders: int

    @classmethod
    def default(cls) -> Policy:
        return cls(
            enabled=True,
            due_soon_offsets=tuple(sorted(set(settings.REMINDERS_DUE_SOON_OFFSETS), reverse=True)),
            overdue_every=settings.REMINDERS_OVERDUE_EVERY,
            accept_within=settings.DUBAN_ACCEPT_WITHIN_WORKING_DAYS,
            accept_every=settings.REMINDERS_ACCEPT_EVERY,
            report_due_offsets=tuple(
                sorted(set(settings.REMINDERS_REPORT_DUE_OFFSETS), reverse=True)
            ),
            escalate_after_overdue=settings.REMINDERS_ESCALATE_AFTER_OVERDUE,
            escalate_after_reminders=settings.REMINDERS_ESCALATE_AFTER_REMINDERS,
        )

    def overridden_by(self, override: ReminderPolicy) -> Policy:
        """This policy with the override's non-empty fields applied."""

        def pick(value, default):
            return default if value in (None, "") else value

        return Policy(
            enabled=override.enabled,
            due_soon_offsets=offsets_parse(override.due_soon_offsets)
            if override.due_soon_offsets
            else self.due_soon_offsets,
            overdue_every=pick(override.overdue_every, self.overdue_every),
            accept_within=pick(override.accept_within, self.accept_within),
            accept_every=pick(override.accept_every, self.accept_every),
            report_due_offsets=offsets_parse(override.report_due_offsets)
            if override.report_due_offsets
            else self.report_due_offsets,
            escalate_after_overdue=pick(
                override.escalate_after_overdue, self.escalate_after_overdue
            ),
            escalate_after_reminders=pick(
                override.escalate_after_reminders, self.escalate_after_reminders
            ),
        )


@dataclass(frozen=True)
class PlanGroup:
    """Plans that share one effective policy. `plan_ids` None: every plan without an override."""

    policy: Policy
    plan_ids: tuple[int, ...] | None
    excluded_plan_ids: tuple[int, ...] = ()


def policy_for_plan(plan: Plan) -> Policy:
    """The effective policy of one plan."""
    override = ReminderPolicy.objects.filter(plan=plan).first()
    default = Policy.default()
    return default.overridden_by(override) if override else default


def plan_groups() -> list[PlanGroup]:
    """The enabled groups a sweep runs its rules for: the default group plus one per distinct
    override. Overrides are few (a handful of plans), so this is one small query."""
    default = Policy.default()
    overrides = list(ReminderPolicy.objects.all())
    by_policy: dict[Policy, list[int]] = defaultdict(list)
    for override in overrides:
        by_policy[default.overridden_by(override)].append(override.plan_id)
    excluded = tuple(sorted(override.plan_id for override in overrides))
    groups = [PlanGroup(policy=default, plan_ids=None, excluded_plan_ids=excluded)]
    groups += [
        PlanGroup(policy=policy, plan_ids=tuple(sorted(ids))) for policy, ids in by_policy.items()
    ]
    return [group for group in groups if group.policy.enabled]
