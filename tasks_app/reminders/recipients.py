"""Who receives a reminder of a responsibility, as joins from the responsibility (no loops).

- the agency's active reminder contacts (催办联系人) and the staff assigned to the item;
- for an escalation (督办) also the agency's leaders and the plan's coordinators.
Addresses are compared lower-cased: one person, one ledger row per item and rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, QuerySet, Value
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Coalesce, Concat, Lower, NullIf

from agencies.models import User
from tasks_app.models import RecipientRole


@dataclass(frozen=True)
class RecipientSource:
    """One kind of recipient: the join that finds them and the columns that describe them."""

    role: str
    joined: Callable[[QuerySet], QuerySet]
    email: BaseExpression
    name: BaseExpression


def _person_name(prefix: str) -> BaseExpression:
    """姓名 as Chinese writes it (family name first), else the username."""
    full = Concat(F(f"{prefix}last_name"), F(f"{prefix}first_name"))
    return Coalesce(NullIf(full, Value("")), F(f"{prefix}username"))


def _users(prefix: str, **lookups) -> Callable[[QuerySet], QuerySet]:
    """Active users with an address through `prefix`; one filter() call, so one join."""
    conditions = {f"{prefix}is_active": True, f"{prefix}email__gt": ""}
    conditions.update({f"{prefix}{key}": value for key, value in lookups.items()})
    return lambda responsibilities: responsibilities.filter(**conditions)


_LEADER = "agency__users__"
_COORDINATOR = "task__plan__coordinating_agency__users__"

SOURCES: dict[str, RecipientSource] = {
    RecipientRole.CONTACT: RecipientSource(
        role=RecipientRole.CONTACT,
        joined=lambda responsibilities: responsibilities.filter(
            agency__reminder_contacts__active=True
        ),
        email=Lower("agency__reminder_contacts__email"),
        name=F("agency__reminder_contacts__name"),
    ),
    RecipientRole.ASSIGNEE: RecipientSource(
        role=RecipientRole.ASSIGNEE,
        joined=_users("assignees__"),
        email=Lower("assignees__email"),
        name=_person_name("assignees__"),
    ),
    RecipientRole.LEADER: RecipientSource(
        role=RecipientRole.LEADER,
        joined=_users(_LEADER, role=User.Role.LEADER),
        email=Lower(f"{_LEADER}email"),
        name=_person_name(_LEADER),
    ),
    RecipientRole.COORDINATOR: RecipientSource(
        role=RecipientRole.COORDINATOR,
        joined=_users(_COORDINATOR, role=User.Role.COORDINATOR),
        email=Lower(f"{_COORDINATOR}email"),
        name=_person_name(_COORDINATOR),
    ),
}

EVERYDAY = (RecipientRole.CONTACT, RecipientRole.ASSIGNEE)
ESCALATION = (
    RecipientRole.CONTACT,
    RecipientRole.ASSIGNEE,
    RecipientRole.LEADER,
    RecipientRole.COORDINATOR,
)
