"""The traffic light at its boundaries, with the official calendar (National Day 2024)."""

import datetime as dt
import itertools

import pytest

from tasks_app.models import ReminderPolicy, Responsibility, WorkingDayException
from tasks_app.selectors import Colour, ColourRules, acceptance_overdue, colour_filter, with_colour
from tests.factories import AgencyFactory, PlanFactory, ResponsibilityFactory, TaskFactory

S = Responsibility.Status
pytestmark = pytest.mark.django_db

# Friday 2024-09-27. Sunday 09-29 and Saturday 10-12 are make-up working days; 10-01..10-07 off.
TODAY = dt.date(2024, 9, 27)


@pytest.fixture
def national_day_2024():
    WorkingDayException.objects.bulk_create(
        [
            WorkingDayException(date=dt.date(2024, 9, 29), is_working_day=True, note="调休上班"),
            WorkingDayException(date=dt.date(2024, 10, 12), is_working_day=True, note="调休上班"),
            *[
                WorkingDayException(
                    date=dt.date(2024, 10, day), is_working_day=False, note="国庆节"
                )
                for day in range(1, 8)
                if dt.date(2024, 10, day).weekday() < 5
            ],
        ]
    )


@pytest.fixture
def rules(national_day_2024, settings):
    settings.DUBAN_AMBER_WITHIN_WORKING_DAYS = 10
    settings.DUBAN_ACCEPT_WITHIN_WORKING_DAYS = 3
    return ColourRules.on(TODAY)


def _colour(rules, **fields) -> str:
    fields.setdefault("status", S.IN_PROGRESS)
    responsibility = ResponsibilityFactory(**fields)
    annotated = with_colour(Responsibility.objects.filter(pk=responsibility.pk), rules).get()
    # The WHERE form used by filters and counts must agree with the annotation.
    for colour in (Colour.RED, Colour.AMBER, Colour.GREEN, Colour.GREY):
        matches = Responsibility.objects.filter(colour_filter(rules, colour), pk=responsibility.pk)
        assert matches.exists() == (colour == annotated.colour), colour
    return annotated.colour


def test_ten_working_days_span_the_national_day_holiday(rules):
    # 09-29(Sun, working), 09-30, 10-08, 10-09, 10-10, 10-11, 10-12(Sat, working), 10-14, 10-15, 10-16
    assert rules.amber_until == dt.date(2024, 10, 16)


def test_due_yesterday_is_red(rules):
    assert _colour(rules, due_on=TODAY - dt.timedelta(days=1)) == Colour.RED


def test_due_today_is_amber_not_red(rules):
    assert _colour(rules, due_on=TODAY) == Colour.AMBER


def test_due_on_the_tenth_working_day_is_amber(rules):
    assert _colour(rules, due_on=dt.date(2024, 10, 16)) == Colour.AMBER


def test_due_the_day_after_the_tenth_working_day_is_green(rules):
    assert _colour(rules, due_on=dt.date(2024, 10, 17)) == Colour.GREEN


@pytest.mark.parametrize("status", [S.COMPLETED, S.SUSPENDED])
def test_completed_and_suspended_are_grey_even_when_overdue(rules, status):
    assert _colour(rules, status=status, due_on=dt.date(2020, 1, 1)) == Colour.GREY


def test_behind_schedule_from_today_is_amber(rules):
    assert _colour(rules, due_on=dt.date(2026, 12, 31), behind_schedule_on=TODAY) == Colour.AMBER


def test_behind_schedule_from_tomorrow_is_still_green(rules):
    tomorrow = TODAY + dt.timedelta(days=1)
    assert _colour(rules, due_on=dt.date(2026, 12, 31), behind_schedule_on=tomorrow) == Colour.GREEN


def test_report_overdue_since_yesterday_is_amber(rules):
    yesterday = TODAY - dt.timedelta(days=1)
    assert (
        _colour(rules, due_on=dt.date(2026, 12, 31), next_report_due_on=yesterday) == Colour.AMBER
    )


def test_report_due_today_is_not_late(rules):
    assert _colour(rules, due_on=dt.date(2026, 12, 31), next_report_due_on=TODAY) == Colour.GREEN


