"""Every reminder rule at its boundary dates, through National Day 2024 (holidays and 调休 days).

Each test sweeps day by day at 09:00 (time-machine) and asserts exactly which days a rule fired
and with which period. The calendar: Sun 09-29 and Sat 10-12 are working days; 10-01…10-07 off.
Working days: … 09-26 09-27 09-29 09-30 | 10-08 10-09 10-10 10-11 10-12 10-14 10-15 …
"""

import datetime as dt

import pytest

from agencies.models import User
from tasks_app.models import (
    Action,
    Event,
    Grade,
    ReminderDigest,
    ReminderEntry,
    ReminderKind,
    ReminderPolicy,
    ReminderSweep,
    Responsibility,
)
from tests.factories import PlanFactory, UserFactory
from tests.reminders.driving import fired, sweep, sweep_days
from tests.reminders.world import S, at, days, world

pytest_plugins = ["tests.reminders.fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_2024")]
K = ReminderKind
D = dt.date


@pytest.fixture(autouse=True)
def defaults(settings):
    settings.REMINDERS_DUE_SOON_OFFSETS = (10, 3, 1)
    settings.REMINDERS_OVERDUE_EVERY = 5
    settings.REMINDERS_ACCEPT_EVERY = 5
    settings.DUBAN_ACCEPT_WITHIN_WORKING_DAYS = 3
    settings.REMINDERS_REPORT_DUE_OFFSETS = (3,)
    settings.REMINDERS_ESCALATE_AFTER_OVERDUE = 10
    settings.REMINDERS_ESCALATE_AFTER_REMINDERS = 3


@pytest.fixture
def w():
    return world()


# --- Overdue (逾期) ----------------------------------------------------------------------------


def test_overdue_on_the_first_working_day_after_the_deadline_then_every_five(w):
    item = w.item(due_on=D(2024, 9, 30))

    sweep_days(days(D(2024, 9, 27), D(2024, 10, 22)))

    assert fired(K.OVERDUE, recipient=w.desk, responsibility=item) == [
        (D(2024, 10, 8), "2024-09-30/+1"),  # the holiday week is skipped
        (D(2024, 10, 14), "2024-09-30/+6"),  # 10-12 (Sat, 调休) counts as a working day
        (D(2024, 10, 21), "2024-09-30/+11"),
    ]


def test_deadline_in_the_holiday_is_overdue_on_the_first_working_day_after_it(w):
    item = w.item(due_on=D(2024, 10, 5))

    sweep_days(days(D(2024, 9, 30), D(2024, 10, 9)))

    assert fired(K.OVERDUE, recipient=w.desk, responsibility=item) == [
        (D(2024, 10, 8), "2024-10-05/+1")
    ]


def test_due_today_is_not_overdue(w):
    w.item(due_on=D(2024, 10, 8))

    result = sweep(D(2024, 10, 8))

    assert result.counts.get(K.OVERDUE, 0) == 0
    assert ReminderEntry.objects.filter(kind=K.OVERDUE).count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"status": S.COMPLETED},
        {"status": S.SUSPENDED},
        {"status": S.COMPLETION_REQUESTED},
        {"due_on": D(2024, 12, 31)},  # extended
    ],
)
def test_overdue_reminders_stop_when_completed_suspended_submitted_or_extended(w, change):
    item = w.item(due_on=D(2024, 9, 30))
    sweep(D(2024, 10, 8))
    Responsibility.objects.filter(pk=item.pk).update(**change)

    sweep_days([D(2024, 10, 14), D(2024, 10, 21)])

    assert fired(K.OVERDUE, recipient=w.desk) == [(D(2024, 10, 8), "2024-09-30/+1")]


# --- Due soon (临期) ---------------------------------------------------------------------------


def test_due_soon_ten_three_and_one_working_days_before(w):
    item = w.item(due_on=D(2024, 10, 16))

    sweep_days(days(D(2024, 9, 23), D(2024, 10, 16)))

    assert fired(K.DUE_SOON, recipient=w.desk, responsibility=item) == [
        (D(2024, 9, 27), "2024-10-16/-10"),  # counts 09-29 (Sun, 调休), skips 10-01…10-07
        (D(2024, 10, 12), "2024-10-16/-3"),  # a Saturday make-up working day
        (D(2024, 10, 15), "2024-10-16/-1"),
    ]
    assert set(ReminderEntry.objects.values_list("grade", flat=True)) == {Grade.BLUE}


