"""The coordinator's overview: counts by status and colour per plan and per agency, the agencies
with the most overdue items, the items overdue longest, reports not filed, decisions waiting.

Everything is aggregated in the database (Count with filter=Q(...), the colour conditions of
selectors), over responsibilities_visible_to(user): a constant number of queries however many
rows there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from agencies.models import User

from .access import extension_requests_visible_to, plans_visible_to, responsibilities_visible_to
from .models import ExtensionRequest, Responsibility
from .selectors import Colour, ColourRules, acceptance_overdue, colour_filter

S = Responsibility.Status
COLOURS = (Colour.RED, Colour.AMBER, Colour.GREEN, Colour.GREY)
LONGEST_OVERDUE_SHOWN = 10
MOST_OVERDUE_AGENCIES_SHOWN = 10


def report_missing(rules: ColourRules) -> Q:
    """Open, and the progress report that was due has not been filed (报送逾期)."""
    return Q(status__in=Responsibility.OPEN_STATUSES, next_report_due_on__lt=rules.today)


@dataclass
class Counts:
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_colour: dict[str, int] = field(default_factory=dict)
    report_missing: int = 0
    accept_overdue: int = 0

    @classmethod
    def from_row(cls, row: dict) -> Counts:
        return cls(
            total=row["total"],
            by_status={s: row[f"s_{s}"] for s in S.values},
            by_colour={c: row[f"c_{c}"] for c in COLOURS},
            report_missing=row["report_missing"],
            accept_overdue=row["accept_overdue"],
        )

    def add(self, other: Counts) -> None:
        self.total += other.total
        for s, n in other.by_status.items():
            self.by_status[s] = self.by_status.get(s, 0) + n
        for c, n in other.by_colour.items():
            self.by_colour[c] = self.by_colour.get(c, 0) + n
        self.report_missing += other.report_missing
        self.accept_overdue += other.accept_overdue


@dataclass
class PlanRow:
    plan_id: int
    title: str
    counts: Counts
    pending_extensions: int = 0


@dataclass
class AgencyRow:
    agency_id: int
    name: str
    counts: Counts


@dataclass
class Overview:
    plans: list[PlanRow]
    totals: Counts
    pending_extensions: int
    agencies: list[AgencyRow]
    most_overdue_agencies: list[AgencyRow]
    longest_overdue: list[Responsibility]


def _aggregates(rules: ColourRules) -> dict:
    counts = {"total": Count("pk")}
    counts.update({f"s_{s}": Count("pk", filter=Q(status=s)) for s in S.values})
    counts.update({f"c_{c}": Count("pk", filter=colour_filter(rules, c)) for c in COLOURS})
    counts["report_missing"] = Count("pk", filter=report_missing(rules))
    counts["accept_overdue"] = Count("pk", filter=acceptance_overdue(rules))
    return counts


def coordinator_overview(*, user: User, rules: ColourRules, plan_id: int | None = None) -> Overview:
    """The overview of every plan the user coordinates (administrators: every plan); the agency
    tables and lists narrowed to one plan when `plan_id` is given."""
    responsibilities = responsibilities_visible_to(user)
    plans = {
        pk: PlanRow(pk, title, Counts.from_row(_zero_row()))
        for pk, title in plans_visible_to(user)
        .order_by("-issued_on", "id")
        .values_list("pk", "title")
    }
    per_plan = responsibilities.order_by().values("task__plan_id").annotate(**_aggregates(rules))
    for row in per_plan:
        if row["task__plan_id"] in plans:
            plans[row["task__plan_id"]].counts = Counts.from_row(row)
    pending = (
        extension_requests_visible_to(user)
        .filter(status=ExtensionRequest.Status.PENDING)
        .order_by()
        .values("responsibility__task__plan_id")
        .annotate(n=Count("pk"))
    )
    for row in pending:
        if row["responsibility__task__plan_id"] in plans:
            plans[row["responsibility__task__plan_id"]].pending_extensions = row["n"]
    totals = Counts.from_row(_zero_row())
    for plan in plans.values():
        totals.add(plan.counts)

    focus = responsibilities.filter(task__plan_id=plan_id) if plan_id else responsibilities
    agencies = _agency_rows(focus, rules)
    return Overview(
        plans=list(plans.values()),
        totals=totals,
        pending_extensions=sum(p.pending_extensions for p in plans.values()),
        agencies=agencies,
        most_overdue_agencies=sorted(
            (a for a in agencies if a.counts.by_colour[Colour.RED]),
            key=lambda a: -a.counts.by_colour[Colour.RED],
        )[:MOST_OVERDUE_AGENCIES_SHOWN],
        longest_overdue=list(
            focus.filter(colour_filter(rules, Colour.RED))
            .select_related("task__plan", "agency")
            .order_by("due_on", "id")[:LONGEST_OVERDUE_SHOWN]
        ),
    )


def _agency_rows(responsibilities: QuerySet[Responsibility], rules: ColourRules) -> list[AgencyRow]:
    rows = (
        responsibilities.order_by()
        .values("agency_id", "agency__short_name", "agency__name", "agency__order")
        .annotate(**_aggregates(rules))
        .order_by("agency__order", "agency_id")
    )
    return [
        AgencyRow(
            row["agency_id"], row["agency__short_name"] or row["agency__name"], Counts.from_row(row)
        )
        for row in rows
    ]


def _zero_row() -> dict:
    row = {"total": 0, "report_missing": 0, "accept_overdue": 0}
    row.update({f"s_{s}": 0 for s in S.values})
    row.update({f"c_{c}": 0 for c in COLOURS})
    return row
