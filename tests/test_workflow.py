"""The transition table: every allowed transition, every refused one, and what they record."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from agencies.models import User
from tasks_app.errors import InvalidInput, PermissionDenied, StaleObject, TransitionNotAllowed
from tasks_app.models import Action, Event, ExtensionRequest, Responsibility
from tasks_app.services import coordination, workflow
from tests.factories import (
    AgencyFactory,
    PlanFactory,
    ResponsibilityFactory,
    TaskFactory,
    UserFactory,
)

S = Responsibility.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A plan coordinated by agency C; a task led by A and supported by B."""
    coordinating = AgencyFactory(short_name="省发展改革委")
    plan = PlanFactory(coordinating_agency=coordinating)
    task = TaskFactory(plan=plan)
    a, b = AgencyFactory(), AgencyFactory()
    lead = ResponsibilityFactory(task=task, agency=a, role=Responsibility.Role.LEAD)
    support = ResponsibilityFactory(task=task, agency=b, role=Responsibility.Role.SUPPORTING)

    class W:
        pass

    w = W()
    w.plan, w.task, w.lead, w.support = plan, task, lead, support
    w.staff_a = UserFactory(agency=a, role=User.Role.STAFF)
    w.leader_a = UserFactory(agency=a, role=User.Role.LEADER)
    w.staff_b = UserFactory(agency=b, role=User.Role.STAFF)
    w.coordinator = UserFactory(agency=coordinating, role=User.Role.COORDINATOR)
    w.other_coordinator = UserFactory(role=User.Role.COORDINATOR)
    w.admin = UserFactory(agency=None, is_superuser=True)
    return w


def _set_status(responsibility, status, **fields):
    Responsibility.objects.filter(pk=responsibility.pk).update(status=status, **fields)
    responsibility.refresh_from_db()


def _snapshot(responsibility):
    responsibility.refresh_from_db()
    return (
        responsibility.status,
        responsibility.version,
        responsibility.due_on,
        responsibility.accepted_at,
        responsibility.completed_at,
        Event.objects.count(),
        ExtensionRequest.objects.count(),
    )


# (action, from status, actor attribute on the world, expected status)
ALLOWED = [
    (Action.ACCEPT, S.ASSIGNED, "staff_a", S.IN_PROGRESS),
    (Action.ACCEPT, S.ASSIGNED, "leader_a", S.IN_PROGRESS),
    (Action.REQUEST_COMPLETION, S.IN_PROGRESS, "staff_a", S.COMPLETION_REQUESTED),
    (Action.APPROVE_COMPLETION, S.COMPLETION_REQUESTED, "coordinator", S.COMPLETED),
    (Action.APPROVE_COMPLETION, S.COMPLETION_REQUESTED, "admin", S.COMPLETED),
    (Action.RETURN, S.COMPLETION_REQUESTED, "coordinator", S.IN_PROGRESS),
    (Action.SUSPEND, S.ASSIGNED, "coordinator", S.SUSPENDED),
    (Action.SUSPEND, S.IN_PROGRESS, "coordinator", S.SUSPENDED),
    (Action.SUSPEND, S.LEADER_REVIEW, "coordinator", S.SUSPENDED),
    (Action.SUSPEND, S.COMPLETION_REQUESTED, "coordinator", S.SUSPENDED),
    (Action.RESUME, S.SUSPENDED, "coordinator", S.ASSIGNED),
    (Action.LEADER_APPROVE, S.LEADER_REVIEW, "leader_a", S.COMPLETION_REQUESTED),
    (Action.LEADER_RETURN, S.LEADER_REVIEW, "leader_a", S.IN_PROGRESS),
]


@pytest.mark.parametrize(("action", "source", "actor", "expected"), ALLOWED)
def test_allowed_transition_changes_status_and_records_event(
    world, action, source, actor, expected
):
    _set_status(world.lead, source)
    user = getattr(world, actor)

    result = workflow.responsibility_transition(
        responsibility_id=world.lead.pk,
        action=action,
        actor=user,
        reason="理由",
        expected_version=world.lead.version,
    )

    assert result.status == expected
    assert result.version == world.lead.version + 1
    event = Event.objects.get(responsibility=world.lead)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        action,
        source,
        expected,
        user,
    )
    assert event.plan_id == world.plan.pk and event.task_id == world.task.pk