def test_due_soon_for_a_deadline_inside_the_holiday(w):
    w.item(due_on=D(2024, 10, 5))

    sweep_days(days(D(2024, 9, 23), D(2024, 10, 4)))

    assert fired(K.DUE_SOON, recipient=w.desk) == [
        (D(2024, 9, 26), "2024-10-05/-3"),
        (D(2024, 9, 29), "2024-10-05/-1"),  # Sunday 调休: the last working day before it
    ]


def test_items_waiting_for_the_coordinator_get_no_due_soon_reminder(w):
    w.item(due_on=D(2024, 10, 16), status=S.COMPLETION_REQUESTED)

    sweep(D(2024, 10, 15))

    assert ReminderEntry.objects.count() == 0


# --- 签收 chase ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assigned", "expected"),
    [
        (at(D(2024, 9, 27), 10), [(D(2024, 10, 8), "2024-09-27/+3")]),
        (at(D(2024, 9, 29), 10), [(D(2024, 10, 9), "2024-09-29/+3")]),  # Sunday 调休
        (at(D(2024, 10, 3), 10), [(D(2024, 10, 11), "2024-10-03/+3")]),  # during the holiday
    ],
)
def test_accept_chase_after_three_working_days(w, assigned, expected):
    w.item(status=S.ASSIGNED, assigned_at=assigned, due_on=D(2025, 6, 30))

    sweep_days(days(D(2024, 9, 27), D(2024, 10, 11)))

    assert fired(K.ACCEPT, recipient=w.desk) == expected


def test_accept_chase_repeats_every_five_working_days_until_accepted(w):
    item = w.item(status=S.ASSIGNED, assigned_at=at(D(2024, 9, 27), 10), due_on=D(2025, 6, 30))
    sweep_days(days(D(2024, 9, 27), D(2024, 10, 21)))
    Responsibility.objects.filter(pk=item.pk).update(status=S.IN_PROGRESS)

    sweep_days(days(D(2024, 10, 22), D(2024, 10, 28)))

    assert fired(K.ACCEPT, recipient=w.desk) == [
        (D(2024, 10, 8), "2024-09-27/+3"),
        (D(2024, 10, 14), "2024-09-27/+8"),
        (D(2024, 10, 21), "2024-09-27/+13"),
    ]


def test_assigned_staff_receive_the_chase_too(w):
    item = w.item(status=S.ASSIGNED, assigned_at=at(D(2024, 9, 27), 10), due_on=D(2025, 6, 30))
    item.assignees.add(w.staff)

    sweep(D(2024, 10, 8))

    assert sorted(ReminderEntry.objects.values_list("recipient", "recipient_role")) == [
        (w.desk, "contact"),
        (w.staff.email, "assignee"),
    ]


# --- Progress reports (报送) ------------------------------------------------------------------


def test_report_due_before_and_late_after_the_due_day(w):
    item = w.item(next_report_due_on=D(2024, 9, 30))

    sweep_days(days(D(2024, 9, 23), D(2024, 10, 15)))

    assert fired(K.REPORT_DUE, recipient=w.desk, responsibility=item) == [
        (D(2024, 9, 26), "2024-09-30/-3")
    ]
    assert fired(K.REPORT_LATE, recipient=w.desk, responsibility=item) == [
        (D(2024, 10, 8), "2024-09-30/+1"),
        (D(2024, 10, 14), "2024-09-30/+6"),
    ]


def test_a_filed_report_stops_the_late_reminders(w):
    item = w.item(next_report_due_on=D(2024, 9, 30))
    sweep(D(2024, 10, 8))
    Responsibility.objects.filter(pk=item.pk).update(next_report_due_on=D(2024, 12, 25))

    sweep(D(2024, 10, 14))

    assert fired(K.REPORT_LATE, recipient=w.desk) == [(D(2024, 10, 8), "2024-09-30/+1")]


# --- Yellow notices: behind schedule, returned -----------------------------------------------


def test_behind_schedule_is_noticed_once_per_behind_date(w):
    item = w.item(behind_schedule_on=D(2024, 10, 5))

    sweep_days(days(D(2024, 9, 30), D(2024, 10, 14)))
    Responsibility.objects.filter(pk=item.pk).update(behind_schedule_on=D(2024, 10, 14))
    sweep(D(2024, 10, 15))

    assert fired(K.BEHIND, recipient=w.desk) == [
        (D(2024, 10, 8), "2024-10-05"),
        (D(2024, 10, 15), "2024-10-14"),
    ]


