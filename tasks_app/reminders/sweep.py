"""The sweep: record today's reminders in the ledger, group them into emails, mark escalations.

Everything is set-based: per rule one INSERT … SELECT … ON CONFLICT DO NOTHING (the SELECT joins
responsibilities to their recipients), one for the digests, two UPDATEs. The ledger's unique key
(item, kind, period, recipient) makes a repeated or concurrent sweep insert nothing new; on
PostgreSQL sweeps also take an advisory lock so that they do not interleave.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, JSONField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tasks_app.models import (
    Action,
    Event,
    ReminderDigest,
    ReminderEntry,
    ReminderKind,
    ReminderSweep,
    Responsibility,
)
from tasks_app.selectors import ColourRules

from . import recipients
from .policy import plan_groups
from .rules import RULES, Scope, Selection, escalation_notice, in_group
from .sql import insert_select, selection, union_all
from .windows import Clock

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key shared by every writer of the ledger ("duban" + 1).
LEDGER_LOCK_KEY = 0x647562616E01

ENTRY_COLUMNS = (
    "sweep",
    "day",
    "responsibility",
    "kind",
    "period",
    "recipient",
    "recipient_name",
    "recipient_role",
    "grade",
    "note",
    "created_at",
)


@dataclass
class SweepResult:
    """What one sweep did (or, for a dry run, would do)."""

    day: dt.date
    working_day: bool = True
    dry_run: bool = False
    sweep_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    entries_created: int = 0
    digest_ids: list[int] = field(default_factory=list)
    escalated: int = 0
    preview: list = field(default_factory=list)  # rendering.Preview, dry runs only


class _DryRun(Exception):
    """Raised to roll back a dry run after its results were read."""


def ledger_lock() -> None:
    """Serialise writers of the ledger (sweeps, manual 催办) until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_KEY])


def entries_insert(*, chosen: Selection, sweep: ReminderSweep, now: dt.datetime, note="") -> int:
    """Record one rule's selection in the ledger, one row per recipient; return rows inserted."""
    parts = []
    for role in chosen.roles:
        source = recipients.SOURCES[role]
        joined = source.joined(chosen.responsibilities)
        columns = {
            "sweep": Value(sweep.pk),
            "day": Value(sweep.day),
            "responsibility": F("pk"),
            "kind": Value(chosen.kind),
            "period": F("period"),
            "recipient": source.email,
            "recipient_name": source.name,
            "recipient_role": Value(role),
            "grade": F("grade"),
            "note": Value(note),
            "created_at": Value(now),
        }
        parts.append(selection(joined, columns))
    rows = union_all(parts)
    if rows is None:
        return 0
    return insert_select(model=ReminderEntry, columns=ENTRY_COLUMNS, queryset=rows)


def digests_create(*, sweep: ReminderSweep, now: dt.datetime) -> list[int]:
    """One email per recipient for the entries this sweep inserted (an email's entries are those
    with its sweep and recipient, so nothing needs linking). A recipient's second email on the
    same day (new items after the first was sent) gets the next `seq`; the daily sweep normally
    makes exactly one."""
    entries = ReminderEntry.objects.filter(sweep=sweep)
    earlier = (
        ReminderDigest.objects.filter(recipient=OuterRef("recipient"), day=sweep.day)
        .order_by()
        .values("recipient")
        .annotate(last=Max("seq"))
        .values("last")
    )
    columns = {
        "sweep": Value(sweep.pk),
        "recipient": F("recipient"),
        "recipient_name": Max("recipient_name"),
        "day": Value(sweep.day),
        "seq": Coalesce(Subquery(earlier), Value(0)) + Value(1),
        "status": Value(ReminderDigest.Status.PENDING),
        "attempts": Value(0),
        "subject": Value(""),
        "body_text": Value(""),
        "body_html": Value(""),
        "last_error": Value(""),
        "created_at": Value(now),
    }
    rows = selection(entries.order_by().values("recipient"), columns)
    insert_select(model=ReminderDigest, columns=tuple(columns), queryset=rows)
    return list(
        ReminderDigest.objects.filter(sweep=sweep).order_by("pk").values_list("pk", flat=True)
    )


def escalations_mark(
    *, escalation: Selection, scope: Scope, sweep: ReminderSweep, now: dt.datetime
) -> Selection:
    """Record an escalation event for each selected item, mark the items escalated (shown on
    the coordinator's start page, even where nobody could be emailed), and return the notice to
    send about them. The events (indexed by time) carry the set from step to step, so that no
    step joins the recipients to the selection's conditions (the planner misjudges that join)."""
    events = selection(
        escalation.responsibilities,
        {
            "plan": F("task__plan_id"),
            "task": F("task_id"),
            "responsibility": F("pk"),
            "action": Value(Action.REMIND),
            "from_status": F("status"),
            "to_status": F("status"),
            "reason": Value("督办升级：逾期或多次催办未处理，已抄送分管领导和督办员。"),
            "data": Value(
                {"kind": ReminderKind.ESCALATION, "sweep": sweep.pk}, output_field=JSONField()
            ),
            "created_at": Value(now),
        },
    )
    columns = ("plan", "task", "responsibility", "action", "from_status", "to_status")
    insert_select(model=Event, columns=(*columns, "reason", "data", "created_at"), queryset=events)
    escalated = Event.objects.filter(created_at=now, action=Action.REMIND).values(
        "responsibility_id"
    )
    Responsibility.objects.filter(pk__in=escalated, escalated_at__isnull=True).update(
        escalated_at=now
    )
    marked = in_group(Responsibility.objects.filter(pk__in=escalated), scope.group)
    return escalation_notice(escalation, marked)