REFUSED_BY_ROLE = [
    (Action.ACCEPT, S.ASSIGNED, "staff_b"),  # another agency's responsibility
    (Action.ACCEPT, S.ASSIGNED, "coordinator"),  # coordinators do not accept for agencies
    (Action.REQUEST_COMPLETION, S.IN_PROGRESS, "staff_b"),
    (Action.APPROVE_COMPLETION, S.COMPLETION_REQUESTED, "staff_a"),
    (Action.APPROVE_COMPLETION, S.COMPLETION_REQUESTED, "leader_a"),
    (Action.APPROVE_COMPLETION, S.COMPLETION_REQUESTED, "other_coordinator"),
    (Action.RETURN, S.COMPLETION_REQUESTED, "staff_a"),
    (Action.SUSPEND, S.IN_PROGRESS, "staff_a"),
    (Action.SUSPEND, S.IN_PROGRESS, "other_coordinator"),
    (Action.RESUME, S.SUSPENDED, "leader_a"),
    (Action.LEADER_APPROVE, S.LEADER_REVIEW, "staff_a"),
    (Action.LEADER_APPROVE, S.LEADER_REVIEW, "coordinator"),
    (Action.LEADER_RETURN, S.LEADER_REVIEW, "staff_a"),
]


@pytest.mark.parametrize(("action", "source", "actor"), REFUSED_BY_ROLE)
def test_unauthorised_transition_is_refused_and_changes_nothing(world, action, source, actor):
    _set_status(world.lead, source)
    before = _snapshot(world.lead)

    with pytest.raises(PermissionDenied):
        workflow.responsibility_transition(
            responsibility_id=world.lead.pk, action=action, actor=getattr(world, actor), reason="x"
        )

    assert _snapshot(world.lead) == before


def _illegal_cases():
    for transition in workflow.TRANSITIONS.values():
        for status in S.values:
            if status not in transition.sources:
                yield transition.action, status


@pytest.mark.parametrize(("action", "source"), list(_illegal_cases()))
def test_illegal_transition_is_refused_with_message_and_changes_nothing(world, action, source):
    _set_status(world.lead, source)
    actor = (
        world.leader_a
        if action
        in (Action.LEADER_APPROVE, Action.LEADER_RETURN, Action.ACCEPT, Action.REQUEST_COMPLETION)
        else world.coordinator
    )
    before = _snapshot(world.lead)

    with pytest.raises(TransitionNotAllowed) as error:
        workflow.responsibility_transition(
            responsibility_id=world.lead.pk, action=action, actor=actor, reason="x"
        )

    assert str(Responsibility.Status(source).label) in str(error.value.message)
    assert _snapshot(world.lead) == before


def test_reason_is_required_for_return_and_nothing_changes(world):
    _set_status(world.lead, S.COMPLETION_REQUESTED)
    before = _snapshot(world.lead)

    with pytest.raises(InvalidInput) as error:
        workflow.responsibility_transition(
            responsibility_id=world.lead.pk,
            action=Action.RETURN,
            actor=world.coordinator,
            reason="  ",
        )

    assert error.value.field_errors == {"reason": ["请填写理由。"]}
    assert _snapshot(world.lead) == before


def test_leader_approval_routes_staff_completion_requests_through_the_leader(world):
    world.plan.leader_approval_required = True
    world.plan.save()
    _set_status(world.lead, S.IN_PROGRESS)

    by_staff = workflow.responsibility_transition(
        responsibility_id=world.lead.pk, action=Action.REQUEST_COMPLETION, actor=world.staff_a
    )
    assert by_staff.status == S.LEADER_REVIEW

    _set_status(world.lead, S.IN_PROGRESS)
    by_leader = workflow.responsibility_transition(
        responsibility_id=world.lead.pk, action=Action.REQUEST_COMPLETION, actor=world.leader_a
    )
    assert by_leader.status == S.COMPLETION_REQUESTED


def test_resume_returns_accepted_work_to_in_progress(world):
    accepted = workflow.responsibility_transition(
        responsibility_id=world.lead.pk, action=Action.ACCEPT, actor=world.staff_a
    )
    workflow.responsibility_transition(
        responsibility_id=accepted.pk, action=Action.SUSPEND, actor=world.coordinator, reason="暂停"
    )

    resumed = workflow.responsibility_transition(
        responsibility_id=accepted.pk, action=Action.RESUME, actor=world.coordinator
    )

    assert resumed.status == S.IN_PROGRESS


def test_accepting_starts_the_reporting_schedule(world, settings):
    accepted = workflow.responsibility_transition(
        responsibility_id=world.lead.pk, action=Action.ACCEPT, actor=world.staff_a
    )

    # The plan runs 2024-01-01..2026-12-31 with a 15-point margin: 0 % reported is behind from
    # 15 % of the span on (164 days in), and the first report is due this period.
    assert accepted.accepted_at is not None
    assert accepted.next_report_due_on >= timezone.localdate()
    assert accepted.behind_schedule_on == dt.date(2024, 1, 1) + dt.timedelta(
        days=1095 * 15 // 100 + 1
    )