def test_a_returned_report_is_noticed_on_the_next_sweep(w):
    item = w.item()

    def returned(moment):
        return Event.objects.create(
            plan=w.plan,
            task=item.task,
            responsibility=item,
            actor=w.coordinator,
            action=Action.RETURN_REPORT,
            reason="数据口径不一致",
            created_at=moment,
        )

    sweep(D(2024, 9, 30))
    first = returned(at(D(2024, 10, 3), 15))  # during the holiday
    sweep(D(2024, 10, 8))
    second = returned(at(D(2024, 10, 8), 15))  # after that day's sweep
    sweep_days([D(2024, 10, 9), D(2024, 10, 10)])

    assert fired(K.RETURNED, recipient=w.desk) == [
        (D(2024, 10, 8), f"event/{first.pk}"),
        (D(2024, 10, 9), f"event/{second.pk}"),
    ]
    assert set(ReminderEntry.objects.values_list("grade", flat=True)) == {Grade.YELLOW}


# --- Escalation (督办) -------------------------------------------------------------------------


def test_escalation_after_more_than_ten_working_days_overdue(w):
    item = w.item(due_on=D(2024, 9, 30))
    item.assignees.add(w.staff)

    sweep_days(days(D(2024, 10, 18), D(2024, 10, 22)))

    escalations = ReminderEntry.objects.filter(kind=K.ESCALATION)
    assert sorted(escalations.values_list("day", "recipient", "recipient_role")) == [
        (D(2024, 10, 21), w.coordinator.email, "coordinator"),
        (D(2024, 10, 21), w.desk, "contact"),
        (D(2024, 10, 21), w.leader.email, "leader"),
        (D(2024, 10, 21), w.staff.email, "assignee"),
    ]
    item.refresh_from_db()
    assert item.escalated_at == at(D(2024, 10, 21))
    event = Event.objects.get(responsibility=item, action=Action.REMIND)
    assert event.data["kind"] == K.ESCALATION


def test_escalation_after_three_unanswered_reminders(w):
    item = w.item(status=S.ASSIGNED, assigned_at=at(D(2024, 9, 27), 10), due_on=D(2025, 6, 30))

    sweep_days(days(D(2024, 9, 27), D(2024, 10, 23)))

    # Chased on 10-08, 10-14 and 10-21, never answered: escalated on the next working day.
    assert [day for day, _ in fired(K.ESCALATION, recipient=w.desk)] == [D(2024, 10, 22)]
    item.refresh_from_db()
    assert item.escalated_at == at(D(2024, 10, 22))


def test_an_action_between_reminders_resets_the_count(w):
    item = w.item(status=S.ASSIGNED, assigned_at=at(D(2024, 9, 27), 10), due_on=D(2025, 6, 30))
    sweep_days(days(D(2024, 9, 27), D(2024, 10, 14)))
    Event.objects.create(
        plan=w.plan,
        task=item.task,
        responsibility=item,
        actor=w.staff,
        action=Action.REQUEST_EXTENSION,
        reason="等待上级批复",
        created_at=at(D(2024, 10, 15), 10),
    )

    sweep_days(days(D(2024, 10, 15), D(2024, 10, 23)))

    assert ReminderEntry.objects.filter(kind=K.ESCALATION).count() == 0
    assert Responsibility.objects.get(pk=item.pk).escalated_at is None


def test_an_escalated_item_is_not_escalated_again(w):
    w.item(due_on=D(2024, 9, 30))

    sweep_days([D(2024, 10, 21), D(2024, 10, 22), D(2024, 10, 28)])

    assert ReminderEntry.objects.filter(kind=K.ESCALATION, recipient=w.desk).count() == 1


def test_inactive_users_and_contacts_without_addresses_receive_nothing(w):
    item = w.item(due_on=D(2024, 9, 30))
    gone = UserFactory(agency=w.agency, role=User.Role.STAFF, is_active=False)
    nameless = UserFactory(agency=w.agency, role=User.Role.STAFF, email="")
    item.assignees.add(gone, nameless)
    w.agency.reminder_contacts.update(active=False)

    result = sweep(D(2024, 10, 8))

    assert result.entries_created == 0
    assert ReminderDigest.objects.count() == 0


# --- Digests, empty days, running twice, days off --------------------------------------------


