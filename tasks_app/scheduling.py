"""Reporting periods and the time-proportional schedule (序时进度), as plain date arithmetic."""

import datetime as dt
from calendar import monthrange

from .models import Plan

_MONTHS_PER_PERIOD = {
    Plan.ReportingCycle.MONTHLY: 1,
    Plan.ReportingCycle.QUARTERLY: 3,
    Plan.ReportingCycle.HALF_YEARLY: 6,
}


def reporting_period(*, cycle: str, on: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the reporting period containing `on`."""
    months = _MONTHS_PER_PERIOD[cycle]
    first_month = (on.month - 1) // months * months + 1
    last_month = first_month + months - 1
    return (
        dt.date(on.year, first_month, 1),
        dt.date(on.year, last_month, monthrange(on.year, last_month)[1]),
    )


def report_due_date(*, cycle: str, due_day: int, period_start: dt.date) -> dt.date:
    """The day by which the report for the period starting `period_start` is due."""
    _, period_end = reporting_period(cycle=cycle, on=period_start)
    return period_end.replace(day=min(due_day, period_end.day))


def next_period_start(*, cycle: str, period_start: dt.date) -> dt.date:
    _, period_end = reporting_period(cycle=cycle, on=period_start)
    return period_end + dt.timedelta(days=1)


def first_report_due(*, plan: Plan, starting: dt.date) -> dt.date:
    """When the first report is due for work starting on `starting`: this period's due day, or
    the next period's when this one's has already passed."""
    start, _ = reporting_period(cycle=plan.reporting_cycle, on=starting)
    due = report_due_date(
        cycle=plan.reporting_cycle, due_day=plan.report_due_day, period_start=start
    )
    if due < starting:
        start = next_period_start(cycle=plan.reporting_cycle, period_start=start)
        due = report_due_date(
            cycle=plan.reporting_cycle, due_day=plan.report_due_day, period_start=start
        )
    return due


def report_due_after_filing(*, plan: Plan, period_start: dt.date) -> dt.date:
    """Once the report for `period_start` is filed, the next one is due in the following period."""
    start = next_period_start(cycle=plan.reporting_cycle, period_start=period_start)
    return report_due_date(
        cycle=plan.reporting_cycle, due_day=plan.report_due_day, period_start=start
    )


def schedule_start(*, plan: Plan, assigned_on: dt.date) -> dt.date:
    """Time-proportional progress counts from the plan period's start, else from assignment."""
    if plan.period_start:
        return min(dt.date(plan.period_start, 1, 1), assigned_on)
    return assigned_on


def behind_schedule_on(
    *, start: dt.date, due: dt.date | None, percent: int, margin: int
) -> dt.date | None:
    """The day from which `percent` complete lags the time-proportional expectation by more than
    `margin` points; None when it never does before the deadline (being late is red, not amber)."""
    if due is None or due <= start or percent + margin >= 100:
        return None
    span = (due - start).days
    return start + dt.timedelta(days=span * (percent + margin) // 100 + 1)
