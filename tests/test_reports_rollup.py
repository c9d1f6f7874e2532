"""Target roll-up (the latest value of the task's consolidated report) and who sees which reports."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from agencies.models import User
from tasks_app.access import attachments_visible_to, reports_visible_to
from tasks_app.models import (
    ProgressReport,
    ReportAttachment,
    ReportTargetValue,
    Responsibility,
    Target,
)
from tasks_app.scheduling import reporting_period
from tasks_app.selectors_reports import (
    plan_targets_with_progress,
    reports_for_task,
    targets_with_progress,
)
from tests.factories import (
    AgencyFactory,
    PlanFactory,
    ProgressReportFactory,
    ResponsibilityFactory,
    TargetFactory,
    TaskFactory,
    UserFactory,
)

RS = ProgressReport.Status
LEAD, SUPPORTING = Responsibility.Role.LEAD, Responsibility.Role.SUPPORTING
pytestmark = pytest.mark.django_db

Q1, Q2, Q3 = dt.date(2024, 1, 1), dt.date(2024, 4, 1), dt.date(2024, 7, 1)
T0 = timezone.make_aware(dt.datetime(2024, 5, 10, 10, 0))


@pytest.fixture
def world():
    """A plan coordinated by C; a task led by A and supported by B and D, with one target."""
    coordinating = AgencyFactory()
    plan = PlanFactory(coordinating_agency=coordinating)
    task = TaskFactory(plan=plan)
    a, b, d = AgencyFactory(), AgencyFactory(), AgencyFactory()

    class W:
        pass

    w = W()
    w.plan, w.task = plan, task
    w.lead = ResponsibilityFactory(task=task, agency=a, role=LEAD, order=0)
    w.support = ResponsibilityFactory(task=task, agency=b, role=SUPPORTING, order=1)
    w.support_d = ResponsibilityFactory(task=task, agency=d, role=SUPPORTING, order=2)
    w.target = TargetFactory(task=task, plan=plan)
    w.staff_a = UserFactory(agency=a, role=User.Role.STAFF)
    w.staff_b = UserFactory(agency=b, role=User.Role.STAFF)
    w.leader_b = UserFactory(agency=b, role=User.Role.LEADER)
    w.staff_d = UserFactory(agency=d, role=User.Role.STAFF)
    w.coordinator = UserFactory(agency=coordinating, role=User.Role.COORDINATOR)
    w.other_coordinator = UserFactory(role=User.Role.COORDINATOR)
    w.admin = UserFactory(agency=None, is_superuser=True)
    return w


def _report(responsibility, target, value, *, start=Q2, status=RS.SUBMITTED, at=T0, items=()):
    report = ProgressReportFactory(
        responsibility=responsibility,
        period_start=start,
        period_end=reporting_period(cycle=responsibility.task.plan.reporting_cycle, on=start)[1],
        status=status,
        submitted_at=at,
        return_reason="退回" if status == RS.RETURNED else "",
    )
    if target is not None:
        ReportTargetValue.objects.create(
            report=report, target=target, value=Decimal(value), items=list(items)
        )
    return report


def _progress(target):
    row = targets_with_progress(Target.objects.filter(pk=target.pk)).get()
    return row.reported_value, row.reported_items, row.reported_at


# --- Roll-up -----------------------------------------------------------------------------------


def test_no_report_no_value(world):
    assert _progress(world.target) == (None, None, None)


def test_lead_report_is_the_value_even_when_a_supporter_reported_later(world):
    _report(world.lead, world.target, 7, items=["南京中心", "苏州中心"])
    _report(world.support, world.target, 3, start=Q3, at=T0 + dt.timedelta(days=60))

    assert _progress(world.target) == (Decimal(7), ["南京中心", "苏州中心"], T0)


def test_supporters_values_do_not_stand_in_for_a_lead_that_has_not_reported(world):
    _report(world.support, world.target, 3)

    assert _progress(world.target) == (None, None, None)


def test_latest_period_of_the_lead_wins(world):
    _report(world.lead, world.target, 12, start=Q2, at=T0)
    # Filed later, but for an earlier period (a late report): not the latest value.
    _report(world.lead, world.target, 5, start=Q1, at=T0 + dt.timedelta(days=1))

    assert _progress(world.target) == (Decimal(12), [], T0)


def test_returned_reports_are_ignored(world):
    _report(world.lead, world.target, 5, start=Q1)
    _report(world.lead, world.target, 9, start=Q2, status=RS.RETURNED)

    assert _progress(world.target)[0] == Decimal(5)


def test_only_returned_reports_means_no_value(world):
    _report(world.lead, world.target, 9, status=RS.RETURNED)

    assert _progress(world.target) == (None, None, None)


def test_report_awaiting_the_leader_counts(world):
    _report(world.lead, world.target, 4, status=RS.PENDING_LEADER)

    assert _progress(world.target)[0] == Decimal(4)


def test_without_a_lead_the_latest_report_of_any_agency_wins():
    task = TaskFactory()
    target = TargetFactory(task=task, plan=task.plan)
    first = ResponsibilityFactory(task=task, role=SUPPORTING)
    second = ResponsibilityFactory(task=task, role=SUPPORTING)
    third = ResponsibilityFactory(task=task, role=SUPPORTING)
    fourth = ResponsibilityFactory(task=task, role=SUPPORTING)
    _report(first, target, 2, start=Q2, at=T0)
    _report(second, target, 6, start=Q2, at=T0 + dt.timedelta(hours=1), items=["常州"])
    _report(third, target, 8, start=Q1, at=T0 + dt.timedelta(hours=2))  # older period
    _report(fourth, target, 9, start=Q2, at=T0 + dt.timedelta(hours=3), status=RS.RETURNED)

    assert _progress(target) == (Decimal(6), ["常州"], T0 + dt.timedelta(hours=1))


def test_a_report_without_this_target_falls_back_to_the_lead_s_previous_value(world):
    _report(world.lead, world.target, 4, start=Q1)
    _report(world.lead, None, 0, start=Q2)

    assert _progress(world.target)[0] == Decimal(4)


@pytest.mark.parametrize("count", [2, 20])
def test_roll_up_is_one_query_whatever_the_number_of_targets(
    world, django_assert_num_queries, count
):
    for _ in range(count):
        task = TaskFactory(plan=world.plan)
        lead = ResponsibilityFactory(task=task, role=LEAD)
        supporter = ResponsibilityFactory(task=task, role=SUPPORTING)
        target = TargetFactory(task=task, plan=world.plan)
        _report(lead, target, 3, items=["甲"])
        _report(supporter, target, 1)

    with django_assert_num_queries(1):
        rows = list(plan_targets_with_progress(world.plan))

    assert len(rows) == count + 1
    assert [row.reported_value for row in rows[1:]] == [Decimal(3)] * count


def test_plan_targets_include_plan_level_targets_in_document_order(world):
    plan_level = TargetFactory(task=None, plan=world.plan, order=0, description="产业规模")
    world.target.order = 1
    world.target.save()
    _report(world.lead, world.target, 7)

    rows = list(plan_targets_with_progress(world.plan))

    assert [(row.pk, row.reported_value) for row in rows] == [
        (plan_level.pk, None),
        (world.target.pk, Decimal(7)),
    ]


# --- Who sees which reports --------------------------------------------------------------------


@pytest.fixture
def filed(world):
    """Each agency on the task filed its report; another plan's task has a report too."""
    reports = {
        "lead": _report(world.lead, world.target, 7),
        "support": _report(world.support, None, 0),
        "support_d": _report(world.support_d, None, 0),
    }
    elsewhere = ResponsibilityFactory(role=LEAD)
    reports["elsewhere"] = _report(elsewhere, None, 0)
    for report in reports.values():
        ReportAttachment.objects.create(
            report=report,
            file=f"reports/2024/05/{report.pk:032d}.pdf",
            original_name="材料.pdf",
            content_type="application/pdf",
            size=1,
        )
    return reports