def test_five_items_of_one_agency_make_one_email(w, mailoutbox):
    for _ in range(5):
        w.item(due_on=D(2024, 9, 30))

    result = sweep(D(2024, 10, 8))
    from tasks_app.reminders.delivery import digests_deliver

    digests_deliver(digest_ids=result.digest_ids)

    assert ReminderEntry.objects.filter(recipient=w.desk).count() == 5
    assert ReminderDigest.objects.count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [w.desk]
    assert "5项事项" in mailoutbox[0].subject


def test_an_empty_day_sends_nothing(w, mailoutbox):
    w.item(due_on=D(2025, 6, 30))

    result = sweep(D(2024, 10, 9))

    assert (result.entries_created, result.digest_ids) == (0, [])
    assert ReminderDigest.objects.count() == 0
    assert len(mailoutbox) == 0
    assert ReminderSweep.objects.get().entries_created == 0


def test_the_same_sweep_twice_records_nothing_new(w):
    for _ in range(3):
        w.item(due_on=D(2024, 9, 30))
    first = sweep(D(2024, 10, 8))

    second = sweep(D(2024, 10, 8))

    assert (first.entries_created, len(first.digest_ids)) == (3, 1)
    assert (second.entries_created, second.digest_ids) == (0, [])
    assert ReminderEntry.objects.count() == 3
    assert ReminderDigest.objects.count() == 1


@pytest.mark.parametrize("day", [D(2024, 10, 1), D(2024, 10, 7), D(2024, 10, 13)])
def test_no_sweep_on_holidays_and_weekends(w, day):
    w.item(due_on=D(2024, 9, 30))

    result = sweep(day)

    assert result.working_day is False
    assert ReminderSweep.objects.count() == 0


# --- Per-plan rules --------------------------------------------------------------------------


def test_a_plan_policy_overrides_the_defaults(w):
    custom = PlanFactory(coordinating_agency=w.coordinating)
    ReminderPolicy.objects.create(plan=custom, due_soon_offsets="5", overdue_every=2)
    silent = PlanFactory(coordinating_agency=w.coordinating)
    ReminderPolicy.objects.create(plan=silent, enabled=False)
    default_item = w.item(due_on=D(2024, 10, 16))
    w.plan = custom
    custom_item = w.item(due_on=D(2024, 10, 16))
    late_item = w.item(due_on=D(2024, 9, 30))
    w.plan = silent
    w.item(due_on=D(2024, 10, 16))
    w.item(due_on=D(2024, 9, 30))

    sweep_days(days(D(2024, 9, 23), D(2024, 10, 14)))

    assert [p for _, p in fired(K.DUE_SOON, recipient=w.desk, responsibility=default_item)] == [
        "2024-10-16/-10",
        "2024-10-16/-3",
    ]
    assert fired(K.DUE_SOON, recipient=w.desk, responsibility=custom_item) == [
        (D(2024, 10, 10), "2024-10-16/-5")
    ]
    assert [p for _, p in fired(K.OVERDUE, recipient=w.desk, responsibility=late_item)] == [
        "2024-09-30/+1",
        "2024-09-30/+3",
        "2024-09-30/+5",
    ]
    assert ReminderEntry.objects.filter(responsibility__task__plan=silent).count() == 0


# --- The schedule --------------------------------------------------------------------------------


def test_beat_schedule_names_registered_tasks(settings):
    from config.celery_app import app

    app.loader.import_default_modules()

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["task"].startswith("tasks_app.reminders."):
            assert entry["task"] in app.tasks
    assert settings.CELERY_BEAT_SCHEDULE["reminders-sweep"]["schedule"].hour == {9}


@pytest.mark.parametrize(
    ("moment", "expected_sweeps"),
    [
        (at(D(2024, 10, 8), 8, 59), 0),  # before the send time
        (at(D(2024, 10, 8), 9, 10), 1),  # beat was down at 09:00: the sweep runs now
        (at(D(2024, 10, 3), 11, 0), 0),  # a holiday: nothing to catch up
    ],
)
def test_a_missed_sweep_is_caught_up_after_the_send_time(w, moment, expected_sweeps):
    import time_machine

    from tasks_app.reminders.tasks import reminders_sweep_if_missed

    w.item(due_on=D(2024, 9, 30))

    with time_machine.travel(moment, tick=False):
        reminders_sweep_if_missed()
        reminders_sweep_if_missed()  # and only once

    assert ReminderSweep.objects.count() == expected_sweeps
