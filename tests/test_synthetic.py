"""The synthetic data generator: counts, one lead per task, every colour, and its refusal to run twice."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from agencies.models import Agency, User
from tasks_app.models import Plan, Responsibility, Task
from tasks_app.selectors import Colour, ColourRules, colour_filter, with_colour

S = Responsibility.Status
TODAY = dt.date(2025, 3, 12)  # a Wednesday


def _generate(*extra: str) -> str:
    out = io.StringIO()
    call_command(
        "generate_synthetic", "--tasks", "50", "--today", TODAY.isoformat(), *extra, stdout=out
    )
    return out.getvalue()


@pytest.fixture
def generated(agencies):
    _generate()


def test_fifty_tasks_spread_over_ten_plans_of_the_coordinating_agency(generated):
    plans = Plan.objects.filter(key__startswith="synthetic|")
    assert plans.count() == 10
    assert set(plans.values_list("coordinating_agency__name", flat=True)) == {
        "江苏省发展和改革委员会"
    }
    assert Task.objects.count() == 50
    assert set(plans.annotate(n=Count("tasks")).values_list("n", flat=True)) == {5}


def test_every_task_has_exactly_one_lead_and_one_or_two_supporting_agencies(generated):
    tasks = Task.objects.annotate(
        leads=Count("responsibilities", filter=Q(responsibilities__role="lead")),
        supporting=Count("responsibilities", filter=Q(responsibilities__role="supporting")),
    )
    assert set(tasks.values_list("leads", flat=True)) == {1}
    assert set(tasks.values_list("supporting", flat=True)) <= {1, 2}


def test_responsibilities_use_the_shipped_agencies(generated):
    used = Agency.objects.filter(responsibilities__isnull=False).distinct()
    assert used.count() > 1
    assert not used.filter(name__startswith="合成单位").exists()


def test_every_colour_appears(generated):
    rules = ColourRules.on(TODAY)
    by_filter = {
        colour
        for colour in (Colour.RED, Colour.AMBER, Colour.GREEN, Colour.GREY)
        if Responsibility.objects.filter(colour_filter(rules, colour)).exists()
    }
    by_annotation = set(
        with_colour(Responsibility.objects.all(), rules).values_list("colour", flat=True)
    )
    assert by_filter == by_annotation == {Colour.RED, Colour.AMBER, Colour.GREEN, Colour.GREY}


def test_the_main_statuses_appear(generated):
    statuses = set(Responsibility.objects.values_list("status", flat=True))
    assert {S.ASSIGNED, S.IN_PROGRESS, S.COMPLETION_REQUESTED, S.COMPLETED, S.SUSPENDED} <= statuses


def test_dates_follow_the_workflow(generated):
    rows = Responsibility.objects.all()
    assert not rows.filter(status=S.ASSIGNED, accepted_at__isnull=False).exists()
    assert not rows.exclude(status=S.ASSIGNED).filter(accepted_at__isnull=True).exists()
    assert not rows.filter(accepted_at__lt=F("assigned_at")).exists()
    completed = rows.filter(status=S.COMPLETED)
    assert completed.exists()
    assert not completed.filter(Q(completed_at__isnull=True) | ~Q(progress_percent=100)).exists()
    for row in completed:
        assert row.completed_late == (row.completed_at.date() > row.due_on)


def test_a_coordinator_and_a_staff_member_per_agency_are_created(generated):
    coordinator = User.objects.get(username="synthetic-coordinator")
    assert coordinator.role == User.Role.COORDINATOR
    assert coordinator.agency.name == "江苏省发展和改革委员会"
    assert not coordinator.has_usable_password()
    used = Agency.objects.filter(responsibilities__isnull=False).distinct()
    staff = User.objects.filter(role=User.Role.STAFF, username__startswith="synthetic-staff-")
    assert set(staff.values_list("agency_id", flat=True)) >= set(used.values_list("pk", flat=True))


def test_a_second_run_into_the_same_prefix_is_refused_and_changes_nothing(generated):
    with pytest.raises(CommandError, match="前缀“synthetic”的合成数据已存在"):
        _generate()

    assert Task.objects.count() == 50
    assert Plan.objects.count() == 10


def test_another_prefix_appends_a_second_batch(generated):
    output = _generate("--prefix", "second", "--plans", "2")

    assert "任务 50" in output
    assert Task.objects.count() == 100
    assert Plan.objects.filter(key__startswith="second|").count() == 2


def test_agencies_beyond_the_loaded_ones_are_created(db):
    output = _generate("--agencies", "5")

    # The coordinating agency, created first, is one of the five.
    assert Agency.objects.filter(name__startswith="合成单位").count() == 4
    assert Agency.objects.get(name="合成督办单位（synthetic）").coordinated_plans.count() == 10
    assert "单位 5（新建 4）" in output


def test_an_unknown_coordinator_agency_is_refused(agencies):
    with pytest.raises(CommandError, match="未找到督办单位“不存在的单位”"):
        _generate("--coordinator-agency", "不存在的单位")

    assert not Task.objects.exists()
