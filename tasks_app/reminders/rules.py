"""The reminder rules. Each is one set-based selection of responsibilities that need a reminder
today, with the ledger's period (which occurrence this is) and the notice's grade.

Conditions reuse tasks_app.selectors (colour_conditions, acceptance_overdue); working-day
arithmetic is done in Python once per sweep (windows) and reaches SQL as date ranges.
Only items the agency must act on are chased: 待签收, 办理中 and 待领导审核.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Cast, Concat, TruncDate
from django.utils import timezone

from tasks_app.models import Action, Event, Grade, ReminderEntry, ReminderKind, Responsibility
from tasks_app.selectors import Colour, ColourRules, acceptance_overdue, colour_conditions

from . import recipients
from .policy import PlanGroup
from .windows import Clock, Window, after_deadline, after_start, before_deadline

S = Responsibility.Status
ACTIONABLE = (S.ASSIGNED, S.IN_PROGRESS, S.LEADER_REVIEW)
# Reminders that ask for an action; enough of them unanswered escalate the item.
CHASING = (ReminderKind.ACCEPT, ReminderKind.OVERDUE, ReminderKind.REPORT_LATE, ReminderKind.MANUAL)
# Workflow events that are not an answer to a reminder.
NOT_AN_ANSWER = (Action.REMIND,)
RETURNS = (Action.RETURN, Action.RETURN_REPORT, Action.LEADER_RETURN)


@dataclass(frozen=True)
class Scope:
    """What one rule evaluation needs: the day, the calendar around it, the plans and policy."""

    today: dt.date
    clock: Clock
    colour_rules: ColourRules
    group: PlanGroup

    @property
    def policy(self):
        return self.group.policy


@dataclass(frozen=True)
class Selection:
    """Responsibilities a rule selects, annotated with `period` and `grade`, and who to tell."""

    kind: str
    responsibilities: QuerySet
    roles: Sequence[str]


def in_group(responsibilities: QuerySet, group: PlanGroup) -> QuerySet:
    if group.plan_ids is not None:
        return responsibilities.filter(task__plan_id__in=group.plan_ids)
    if group.excluded_plan_ids:
        return responsibilities.exclude(task__plan_id__in=group.excluded_plan_ids)
    return responsibilities


def _as_datetime(day: dt.date) -> dt.datetime:
    """Local midnight starting `day` (business dates are Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _window_q(field: str, window: Window, *, moment: bool = False) -> Q:
    convert = _as_datetime if moment else (lambda day: day)
    return Q(**{f"{field}__gte": convert(window.start), f"{field}__lt": convert(window.end)})


def _any_window(field: str, windows: Sequence[Window], *, moment: bool = False) -> Q:
    condition = Q()
    for window in windows:
        condition |= _window_q(field, window, moment=moment)
    return condition


def _period(
    anchor: BaseExpression, field: str, windows: Sequence[Window], sign: str, *, moment=False
) -> BaseExpression:
    """ "<anchor date>/<sign><step>", e.g. "2024-10-16/-3" or "2024-10-07/+6"."""
    if len(windows) == 1:
        step = Value(f"/{sign}{windows[0].step}")
    else:
        step = Case(
            *(
                When(_window_q(field, window, moment=moment), then=Value(f"/{sign}{window.step}"))
                for window in windows
            ),
            output_field=CharField(),
        )
    return Concat(Cast(anchor, CharField()), step, output_field=CharField())


def _selection(
    kind: str,
    responsibilities: QuerySet,
    *,
    period: BaseExpression,
    grade: BaseExpression | str,
    roles: Sequence[str] = recipients.EVERYDAY,
) -> Selection:
    grade_expression = Value(grade) if isinstance(grade, str) else grade
    annotated = responsibilities.annotate(period=period, grade=grade_expression)
    return Selection(kind=kind, responsibilities=annotated, roles=roles)


def _oldest(responsibilities: QuerySet, field: str):
    return responsibilities.order_by().aggregate(oldest=Min(field))["oldest"]


def accept(scope: Scope) -> Selection | None:
    """签收催办: not accepted `accept_within` working days after assignment, then every
    `accept_every` working days."""
    policy = scope.policy
    rules = replace(
        scope.colour_rules,
        accept_by_threshold=scope.clock.back(policy.accept_within),
        calendar=None,  # no per-plan windows: the scope's policy already is its plans' own
    )
    pending = in_group(Responsibility.objects.filter(acceptance_overdue(rules)), scope.group)
    oldest = _oldest(pending, "assigned_at")
    windows = after_start(
        scope.clock,
        first=policy.accept_within,
        every=policy.accept_every,
        oldest=timezone.localdate(oldest) if oldest else None,
    )
    if not windows:
        return None
    return _selection(
        ReminderKind.ACCEPT,
        pending.filter(_any_window("assigned_at", windows, moment=True)),
        period=_period(TruncDate("assigned_at"), "assigned_at", windows, "+", moment=True),
        grade=Grade.YELLOW,
    )


def due_soon(scope: Scope) -> Selection | None:
    """临期提醒: exactly n working days before the deadline, for each configured n."""
    windows = before_deadline(scope.clock, offsets=scope.policy.due_soon_offsets)
    if not windows:
        return None
    colours = colour_conditions(scope.colour_rules)
    candidates = Responsibility.objects.filter(
        ~colours[Colour.GREY], ~colours[Colour.RED], status__in=ACTIONABLE
    )
    return _selection(
        ReminderKind.DUE_SOON,
        in_group(candidates, scope.group).filter(_any_window("due_on", windows)),
        period=_period(F("due_on"), "due_on", windows, "-"),
        grade=Grade.BLUE,
    )


def overdue(scope: Scope) -> Selection | None:
    """逾期催办: the first working day after the deadline, then every `overdue_every` working
    days, until completed, suspended or extended (a later deadline is no longer overdue)."""
    colours = colour_conditions(scope.colour_rules)
    late = in_group(
        Responsibility.objects.filter(colours[Colour.RED], status__in=ACTIONABLE), scope.group
    )
    windows = after_deadline(
        scope.clock, first=1, every=scope.policy.overdue_every, oldest=_oldest(late, "due_on")
    )
    if not windows:
        return None
    return _selection(
        ReminderKind.OVERDUE,
        late.filter(_any_window("due_on", windows)),
        period=_period(F("due_on"), "due_on", windows, "+"),
        grade=Grade.RED,
    )


def report_due(scope: Scope) -> Selection | None:
    """报送提醒: n working days before the progress report of the period is due."""
    windows = before_deadline(scope.clock, offsets=scope.policy.report_due_offsets)
    if not windows:
        return None
    reporting = Responsibility.objects.filter(
        status=S.IN_PROGRESS, next_report_due_on__gt=scope.today
    )
    return _selection(
        ReminderKind.REPORT_DUE,
        in_group(reporting, scope.group).filter(_any_window("next_report_due_on", windows)),
        period=_period(F("next_report_due_on"), "next_report_due_on", windows, "-"),
        grade=Grade.BLUE,
    )


def report_late(scope: Scope) -> Selection | None:
    """报送逾期: the report is missing after its due day; then every `overdue_every` working days."""
    missing = in_group(
        Responsibility.objects.filter(status=S.IN_PROGRESS, next_report_due_on__lt=scope.today),
        scope.group,
    )
    windows = after_deadline(
        scope.clock,
        first=1,
        every=scope.policy.overdue_every,
        oldest=_oldest(missing, "next_report_due_on"),
    )
    if not windows:
        return None
    return _selection(
        ReminderKind.REPORT_LATE,
        missing.filter(_any_window("next_report_due_on", windows)),
        period=_period(F("next_report_due_on"), "next_report_due_on", windows, "+"),
        grade=Grade.YELLOW,
    )


def _not_yet(kind: str) -> Q:
    """No ledger row yet for this item, rule and the period annotated as `period`."""
    recorded = ReminderEntry.objects.filter(
        responsibility_id=OuterRef("pk"), kind=kind, period=OuterRef("period")
    )
    return ~Q(Exists(recorded))


def behind(scope: Scope) -> Selection | None:
    """进度滞后: reported progress is behind the time-proportional schedule (amber); once per
    behind-schedule date, which a new report may move (also into the past)."""
    colours = colour_conditions(scope.colour_rules)
    lagging = Responsibility.objects.filter(
        ~colours[Colour.RED], status=S.IN_PROGRESS, behind_schedule_on__lte=scope.today
    )
    chosen = _selection(
        ReminderKind.BEHIND,
        in_group(lagging, scope.group),
        period=Cast("behind_schedule_on", CharField()),
        grade=Grade.YELLOW,
    )
    return replace(chosen, responsibilities=chosen.responsibilities.filter(_not_yet(chosen.kind)))


def returned(scope: Scope) -> Selection | None:
    """退回整改: a report or completion request was returned since the previous working day
    began (so a return made after a sweep is in the next one); once per return event."""
    returns = Event.objects.filter(
        responsibility_id=OuterRef("pk"),
        action__in=RETURNS,
        created_at__gte=_as_datetime(scope.clock.back(1)),
    )
    latest = Subquery(returns.order_by("-created_at", "-pk").values("pk")[:1])
    candidates = Responsibility.objects.filter(Exists(returns), status__in=ACTIONABLE)
    chosen = _selection(
        ReminderKind.RETURNED,
        in_group(candidates, scope.group),
        period=Concat(Value("event/"), Cast(latest, CharField()), output_field=CharField()),
        grade=Grade.YELLOW,
    )
    return replace(chosen, responsibilities=chosen.responsibilities.filter(_not_yet(chosen.kind)))


def _unanswered(scope: Scope) -> QuerySet:
    """Responsibilities reminded (by a chasing rule) on at least M earlier days with no workflow
    event since; only reminders of the last REMINDERS_ESCALATION_LOOKBACK_DAYS count."""
    since = scope.today - dt.timedelta(days=settings.REMINDERS_ESCALATION_LOOKBACK_DAYS)
    answers = Event.objects.filter(
        responsibility_id=OuterRef("responsibility_id"), created_at__gt=OuterRef("created_at")
    ).exclude(action__in=NOT_AN_ANSWER)
    return (
        ReminderEntry.objects.filter(kind__in=CHASING, day__lt=scope.today, day__gte=since)
        .filter(~Exists(answers))
        .order_by()
        .values("responsibility_id")
        .annotate(days=Count("day", distinct=True))
        .filter(days__gte=scope.policy.escalate_after_reminders)
        .values("responsibility_id")
    )


def escalation(scope: Scope) -> Selection | None:
    """督办升级: overdue by more than N working days, or reminded M times without any action.
    Copies the agency's leaders and the plan's coordinators; happens once per item (escalated_at)."""
    colours = colour_conditions(scope.colour_rules)
    open_unescalated = Responsibility.objects.filter(
        status__in=ACTIONABLE, escalated_at__isnull=True
    )
    long_overdue = open_unescalated.filter(
        colours[Colour.RED], due_on__lt=scope.clock.back(scope.policy.escalate_after_overdue)
    )
    # Two index-friendly id sets joined by UNION (an OR of the two would scan every row).
    ids = long_overdue.order_by().values("pk").union(_unanswered(scope))
    candidates = open_unescalated.filter(pk__in=ids)
    return _selection(
        ReminderKind.ESCALATION,
        in_group(candidates, scope.group),
        period=Value(scope.today.isoformat()),
        grade=Grade.RED,
        roles=recipients.ESCALATION,
    )


def escalation_notice(escalation: Selection, responsibilities: QuerySet) -> Selection:
    """The escalation notice about `responsibilities` (those just marked), as `escalation`
    would have annotated them."""
    annotations = escalation.responsibilities.query.annotations
    notice = responsibilities.annotate(period=annotations["period"], grade=annotations["grade"])
    return replace(escalation, responsibilities=notice)


def colour_grade(colour_rules: ColourRules) -> Case:
    """The grade of a notice about an item in its current colour (for manual 催办)."""
    colours = colour_conditions(colour_rules)
    return Case(
        When(colours[Colour.RED], then=Value(Grade.RED)),
        When(colours[Colour.AMBER], then=Value(Grade.YELLOW)),
        default=Value(Grade.BLUE),
        output_field=CharField(),
    )


# Escalation first: it counts earlier days' reminders, and its UPDATE follows its INSERT.
RULES: tuple[Callable[[Scope], Selection | None], ...] = (
    escalation,
    accept,
    due_soon,
    overdue,
    report_due,
    report_late,
    behind,
    returned,
)