def test_report_schedule_does_not_apply_before_acceptance(rules):
    yesterday = TODAY - dt.timedelta(days=1)
    colour = _colour(
        rules, status=S.ASSIGNED, due_on=dt.date(2026, 12, 31), next_report_due_on=yesterday
    )
    assert colour == Colour.GREEN


def test_no_deadline_and_nothing_late_is_green(rules):
    assert _colour(rules, due_on=None) == Colour.GREEN


def _assigned(on: dt.date, **fields) -> Responsibility:
    return ResponsibilityFactory(
        **fields,
        status=S.ASSIGNED,
        assigned_at=dt.datetime.combine(on, dt.time(10), tzinfo=dt.UTC),
        due_on=dt.date(2026, 12, 31),
    )


def test_acceptance_is_overdue_after_three_working_days_across_the_make_up_sunday(
    national_day_2024, settings
):
    settings.DUBAN_ACCEPT_WITHIN_WORKING_DAYS = 3
    # On Wednesday 10-09 three working days back is Sunday 09-29 (a make-up working day):
    # 10-08, 09-30, 09-29.
    rules = ColourRules.on(dt.date(2024, 10, 9))
    late, on_time = _assigned(dt.date(2024, 9, 29)), _assigned(dt.date(2024, 9, 30))

    overdue = set(Responsibility.objects.filter(acceptance_overdue(rules)))

    assert rules.accept_by_threshold == dt.date(2024, 9, 29)
    assert overdue == {late}
    assert on_time not in overdue


def test_a_plans_own_acceptance_window_decides_its_items(national_day_2024, settings):
    """A plan whose reminder rules give 5 working days is flagged when its 签收 reminder starts,
    not at the default 3; the other plans keep the default; 3 on a policy is the default."""
    settings.DUBAN_ACCEPT_WITHIN_WORKING_DAYS = 3
    slow, default, same = PlanFactory(), PlanFactory(), PlanFactory()
    ReminderPolicy.objects.create(plan=slow, accept_within=5)
    ReminderPolicy.objects.create(plan=same, accept_within=3)
    # On Wednesday 10-09: 3 working days back is 09-29 (make-up Sunday), 5 back is 09-26.
    rules = ColourRules.on(dt.date(2024, 10, 9))
    items = {
        (plan.pk, day): _assigned(day, task=TaskFactory(plan=plan))
        for plan in (slow, default, same)
        for day in (dt.date(2024, 9, 26), dt.date(2024, 9, 27), dt.date(2024, 9, 29))
    }

    overdue = set(Responsibility.objects.filter(acceptance_overdue(rules)))

    assert rules.accept_by_plan == ((dt.date(2024, 9, 26), frozenset({slow.pk})),)
    assert overdue == {
        items[(slow.pk, dt.date(2024, 9, 26))],
        *(
            items[(plan.pk, day)]
            for plan in (default, same)
            for day in (dt.date(2024, 9, 26), dt.date(2024, 9, 27), dt.date(2024, 9, 29))
        ),
    }


@pytest.mark.parametrize("status", list(S))
def test_the_sort_expression_and_the_filters_agree_at_every_boundary(rules, status):
    # The annotation (CASE, which sorts the lists) and the WHERE form (filters, counts) are
    # written differently; on every boundary of every rule, NULLs included, they must agree.
    yesterday, tomorrow = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)
    due = [None, yesterday, TODAY, rules.amber_until, rules.amber_until + dt.timedelta(days=1)]
    plan, agency = PlanFactory(), AgencyFactory()
    for due_on, behind, report in itertools.product(
        due, [None, TODAY, tomorrow], [None, yesterday, TODAY]
    ):
        ResponsibilityFactory(
            task=TaskFactory(plan=plan),
            agency=agency,
            status=status,
            due_on=due_on,
            behind_schedule_on=behind,
            next_report_due_on=report,
        )
    annotated = with_colour(Responsibility.objects.all(), rules)

    for colour, rank in Colour.RANK.items():
        by_case = set(annotated.filter(colour=colour).values_list("pk", flat=True))
        by_rank = set(annotated.filter(colour_rank=rank).values_list("pk", flat=True))
        by_filter = set(
            Responsibility.objects.filter(colour_filter(rules, colour)).values_list("pk", flat=True)
        )
        assert by_case == by_rank == by_filter, colour
