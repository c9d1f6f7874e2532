"""The big tables (tasks, responsibilities, their assignees, extension requests, targets): rows
generated in Python, `CHUNK_TASKS` tasks at a time, and written by `writing` (COPY or
executemany). Ids are allocated here, so that a responsibility's row can name its task's."""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from tasks_app import scheduling
from tasks_app.models import ExtensionRequest, Responsibility, Target, Task

from . import scenarios, vocabulary, writing
from .scenarios import Draft, PlanContext

CST = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai, without DST since 1991
CHUNK_TASKS = 20_000  # tasks generated, then written, at a time (bounded memory)


@dataclass
class RowCounts:
    tasks: int = 0
    responsibilities: int = 0
    targets: int = 0
    extension_requests: int = 0
    assignee_links: int = 0


@dataclass
class Tables:
    tasks: writing.Table
    responsibilities: writing.Table
    assignees: writing.Table
    extensions: writing.Table
    targets: writing.Table

    @classmethod
    def build(cls) -> Tables:
        return cls(
            tasks=writing.Table(Task, _TASK_COLUMNS),
            responsibilities=writing.Table(Responsibility, _RESPONSIBILITY_COLUMNS),
            assignees=writing.Table(
                Responsibility.assignees.through, ("id", "responsibility_id", "user_id")
            ),
            extensions=writing.Table(ExtensionRequest, _EXTENSION_COLUMNS),
            targets=writing.Table(Target, _TARGET_COLUMNS),
        )

    def all(self) -> tuple[writing.Table, ...]:
        return (self.tasks, self.responsibilities, self.assignees, self.extensions, self.targets)


_TASK_COLUMNS = (
    "id", "plan_id", "section_id", "parent_id", "ref", "number", "title", "text", "kind",
    "order", "due_on",
)  # fmt: skip
_RESPONSIBILITY_COLUMNS = (
    "id", "task_id", "agency_id", "role", "focus", "order", "status", "assigned_at",
    "accepted_at", "completed_at", "completed_late", "due_on", "original_due_on",
    "progress_percent", "last_reported_at", "behind_schedule_on", "next_report_due_on",
    "escalated_at", "version",
)  # fmt: skip
_EXTENSION_COLUMNS = (
    "id", "responsibility_id", "previous_due_on", "requested_due_on", "reason", "status",
    "requested_by_id", "requested_at", "decided_by_id", "decided_at", "decision_note",
)  # fmt: skip
_TARGET_COLUMNS = (
    "id", "plan_id", "task_id", "ref", "description", "quantity", "quantity_max", "unit",
    "comparison", "year", "items", "phrase", "order",
)  # fmt: skip


def _task_slots(total: int, contexts: list[PlanContext]) -> Iterator[tuple[PlanContext, int, int]]:
    """(plan, number in the plan, section id) for every task, plans filled one after another."""
    for n, ctx in enumerate(contexts):
        count = total * (n + 1) // len(contexts) - total * n // len(contexts)
        for number in range(1, count + 1):
            yield ctx, number, ctx.section_ids[(number - 1) * len(ctx.section_ids) // count]


def _at(day: dt.date | None, rng: random.Random, hour: int = 9) -> dt.datetime | None:
    """A moment in the three office hours from `hour` (Beijing time) of `day`. Assignment takes
    the morning, acceptance the midday, reports and completion the afternoon: the same day's
    events stay in order."""
    if day is None:
        return None
    return _midnight(day) + _MINUTES[hour * 60 + int(rng.random() * 180)]


_MINUTES = [dt.timedelta(minutes=minute) for minute in range(24 * 60)]


@functools.cache
def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=CST)


class FastRandom(random.Random):
    """random.Random whose randrange(start, stop) is one C call (the stock one is ten times
    slower, and the generator calls it tens of millions of times). Not uniform to the last bit,
    which synthetic data does not need."""

    def randrange(self, start: int, stop: int) -> int:  # type: ignore[override]
        return start + int(self.random() * (stop - start))


