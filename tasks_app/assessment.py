"""考核: how each agency met its deadlines, for the periodic assessment of agencies.

Measured against the original deadline (原定时限, `original_due_on`), which an approved extension
does not move — an item finished within its extension is done, but not on time. Aggregated in the
database over the responsibilities the user may see (one query), per agency, for one plan or all.

- 应办结 (assessable): not suspended, and either completed or past its original deadline;
- 按期办结: completed on or before the original deadline (or without a deadline);
- 延期后办结: completed after the original deadline but within the extended one;
- 超期办结: completed after the deadline in force (`completed_late`);
- 逾期未办结: open and past the deadline in force (red);
- 按期办结率: 按期办结 ÷ 应办结.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q

from agencies.models import User

from .access import responsibilities_visible_to
from .models import Responsibility

S = Responsibility.Status


@dataclass(frozen=True)
class AssessmentRow:
    agency_id: int
    name: str
    total: int
    assessable: int
    on_time: int
    within_extension: int
    completed_late: int
    overdue_open: int

    @property
    def on_time_rate(self) -> float | None:
        """Percent, one decimal; None when nothing is assessable yet."""
        if not self.assessable:
            return None
        return round(100 * self.on_time / self.assessable, 1)


def _measures(today: dt.date) -> dict:
    completed = Q(status=S.COMPLETED)
    in_time = Q(original_due_on__isnull=True) | Q(completed_at__date__lte=F("original_due_on"))
    return {
        "total": Count("pk"),
        "assessable": Count(
            "pk", filter=~Q(status=S.SUSPENDED) & (completed | Q(original_due_on__lt=today))
        ),
        "on_time": Count("pk", filter=completed & in_time),
        "within_extension": Count("pk", filter=completed & ~in_time & Q(completed_late=False)),
        "completed_late": Count("pk", filter=completed & Q(completed_late=True)),
        "overdue_open": Count(
            "pk", filter=Q(status__in=Responsibility.OPEN_STATUSES, due_on__lt=today)
        ),
    }


def agency_assessment(
    *, user: User, today: dt.date, plan_id: int | None = None
) -> list[AssessmentRow]:
    """One row per agency holding a responsibility the user may see (in `plan_id`, if given),
    in the agency list's order."""
    measures = _measures(today)
    responsibilities = responsibilities_visible_to(user)
    if plan_id is not None:
        responsibilities = responsibilities.filter(task__plan_id=plan_id)
    rows = (
        responsibilities.order_by()
        .values("agency_id", "agency__short_name", "agency__name", "agency__order")
        .annotate(**measures)
        .order_by("agency__order", "agency_id")
    )
    return [
        AssessmentRow(
            agency_id=row["agency_id"],
            name=row["agency__short_name"] or row["agency__name"],
            **{name: row[name] for name in measures},
        )
        for row in rows
    ]