def test_completion_after_the_deadline_is_recorded_as_late(world):
    _set_status(world.lead, S.COMPLETION_REQUESTED, due_on=dt.date(2020, 1, 1))

    done = workflow.responsibility_transition(
        responsibility_id=world.lead.pk, action=Action.APPROVE_COMPLETION, actor=world.coordinator
    )

    assert done.completed_late is True
    assert done.completed_at is not None


def test_completion_on_time_is_not_late(world):
    _set_status(world.lead, S.COMPLETION_REQUESTED, due_on=dt.date(2999, 1, 1))

    done = workflow.responsibility_transition(
        responsibility_id=world.lead.pk, action=Action.APPROVE_COMPLETION, actor=world.coordinator
    )

    assert done.completed_late is False


def test_stale_version_is_refused_and_nothing_is_lost(world):
    version = world.lead.version
    workflow.responsibility_transition(
        responsibility_id=world.lead.pk,
        action=Action.ACCEPT,
        actor=world.staff_a,
        expected_version=version,
    )
    before = _snapshot(world.lead)

    with pytest.raises(StaleObject) as error:
        workflow.responsibility_transition(
            responsibility_id=world.lead.pk,
            action=Action.SUSPEND,
            actor=world.coordinator,
            reason="x",
            expected_version=version,
        )

    assert "已被他人修改" in str(error.value.message)
    assert _snapshot(world.lead) == before


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_updates_one_wins_the_other_is_told_to_reload(world):
    """Two people act on the same version at once: exactly one change lands, one StaleObject."""
    version = world.lead.version
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def act(action, actor, reason=""):
        try:
            barrier.wait()
            workflow.responsibility_transition(
                responsibility_id=world.lead.pk,
                action=action,
                actor=actor,
                reason=reason,
                expected_version=version,
            )
            outcomes.append("ok")
        except (StaleObject, TransitionNotAllowed):
            outcomes.append("refused")
        except Exception as error:  # reported in the assertion below, not swallowed
            outcomes.append(f"error:{type(error).__name__}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(Action.ACCEPT, world.staff_a)),
        threading.Thread(target=act, args=(Action.SUSPEND, world.coordinator, "暂停")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    world.lead.refresh_from_db()
    assert sorted(outcomes) == ["ok", "refused"]
    assert world.lead.version == version + 1
    assert Event.objects.filter(responsibility=world.lead).count() == 1


# --- Extensions -------------------------------------------------------------------------------


def test_extension_request_then_approval_moves_the_deadline_and_keeps_the_original(world):
    _set_status(world.lead, S.IN_PROGRESS)
    original = world.lead.due_on

    request = workflow.extension_request_create(
        responsibility_id=world.lead.pk,
        actor=world.staff_a,
        requested_due_on=original + dt.timedelta(days=90),
        reason="受客观因素影响",
    )
    workflow.extension_decide(extension_id=request.pk, actor=world.coordinator, approve=True)

    world.lead.refresh_from_db()
    request.refresh_from_db()
    assert world.lead.due_on == original + dt.timedelta(days=90)
    assert world.lead.original_due_on == original
    assert request.status == ExtensionRequest.Status.APPROVED
    assert list(
        Event.objects.filter(responsibility=world.lead).order_by("id").values_list("action", "data")
    ) == [
        (
            Action.REQUEST_EXTENSION,
            {"from": original.isoformat(), "to": (original + dt.timedelta(days=90)).isoformat()},
        ),
        (
            Action.APPROVE_EXTENSION,
            {"from": original.isoformat(), "to": (original + dt.timedelta(days=90)).isoformat()},
        ),
    ]


def test_refused_extension_keeps_the_deadline_and_needs_a_reason(world):
    _set_status(world.lead, S.IN_PROGRESS)
    original = world.lead.due_on
    request = workflow.extension_request_create(
        responsibility_id=world.lead.pk,
        actor=world.staff_a,
        requested_due_on=original + dt.timedelta(days=30),
        reason="需要更多时间",
    )

    with pytest.raises(InvalidInput):
        workflow.extension_decide(extension_id=request.pk, actor=world.coordinator, approve=False)
    workflow.extension_decide(
        extension_id=request.pk, actor=world.coordinator, approve=False, note="理由不充分"
    )

    world.lead.refresh_from_db()
    request.refresh_from_db()
    assert world.lead.due_on == original
    assert request.status == ExtensionRequest.Status.REFUSED
    assert request.decision_note == "理由不充分"


@pytest.mark.parametrize(
    ("days", "reason", "field"),
    [(0, "理由", "requested_due_on"), (-5, "理由", "requested_due_on"), (30, " ", "reason")],
)
def test_invalid_extension_request_is_refused_and_writes_nothing(world, days, reason, field):
    _set_status(world.lead, S.IN_PROGRESS)
    before = _snapshot(world.lead)

    with pytest.raises(InvalidInput) as error:
        workflow.extension_request_create(
            responsibility_id=world.lead.pk,
            actor=world.staff_a,
            requested_due_on=world.lead.due_on + dt.timedelta(days=days),
            reason=reason,
        )

    assert field in error.value.field_errors
    assert _snapshot(world.lead) == before


def test_second_pending_extension_request_is_refused(world):
    _set_status(world.lead, S.IN_PROGRESS)
    workflow.extension_request_create(
        responsibility_id=world.lead.pk,
        actor=world.staff_a,
        requested_due_on=world.lead.due_on + dt.timedelta(days=30),
        reason="理由一",
    )
    before = _snapshot(world.lead)

    with pytest.raises(TransitionNotAllowed):
        workflow.extension_request_create(
            responsibility_id=world.lead.pk,
            actor=world.staff_a,
            requested_due_on=world.lead.due_on + dt.timedelta(days=60),
            reason="理由二",
        )

    assert _snapshot(world.lead) == before


def test_only_the_plans_coordinator_decides_extensions(world):
    _set_status(world.lead, S.IN_PROGRESS)
    request = workflow.extension_request_create(
        responsibility_id=world.lead.pk,
        actor=world.staff_a,
        requested_due_on=world.lead.due_on + dt.timedelta(days=30),
        reason="理由",
    )
    before = _snapshot(world.lead)

    for outsider in (world.staff_a, world.leader_a, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            workflow.extension_decide(extension_id=request.pk, actor=outsider, approve=True)

    assert _snapshot(world.lead) == before


def test_staff_cannot_request_extension_for_another_agency(world):
    _set_status(world.support, S.IN_PROGRESS)
    before = _snapshot(world.support)

    with pytest.raises(PermissionDenied):
        workflow.extension_request_create(
            responsibility_id=world.support.pk,
            actor=world.staff_a,
            requested_due_on=world.support.due_on + dt.timedelta(days=30),
            reason="理由",
        )

    assert _snapshot(world.support) == before


# --- Deadlines and reassignment ----------------------------------------------------------------


def test_coordinator_sets_deadline_with_event(world):
    new_due = dt.date(2026, 6, 30)

    result = coordination.responsibility_deadline_set(
        responsibility_id=world.lead.pk, actor=world.coordinator, due_on=new_due, reason="提前"
    )

    assert (result.due_on, result.original_due_on) == (new_due, new_due)
    event = Event.objects.get(responsibility=world.lead)
    assert (event.action, event.data) == (
        Action.SET_DEADLINE,
        {"from": "2026-12-31", "to": "2026-06-30"},
    )


def test_staff_cannot_set_deadlines(world):
    before = _snapshot(world.lead)

    with pytest.raises(PermissionDenied):
        coordination.responsibility_deadline_set(
            responsibility_id=world.lead.pk, actor=world.leader_a, due_on=dt.date(2027, 1, 1)
        )

    assert _snapshot(world.lead) == before


def test_reassigning_to_another_agency_restarts_acceptance(world):
    accepted = workflow.responsibility_transition(
        responsibility_id=world.lead.pk, action=Action.ACCEPT, actor=world.staff_a
    )
    new_agency = AgencyFactory()

    moved = coordination.responsibility_reassign(
        responsibility_id=accepted.pk,
        actor=world.coordinator,
        agency_id=new_agency.pk,
        role=Responsibility.Role.LEAD,
        reason="职能调整",
    )

    assert (moved.agency_id, moved.status, moved.accepted_at) == (new_agency.pk, S.ASSIGNED, None)
    assert Event.objects.filter(responsibility=moved, action=Action.REASSIGN).count() == 1


def test_reassigning_to_an_agency_already_on_the_task_is_refused(world):
    before = _snapshot(world.lead)

    with pytest.raises(InvalidInput):
        coordination.responsibility_reassign(
            responsibility_id=world.lead.pk,
            actor=world.coordinator,
            agency_id=world.support.agency_id,
            role=Responsibility.Role.LEAD,
            reason="调整",
        )

    assert _snapshot(world.lead) == before
    assert world.lead.agency_id != world.support.agency_id


def test_second_lead_cannot_be_assigned(world):
    count = Responsibility.objects.count()

    with pytest.raises(InvalidInput):
        coordination.responsibility_assign(
            task_id=world.task.pk,
            actor=world.coordinator,
            agency_id=AgencyFactory().pk,
            role=Responsibility.Role.LEAD,
        )

    assert Responsibility.objects.count() == count


def test_available_actions_lists_exactly_the_allowed_buttons(world):
    assert workflow.available_actions(user=world.staff_a, responsibility=world.lead) == [
        Action.ACCEPT
    ]
    assert workflow.available_actions(user=world.staff_b, responsibility=world.lead) == []
    assert workflow.available_actions(user=world.coordinator, responsibility=world.lead) == [
        Action.SUSPEND
    ]
