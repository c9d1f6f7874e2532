"""What a synthetic responsibility looks like: one scenario per situation people meet at work.

Each scenario draws a `Draft` (status, dates, progress) relative to `today`. The weights give a
plausible spread; the first four scenarios give red, amber, green and grey, so a batch whose
first tasks take the scenarios in turn shows every colour.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

from tasks_app.models import Plan, Responsibility

S = Responsibility.Status


@dataclass
class PlanContext:
    """What scenarios need to know about the plan a task belongs to."""

    plan: Plan
    schedule_base: dt.date  # 1 January of the plan's first year (序时进度 counts from here)
    report_due: dt.date  # the report due day of the current period (on or after today)
    leader_required: bool
    section_ids: list[int]


@dataclass(slots=True)
class Draft:
    """One responsibility before it becomes a row."""

    status: str
    assigned_on: dt.date
    due: dt.date
    percent: int = 0
    accepted_on: dt.date | None = None
    original_due: dt.date | None = None  # before an approved extension
    next_report: dt.date | None = None
    reported_on: dt.date | None = None
    completed_on: dt.date | None = None
    escalated_on: dt.date | None = None
    extension_to: dt.date | None = None  # a pending extension request to this date


def _day(day: dt.date, offset: int) -> dt.date:
    return _from_ordinal(day.toordinal() + offset)  # a quarter of the time of `+ timedelta`


_from_ordinal = dt.date.fromordinal


def _on_schedule(rng: random.Random, start: dt.date, due: dt.date, today: dt.date) -> int:
    """A percent near the time-proportional expectation, never behind it by the margin."""
    span = (due - start).days
    expected = 100 if span <= 0 else 100 * (today - start).days // span
    return max(0, min(95, expected + rng.randrange(-8, 15)))


def _in_progress(
    rng: random.Random, ctx: PlanContext, today: dt.date, due_in: tuple[int, int]
) -> Draft:
    due = _day(today, rng.randrange(*due_in))
    assigned = min(_day(today, -rng.randrange(30, 400)), _day(due, -rng.randrange(30, 200)))
    start = min(ctx.schedule_base, assigned)
    draft = Draft(S.IN_PROGRESS, assigned, due, _on_schedule(rng, start, due, today))
    draft.accepted_on = _day(assigned, rng.randrange(0, 4))
    draft.next_report = ctx.report_due
    if draft.percent:
        draft.reported_on = max(draft.accepted_on, _day(today, -rng.randrange(1, 80)))
    return draft


def on_track(rng: random.Random, ctx: PlanContext, today: dt.date) -> Draft:
    """Green: far from the deadline, progress and reports on time."""
    return _in_progress(rng, ctx, today, (60, 900))


def behind_schedule(rng: random.Random, ctx: PlanContext, today: dt.date) -> Draft:
    """Amber: reported progress lags 序时进度 by more than the plan's margin."""
    draft = _in_progress(rng, ctx, today, (60, 600))
    start = min(ctx.schedule_base, draft.assigned_on)
    expected = 100 * (today - start).days // (draft.due - start).days
    draft.percent = max(0, expected - ctx.plan.progress_margin - rng.randrange(5, 30))
    return draft


def report_overdue(rng: random.Random, ctx: PlanContext, today: dt.date) -> Draft:
    """Amber: this period's report was due and is missing."""
    draft = _in_progress(rng, ctx, today, (60, 900))
    draft.next_report = _day(today, -rng.randrange(1, 60))
    return draft


def due_soon(rng: random.Random, ctx: PlanContext, today: dt.date) -> Draft:
    """Amber: due within a week; some have asked for more time."""
    draft = _in_progress(rng, ctx, today, (0, 8))
    if rng.random() < 0.2:
        draft.extension_to = _day(draft.due, rng.randrange(30, 120))
    return draft


