"""Naming the staff who handle an item (经办人): who may, whom they may name, the event it writes,
the admin panel, and that reminders then reach the people named."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from agencies.models import User
from tasks_app.errors import InvalidInput, PermissionDenied, StaleObject, TransitionNotAllowed
from tasks_app.models import Action, Event, RecipientRole, ReminderEntry, Responsibility
from tasks_app.reminders.manual import reminders_send_now
from tasks_app.services.coordination import responsibility_assignees_set
from tests.factories import ResponsibilityFactory, UserFactory, admin_world

pytestmark = pytest.mark.django_db
S = Responsibility.Status


@pytest.fixture
def w():
    return admin_world()


def _state(responsibility):
    responsibility.refresh_from_db()
    return (
        sorted(responsibility.assignees.values_list("pk", flat=True)),
        responsibility.version,
        Event.objects.count(),
    )


def _post(client, user, responsibility, user_ids, version=None):
    client.force_login(user)
    url = reverse("admin:tasks_app_responsibility_assignees", args=[responsibility.pk])
    data = {"assignees": [str(pk) for pk in user_ids], "version": version or responsibility.version}
    response = client.post(url, data)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    client.cookies.pop("messages", None)
    return response, messages


# --- The service ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff_a", "leader_a", "coordinator", "admin"])
def test_the_agency_and_the_coordinator_may_name_staff_and_an_event_records_it(w, who):
    actor = getattr(w, who)

    responsibility_assignees_set(
        responsibility_id=w.resp_a.pk, user_ids=[w.leader_a.pk, w.staff_a.pk], actor=actor
    )

    assert _state(w.resp_a) == (sorted([w.staff_a.pk, w.leader_a.pk]), 2, 1)
    event = Event.objects.get()
    assert (event.action, event.actor, event.responsibility, event.task) == (
        Action.ASSIGN_STAFF,
        actor,
        w.resp_a,
        w.task_a,
    )
    assert (event.from_status, event.to_status) == (S.ASSIGNED, S.ASSIGNED)
    assert event.data == {
        "from": "",
        "to": "staff_a、leader_a",
        "users": {"from": [], "to": [w.staff_a.pk, w.leader_a.pk]},
    }


def test_the_event_names_who_was_replaced(w):
    w.resp_a.assignees.add(w.staff_a)
    w.leader_a.last_name, w.leader_a.first_name = "王", "领导"
    w.leader_a.save()

    responsibility_assignees_set(
        responsibility_id=w.resp_a.pk, user_ids=[w.leader_a.pk], actor=w.staff_a
    )

    assert Event.objects.get().data == {
        "from": "staff_a",
        "to": "王领导",
        "users": {"from": [w.staff_a.pk], "to": [w.leader_a.pk]},
    }


@pytest.mark.parametrize("who", ["staff_b", "other_coordinator"])
def test_people_outside_the_agency_and_the_plan_may_not_and_nothing_changes(w, who):
    before = _state(w.resp_a)

    with pytest.raises(PermissionDenied):
        responsibility_assignees_set(
            responsibility_id=w.resp_a.pk, user_ids=[w.staff_a.pk], actor=getattr(w, who)
        )

    assert _state(w.resp_a) == before


def test_a_user_of_another_agency_is_refused_and_nothing_changes(w):
    w.resp_a.assignees.add(w.staff_a)
    before = _state(w.resp_a)

    with pytest.raises(InvalidInput) as refused:
        responsibility_assignees_set(
            responsibility_id=w.resp_a.pk,
            user_ids=[w.leader_a.pk, w.staff_b.pk],
            actor=w.coordinator,
        )

    message = f"编号为{w.staff_b.pk}的用户不是省甲厅在用的经办人或分管领导账号，不能指定为经办人。"
    assert str(refused.value.message) == message
    assert refused.value.field_errors == {"user_ids": [message]}
    assert _state(w.resp_a) == before


def test_an_inactive_colleague_is_refused_by_name(w):
    with pytest.raises(InvalidInput) as refused:
        responsibility_assignees_set(
            responsibility_id=w.resp_a.pk, user_ids=[w.inactive.pk], actor=w.staff_a
        )

    assert str(refused.value.message) == (
        "“inactive_a”不是省甲厅在用的经办人或分管领导账号，不能指定为经办人。"
    )
    assert _state(w.resp_a) == ([], 1, 0)


def test_a_coordinator_account_of_the_agency_is_not_a_staff_member(w):
    desk = UserFactory(username="desk_a", agency=w.resp_a.agency, role=User.Role.COORDINATOR)

    with pytest.raises(InvalidInput):
        responsibility_assignees_set(
            responsibility_id=w.resp_a.pk, user_ids=[desk.pk], actor=w.staff_a
        )

    assert _state(w.resp_a) == ([], 1, 0)


def test_a_stale_version_is_refused(w):
    with pytest.raises(StaleObject):
        responsibility_assignees_set(
            responsibility_id=w.resp_a.pk,
            user_ids=[w.staff_a.pk],
            actor=w.staff_a,
            expected_version=7,
        )

    assert _state(w.resp_a) == ([], 1, 0)


def test_naming_the_same_people_again_writes_nothing(w):
    responsibility_assignees_set(
        responsibility_id=w.resp_a.pk, user_ids=[w.staff_a.pk], actor=w.staff_a
    )

    responsibility_assignees_set(
        responsibility_id=w.resp_a.pk, user_ids=[w.staff_a.pk, w.staff_a.pk], actor=w.staff_a
    )

    assert _state(w.resp_a) == ([w.staff_a.pk], 2, 1)


def test_an_empty_list_removes_everyone(w):
    w.resp_a.assignees.add(w.staff_a)

    responsibility_assignees_set(responsibility_id=w.resp_a.pk, user_ids=[], actor=w.leader_a)

    assert _state(w.resp_a) == ([], 2, 1)


def test_a_completed_item_keeps_its_staff(w):
    Responsibility.objects.filter(pk=w.resp_a.pk).update(status=S.COMPLETED)

    with pytest.raises(TransitionNotAllowed):
        responsibility_assignees_set(
            responsibility_id=w.resp_a.pk, user_ids=[w.staff_a.pk], actor=w.coordinator
        )

    assert _state(w.resp_a) == ([], 1, 0)


def test_reminders_reach_the_staff_named(w):
    responsibility_assignees_set(
        responsibility_id=w.resp_a.pk, user_ids=[w.leader_a.pk], actor=w.staff_a
    )

    reminders_send_now(responsibility_ids=[w.resp_a.pk], actor=w.coordinator)

    assert list(ReminderEntry.objects.values_list("recipient", "recipient_role")) == [
        (w.leader_a.email, RecipientRole.ASSIGNEE)
    ]


# --- The admin panel ------------------------------------------------------------------------------


def _page(client, user, responsibility) -> str:
    client.force_login(user)
    url = reverse("admin:tasks_app_responsibility_change", args=[responsibility.pk])
    return client.get(url).content.decode()


def test_the_panel_offers_the_agencys_active_staff_and_leaders(client, w):
    page = _page(client, w.coordinator, w.resp_a)

    assert 'id="duban-assignees-form"' in page
    assert f'value="{w.staff_a.pk}"' in page
    assert f'value="{w.leader_a.pk}"' in page
    assert f'value="{w.inactive.pk}"' not in page
    assert f'value="{w.staff_b.pk}"' not in page


def test_another_agency_on_the_task_sees_the_names_but_no_form(client, w):
    support = ResponsibilityFactory(task=w.task_a, agency=w.resp_b.agency, role="supporting")
    support.assignees.add(w.staff_b)

    page = _page(client, w.staff_a, support)

    assert 'id="duban-assignees-form"' not in page
    assert '<p class="duban-assignee-names">staff_b（经办人）</p>' in page


def test_staff_name_a_colleague_from_the_page(client, w):
    response, messages = _post(client, w.staff_a, w.resp_a, [w.staff_a.pk, w.leader_a.pk])

    assert response.status_code == 302
    assert messages == ["经办人已更新。"]
    assert _state(w.resp_a) == (sorted([w.staff_a.pk, w.leader_a.pk]), 2, 1)
    assert Event.objects.get().action == Action.ASSIGN_STAFF


def test_staff_of_another_agency_get_404_and_nothing_changes(client, w):
    response, _messages = _post(client, w.staff_b, w.resp_a, [w.staff_a.pk])

    assert response.status_code == 404
    assert _state(w.resp_a) == ([], 1, 0)


def test_the_page_refuses_a_user_of_another_agency(client, w):
    response, messages = _post(client, w.staff_a, w.resp_a, [w.staff_b.pk])

    assert response.status_code == 302
    assert messages == [
        f"编号为{w.staff_b.pk}的用户不是省甲厅在用的经办人或分管领导账号，不能指定为经办人。"
    ]
    assert _state(w.resp_a) == ([], 1, 0)


def test_the_page_refuses_a_stale_form(client, w):
    responsibility_assignees_set(
        responsibility_id=w.resp_a.pk, user_ids=[w.staff_a.pk], actor=w.leader_a
    )

    _response, messages = _post(client, w.staff_a, w.resp_a, [w.leader_a.pk], version=1)

    assert messages == ["该事项已被他人修改，请刷新页面后重试。"]
    assert _state(w.resp_a) == ([w.staff_a.pk], 2, 1)