VISIBLE_ON_TASK = [
    ("staff_b", ["support"]),  # a supporter sees only its own report
    ("leader_b", ["support"]),
    ("staff_d", ["support_d"]),
    ("staff_a", ["lead", "support", "support_d"]),  # the lead consolidates everyone's
    ("coordinator", ["lead", "support", "support_d"]),
    ("admin", ["lead", "support", "support_d"]),
    ("other_coordinator", []),
]


@pytest.mark.parametrize(("user", "expected"), VISIBLE_ON_TASK)
def test_reports_for_task_follow_the_visibility_rule(world, filed, user, expected):
    visible = reports_for_task(world.task, getattr(world, user))

    assert [report.pk for report in visible] == [filed[key].pk for key in expected]


@pytest.mark.parametrize(("user", "expected"), VISIBLE_ON_TASK)
def test_attachments_follow_their_reports(world, filed, user, expected):
    visible = attachments_visible_to(getattr(world, user)).filter(
        report__responsibility__task=world.task
    )

    assert sorted(visible.values_list("report_id", flat=True)) == sorted(
        filed[key].pk for key in expected
    )


def test_anonymous_sees_no_report(world, filed):
    assert list(reports_visible_to(AnonymousUser())) == []
    assert list(attachments_visible_to(AnonymousUser())) == []


def test_administrator_sees_every_report(world, filed):
    assert reports_visible_to(world.admin).count() == 4