def overdue(rng: random.Random, ctx: PlanContext, today: dt.date) -> Draft:
    """Red: past the deadline and still open; the oldest are escalated (督办)."""
    draft = _in_progress(rng, ctx, today, (-240, 0))
    draft.percent = rng.randrange(20, 95)
    if draft.due < _day(today, -30) and rng.random() < 0.5:
        draft.escalated_on = _day(draft.due, rng.randrange(15, 30))
    if rng.random() < 0.1:
        draft.extension_to = _day(today, rng.randrange(30, 120))
    return draft


def extended(rng: random.Random, ctx: PlanContext, today: dt.date) -> Draft:
    """An approved extension: the original deadline is kept for assessment."""
    draft = _in_progress(rng, ctx, today, (30, 300))
    draft.original_due = _day(draft.due, -rng.randrange(30, 120))
    return draft


def awaiting_acceptance(rng: random.Random, ctx: PlanContext, today: dt.date) -> Draft:
    """待签收: half within the 签收 window, half past it (签收超时)."""
    back = rng.randrange(0, 3) if rng.random() < 0.5 else rng.randrange(6, 25)
    return Draft(S.ASSIGNED, _day(today, -back), _day(today, rng.randrange(60, 700)))


def completion_requested(rng: random.Random, ctx: PlanContext, today: dt.date) -> Draft:
    """待审核 (or 待领导审核 on plans that want the leader's approval first)."""
    draft = _in_progress(rng, ctx, today, (-30, 200))
    leader = ctx.leader_required and rng.random() < 0.4
    draft.status = S.LEADER_REVIEW if leader else S.COMPLETION_REQUESTED
    draft.percent = 100
    draft.reported_on = max(draft.accepted_on, _day(today, -rng.randrange(1, 20)))
    return draft


def completed(rng: random.Random, ctx: PlanContext, today: dt.date, late: bool = False) -> Draft:
    """Grey: 已办结, on time (or 超期办结 when `late`)."""
    draft = _in_progress(rng, ctx, today, (-300, -20) if late else (-300, 300))
    draft.status, draft.percent, draft.next_report = S.COMPLETED, 100, None
    if late:
        finished = _day(draft.due, rng.randrange(1, 19))
    else:
        finished = _day(min(draft.due, _day(today, -1)), -rng.randrange(0, 60))
        finished = max(finished, draft.accepted_on)
    draft.completed_on = draft.reported_on = finished
    return draft


def completed_late(rng: random.Random, ctx: PlanContext, today: dt.date) -> Draft:
    return completed(rng, ctx, today, late=True)


def suspended(rng: random.Random, ctx: PlanContext, today: dt.date) -> Draft:
    """Grey: 已中止 by the coordinator."""
    draft = _in_progress(rng, ctx, today, (-200, 500))
    draft.status, draft.next_report = S.SUSPENDED, None
    return draft


Scenario = Callable[[random.Random, PlanContext, dt.date], Draft]

# (scenario, weight in percent). Keep the first four: red, amber, green, grey.
SCENARIOS: tuple[tuple[Scenario, int], ...] = (
    (overdue, 12),
    (due_soon, 6),
    (on_track, 36),
    (completed, 10),
    (behind_schedule, 8),
    (report_overdue, 6),
    (suspended, 3),
    (awaiting_acceptance, 7),
    (completion_requested, 6),
    (completed_late, 3),
    (extended, 3),
)
FUNCTIONS = [scenario for scenario, _ in SCENARIOS]
WEIGHTS = [weight for _, weight in SCENARIOS]


_CUMULATIVE = list(itertools.accumulate(WEIGHTS))


def draw(rng: random.Random, ctx: PlanContext, today: dt.date, showcase: int | None) -> Draft:
    """The scenario numbered `showcase`, or a weighted random one when None."""
    if showcase is not None:
        return FUNCTIONS[showcase % len(FUNCTIONS)](rng, ctx, today)
    # rng.choices, without its per-call set-up
    scenario = FUNCTIONS[bisect.bisect(_CUMULATIVE, rng.random() * _CUMULATIVE[-1])]
    return scenario(rng, ctx, today)