def working_calendar():
    """The official calendar (tasks_app.working_days), loaded once per sweep."""
    from tasks_app.working_days import WorkingCalendar  # loaded lazily, like selectors does

    return WorkingCalendar.load()


def _record_rules(*, sweep: ReminderSweep, today: dt.date, now) -> tuple[Counter, int]:
    calendar = working_calendar()
    colour_rules = ColourRules.on(today)
    clock = Clock(calendar=calendar, today=today)
    counts: Counter = Counter()
    for group in plan_groups():
        scope = Scope(today=today, clock=clock, colour_rules=colour_rules, group=group)
        for rule in RULES:
            chosen = rule(scope)
            if chosen is None:
                continue
            if chosen.kind == ReminderKind.ESCALATION:
                chosen = escalations_mark(escalation=chosen, scope=scope, sweep=sweep, now=now)
            counts[chosen.kind] += entries_insert(chosen=chosen, sweep=sweep, now=now)
    return counts, Event.objects.filter(created_at=now, action=Action.REMIND).count()


def reminders_sweep_run(
    *,
    day: dt.date | None = None,
    trigger: str = ReminderSweep.Trigger.COMMAND,
    dry_run: bool = False,
    enqueue: bool = True,
    preview_for: QuerySet | None = None,
) -> SweepResult:
    """Run one sweep for `day` (default today): record what is due, group it into emails and,
    after commit, hand them to the workers (`enqueue`). Days off do nothing. A dry run does the
    same inside a transaction that is rolled back, and returns a preview of the emails
    (restricted to the responsibilities in `preview_for`, if given)."""
    day = day or timezone.localdate()
    result = SweepResult(day=day, dry_run=dry_run)
    if not working_calendar().is_working_day(day):
        result.working_day = False
        return result
    from tasks_app.working_days import calendar_missing_years

    missing = calendar_missing_years(today=day)
    if missing:
        logger.warning(
            "工作日历缺少 %s 年的法定节假日与调休：节假日会被当成工作日，请登记或运行 "
            "manage.py seed_working_days",
            "、".join(map(str, missing)),
        )
    try:
        with transaction.atomic():
            _sweep(result, trigger=trigger)
            if dry_run:
                from .rendering import previews_render

                result.preview = previews_render(sweep_id=result.sweep_id, only=preview_for)
                raise _DryRun
            if enqueue:
                digest_ids = list(result.digest_ids)
                transaction.on_commit(lambda: delivery_enqueue(digest_ids))
    except _DryRun:
        pass
    logger.info(
        "催办扫描 %s%s：新增记录 %s 条，邮件 %s 封，升级督办 %s 项，%s",
        day,
        "（试运行）" if dry_run else "",
        result.entries_created,
        len(result.digest_ids),
        result.escalated,
        dict(result.counts),
    )
    return result


def _sweep(result: SweepResult, *, trigger: str) -> None:
    ledger_lock()
    now = timezone.now()
    sweep = ReminderSweep.objects.create(day=result.day, trigger=trigger, started_at=now)
    counts, escalated = _record_rules(sweep=sweep, today=result.day, now=now)
    result.sweep_id = sweep.pk
    result.counts = dict(counts)
    result.entries_created = sum(counts.values())
    result.escalated = escalated
    result.digest_ids = digests_create(sweep=sweep, now=now) if result.entries_created else []
    ReminderSweep.objects.filter(pk=sweep.pk).update(
        finished_at=timezone.now(),
        entries_created=result.entries_created,
        digests_created=len(result.digest_ids),
        escalated=escalated,
        counts=result.counts,
    )


def delivery_enqueue(digest_ids: Iterable[int]) -> None:
    """Hand digests to the workers in batches. If the broker is unreachable the digests stay
    pending in the database, where `reminders_deliver_due` finds them: nothing is lost."""
    from django.conf import settings

    from .tasks import reminders_deliver

    ids = list(digest_ids)
    size = settings.REMINDERS_DELIVERY_BATCH
    for start in range(0, len(ids), size):
        try:
            reminders_deliver.apply_async(
                args=[ids[start : start + size]], queue=settings.REMINDERS_CELERY_QUEUE
            )
        except Exception:  # the broker is down; the periodic task delivers them later
            logger.exception("催办邮件未能提交到任务队列，稍后由定时任务补发")
            return