class _Batch:
    """Rows of up to CHUNK_TASKS tasks, with the next id of each table."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        ids = writing.next_ids(*tables.all())
        self.ids = dict(zip(("task", "resp", "link", "ext", "target"), ids, strict=True))
        self.rows: dict[str, list[tuple]] = {key: [] for key in self.ids}

    def add(self, kind: str, *values) -> int:
        """Append a row (its id first) and return the id."""
        pk = self.ids[kind]
        self.ids[kind] += 1
        self.rows[kind].append((pk, *values))
        return pk

    def flush(self, result: RowCounts) -> None:
        t, rows = self.tables, self.rows
        result.tasks += t.tasks.write(rows["task"])
        result.targets += t.targets.write(rows["target"])
        result.responsibilities += t.responsibilities.write(rows["resp"])
        result.assignee_links += t.assignees.write(rows["link"])
        result.extension_requests += t.extensions.write(rows["ext"])
        self.rows = {key: [] for key in self.ids}


def rows_write(
    *,
    tables: Tables,
    tasks: int,
    seed: int,
    today: dt.date,
    contexts: list[PlanContext],
    agency_ids: list[int],
    staff: dict[int, int],
) -> RowCounts:
    """Generate and write `tasks` tasks spread over the plans of `contexts`, with their
    responsibilities among `agency_ids`; a third of them assigned to the agency's staff member
    (`staff`: agency id → user id)."""
    result, rng, batch = RowCounts(), FastRandom(seed), _Batch(tables)
    agency_ids = list(agency_ids)
    rng.shuffle(agency_ids)  # which agencies get the most tasks: any, not the first in order
    showcases = len(scenarios.SCENARIOS)
    for index, (ctx, number, section_id) in enumerate(_task_slots(tasks, contexts)):
        lead = scenarios.draw(rng, ctx, today, index if index < showcases else None)
        title = vocabulary.task_title(rng)
        task_id = batch.add(
            "task", ctx.plan.pk, section_id, None, f"t{number}", str(number), title,
            vocabulary.task_text(rng, title, ctx.plan.period_end), "action", number,
            lead.original_due or lead.due,
        )  # fmt: skip
        for order, agency_id in enumerate(_task_agencies(rng, agency_ids)):
            draft = lead if order == 0 else scenarios.draw(rng, ctx, today, None)
            role = Responsibility.Role.LEAD if order == 0 else Responsibility.Role.SUPPORTING
            resp_id = batch.add(
                "resp", *_responsibility(rng, ctx, task_id, agency_id, role, order, draft)
            )
            staff_id = staff.get(agency_id)
            if staff_id and resp_id % 3 == 0:
                batch.add("link", resp_id, staff_id)
            if draft.extension_to:
                batch.add(
                    "ext", resp_id, draft.due, draft.extension_to, "受外部条件影响，申请延长办理时限。",
                    ExtensionRequest.Status.PENDING, staff_id,
                    _at(today - dt.timedelta(days=rng.randrange(1, 10)), rng), None, None, "",
                )  # fmt: skip
        if rng.random() < 0.1:
            description, unit = vocabulary.target_description(rng)
            batch.add(
                "target", ctx.plan.pk, task_id, f"t{number}-1", description,
                Decimal(rng.randrange(5, 200)), None, unit, Target.Comparison.AT_LEAST,
                ctx.plan.period_end, [], "", number,
            )  # fmt: skip
        if len(batch.rows["task"]) >= CHUNK_TASKS:
            batch.flush(result)
    batch.flush(result)
    return result


def _task_agencies(rng: random.Random, agency_ids: list[int]) -> list[int]:
    """A lead (a few agencies lead much more than the rest) and one or two supporting agencies."""
    count = len(agency_ids)
    lead = int(count * rng.random() ** 1.5)
    first = rng.randrange(1, count)
    chosen = [agency_ids[lead], agency_ids[(lead + first) % count]]
    if rng.random() < 0.5:
        second = rng.randrange(1, count - 1)
        second += second >= first  # any offset but `first`
        chosen.append(agency_ids[(lead + second) % count])
    return chosen


def _responsibility(
    rng: random.Random,
    ctx: PlanContext,
    task_id: int,
    agency_id: int,
    role: str,
    order: int,
    draft: Draft,
) -> tuple:
    behind = scheduling.behind_schedule_on(
        start=min(ctx.schedule_base, draft.assigned_on),
        due=draft.due,
        percent=draft.percent,
        margin=ctx.plan.progress_margin,
    )
    late = draft.completed_on is not None and draft.completed_on > draft.due
    return (
        task_id, agency_id, role, "", order, draft.status, _at(draft.assigned_on, rng),
        _at(draft.accepted_on, rng, 12), _at(draft.completed_on, rng, 15), late, draft.due,
        draft.original_due or draft.due, draft.percent, _at(draft.reported_on, rng, 15), behind,
        draft.next_report, _at(draft.escalated_on, rng), 1,
    )  # fmt: skip
