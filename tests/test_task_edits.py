"""Editing a task (title, text, kind, deadline) goes through services.tasks.task_update: the plan's
coordinator only, validated, and recorded as one CHANGE_TASK event in the same transaction."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tasks_app.errors import InvalidInput, PermissionDenied, StaleObject
from tasks_app.fingerprint import fingerprint
from tasks_app.models import Action, Event, Responsibility, Task
from tasks_app.services.tasks import task_update
from tests.factories import admin_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return admin_world()


def _form(task: Task, **changes) -> dict:
    data = {
        "title": task.title,
        "text": task.text,
        "kind": task.kind,
        "due_on": task.due_on.isoformat() if task.due_on else "",
        "change_reason": "",
        "seen": fingerprint(task),
    }
    for prefix, count in (("responsibilities", task.responsibilities.count()), ("targets", 1)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(count),
                f"{prefix}-INITIAL_FORMS": str(count),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(changes)
    return data


def _post(client, user, task, data):
    client.force_login(user)
    response = client.post(reverse("admin:tasks_app_task_change", args=[task.pk]), data)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    client.cookies.pop("messages", None)
    return response, messages


def _snapshot(task: Task):
    task.refresh_from_db()
    return task.title, task.text, task.kind, task.due_on, Event.objects.count()


# --- The admin --------------------------------------------------------------------------------


def test_coordinator_edits_title_and_deadline_and_one_event_records_both(client, w):
    data = _form(
        w.task_a, title="甲厅牵头的任务（修订）", due_on="2027-06-30", change_reason="按新文件"
    )

    response, _messages = _post(client, w.coordinator, w.task_a, data)

    w.task_a.refresh_from_db()
    assert response.status_code == 302
    assert (w.task_a.title, w.task_a.due_on) == ("甲厅牵头的任务（修订）", dt.date(2027, 6, 30))
    event = Event.objects.get()
    assert (event.action, event.actor, event.plan, event.task, event.responsibility) == (
        Action.CHANGE_TASK,
        w.coordinator,
        w.plan,
        w.task_a,
        None,
    )
    assert event.reason == "按新文件"
    assert event.data == {
        "changes": {
            "title": {"from": "甲厅牵头的任务", "to": "甲厅牵头的任务（修订）"},
            "due_on": {"from": "2026-12-31", "to": "2027-06-30"},
        }
    }


def test_a_task_deadline_does_not_move_the_agencies_deadlines(client, w):
    _post(client, w.coordinator, w.task_a, _form(w.task_a, due_on="2027-06-30"))

    w.resp_a.refresh_from_db()
    assert (w.resp_a.due_on, w.resp_a.original_due_on, w.resp_a.version) == (
        dt.date(2026, 12, 31),
        dt.date(2026, 12, 31),
        1,
    )


def test_the_tasks_history_page_shows_the_change(client, w):
    _post(client, w.coordinator, w.task_a, _form(w.task_a, due_on="2027-06-30"))

    response = client.get(reverse("admin:tasks_app_task_history", args=[w.task_a.pk]))

    assert [e.action for e in response.context["duban_events"]] == [Action.CHANGE_TASK]
    page = response.content.decode()
    assert "修改任务" in page
    assert "完成时限：2026-12-31 → 2027-06-30" in page


def test_the_agencies_on_the_task_see_the_change_in_their_history_too(client, w):
    _post(client, w.coordinator, w.task_a, _form(w.task_a, title="新标题"))
    client.force_login(w.staff_a)

    response = client.get(reverse("admin:tasks_app_task_history", args=[w.task_a.pk]))

    assert [e.action for e in response.context["duban_events"]] == [Action.CHANGE_TASK]


def test_staff_cannot_edit_a_task(client, w):
    before = _snapshot(w.task_a)

    response, _messages = _post(client, w.staff_a, w.task_a, _form(w.task_a, title="改掉"))

    assert response.status_code == 403
    assert _snapshot(w.task_a) == before


def test_an_invalid_date_is_refused_and_nothing_is_written(client, w):
    before = _snapshot(w.task_a)
    data = _form(w.task_a, title="新标题", due_on="2027-02-30")

    response, _messages = _post(client, w.coordinator, w.task_a, data)

    assert response.status_code == 200
    assert "due_on" in response.context["adminform"].form.errors
    assert _snapshot(w.task_a) == before


def test_saving_without_changes_writes_no_event(client, w):
    response, _messages = _post(client, w.coordinator, w.task_a, _form(w.task_a))

    assert response.status_code == 302
    assert Event.objects.count() == 0


def test_an_administrator_moves_a_task_and_only_the_wording_is_an_event(client, w):
    data = _form(w.task_a, title="新标题", plan=w.plan.pk, ref=w.task_a.ref, number="9", order="1")

    response, _messages = _post(client, w.admin, w.task_a, data)

    w.task_a.refresh_from_db()
    assert response.status_code == 302
    assert (w.task_a.title, w.task_a.number) == ("新标题", "9")
    assert Event.objects.get().data == {
        "changes": {"title": {"from": "甲厅牵头的任务", "to": "新标题"}}
    }


# --- The service ------------------------------------------------------------------------------


def test_a_blank_title_is_refused_and_nothing_is_written(w):
    before = _snapshot(w.task_a)

    with pytest.raises(InvalidInput) as refused:
        task_update(
            task_id=w.task_a.pk,
            actor=w.coordinator,
            changes={"title": "   ", "due_on": dt.date(2027, 6, 30)},
        )

    assert str(refused.value.message) == "标题：此字段不能为空。"
    assert set(refused.value.field_errors) == {"title"}
    assert _snapshot(w.task_a) == before


@pytest.mark.parametrize("who", ["staff_a", "leader_a", "other_coordinator"])
def test_only_the_plans_coordinator_may_edit(w, who):
    before = _snapshot(w.task_a)

    with pytest.raises(PermissionDenied):
        task_update(task_id=w.task_a.pk, actor=getattr(w, who), changes={"title": "改掉"})

    assert _snapshot(w.task_a) == before


def test_other_fields_are_not_editable_here(w):
    with pytest.raises(InvalidInput) as refused:
        task_update(task_id=w.task_a.pk, actor=w.coordinator, changes={"ref": "x", "order": 3})

    assert str(refused.value.message) == "不能修改这些字段：order、ref"
    assert Event.objects.count() == 0


def test_clearing_the_deadline_is_recorded(w):
    task_update(task_id=w.task_a.pk, actor=w.coordinator, changes={"due_on": None})

    assert Event.objects.get().data == {"changes": {"due_on": {"from": "2026-12-31", "to": None}}}
    assert Responsibility.objects.get(pk=w.resp_a.pk).due_on == dt.date(2026, 12, 31)


def test_staff_see_the_task_without_the_edit_reason_field(client, w):
    client.force_login(w.staff_a)

    response = client.get(reverse("admin:tasks_app_task_change", args=[w.task_a.pk]))

    assert response.status_code == 200
    assert "修改说明" not in response.content.decode()


# --- Two editors at once ----------------------------------------------------------------------


def _seen_on_page(client, user, task) -> str:
    client.force_login(user)
    html = client.get(reverse("admin:tasks_app_task_change", args=[task.pk])).content.decode()
    match = re.search(r'name="seen" value="([0-9a-f]{16})"', html)
    assert match, "the change page carries the task's fingerprint"
    return match.group(1)


def test_a_form_loaded_before_someone_elses_edit_is_refused_and_overwrites_nothing(client, w):
    seen = _seen_on_page(client, w.coordinator, w.task_a)
    loaded = _form(w.task_a)  # what the first editor's page holds
    task_update(task_id=w.task_a.pk, actor=w.admin, changes={"title": "管理员改过的标题"})
    before = _snapshot(w.task_a)

    # The first editor only moves the deadline; their page still shows the old title.
    response, _messages = _post(
        client, w.coordinator, w.task_a, {**loaded, "seen": seen, "due_on": "2027-06-30"}
    )

    assert response.status_code == 200  # the form again, with the user's input kept
    assert "该事项已被他人修改，请刷新页面后重试。" in response.content.decode()
    assert _snapshot(w.task_a) == before
    assert w.task_a.title == "管理员改过的标题"


def test_a_form_loaded_after_the_edit_saves(client, w):
    task_update(task_id=w.task_a.pk, actor=w.admin, changes={"title": "管理员改过的标题"})
    w.task_a.refresh_from_db()
    seen = _seen_on_page(client, w.coordinator, w.task_a)

    response, _messages = _post(
        client, w.coordinator, w.task_a, _form(w.task_a, seen=seen, due_on="2027-06-30")
    )

    w.task_a.refresh_from_db()
    assert response.status_code == 302
    assert (w.task_a.title, w.task_a.due_on) == ("管理员改过的标题", dt.date(2027, 6, 30))


def test_the_service_refuses_a_stale_fingerprint_under_the_lock(w):
    """The race the form cannot see: the task changes between the form's check and the save."""
    seen = fingerprint(Task.objects.get(pk=w.task_a.pk))
    task_update(task_id=w.task_a.pk, actor=w.admin, changes={"text": "别人先改了内容"})
    before = _snapshot(w.task_a)

    with pytest.raises(StaleObject):
        task_update(
            task_id=w.task_a.pk, actor=w.coordinator, changes={"title": "后到的修改"}, seen=seen
        )

    assert _snapshot(w.task_a) == before
