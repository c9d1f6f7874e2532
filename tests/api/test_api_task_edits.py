"""Task edits over HTTP: PATCH tasks/{id}/ runs the admin's task_update (a 修改任务 event), with
the task's ETag in If-Match; a stale or missing one, bad input or the wrong caller change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from tasks_app.api.concurrency import fingerprint_etag
from tasks_app.models import Action, Event, Task
from tasks_app.services.tasks import task_update

pytestmark = pytest.mark.django_db


def _path(world) -> str:
    return f"/api/v1/tasks/{world.task_a.pk}/"


def _patch(client, path, body, **headers):
    return client.patch(path, body, content_type="application/json", headers=headers)


def _state(world):
    task = Task.objects.get(pk=world.task_a.pk)
    return task.title, task.due_on, Event.objects.filter(action=Action.CHANGE_TASK).count()


def test_the_coordinator_edits_a_task_with_its_etag(world):
    client = world.client("coordinator")
    etag = client.get(_path(world))["ETag"]

    response = _patch(
        client,
        _path(world),
        {"title": "甲厅牵头任务（修订）", "due_on": "2027-06-30", "reason": "按新文件"},
        **{"If-Match": etag},
    )

    assert response.status_code == 200, response.content
    assert response.json()["title"] == "甲厅牵头任务（修订）"
    assert response["ETag"] != etag
    assert _state(world)[:2] == ("甲厅牵头任务（修订）", dt.date(2027, 6, 30))
    event = Event.objects.get(action=Action.CHANGE_TASK)
    assert (event.actor, event.reason) == (world.users["coordinator"], "按新文件")
    assert set(event.data["changes"]) == {"title", "due_on"}


def test_a_task_changed_since_the_client_read_it_is_412_and_unchanged(world):
    client = world.client("coordinator")
    etag = client.get(_path(world))["ETag"]
    task_update(
        task_id=world.task_a.pk, actor=world.users["coordinator"], changes={"text": "别人改过"}
    )
    before = _state(world)

    response = _patch(client, _path(world), {"title": "后到的修改"}, **{"If-Match": etag})

    assert response.status_code == 412
    assert response.json()["code"] == "stale"
    assert _state(world) == before


def test_without_if_match_it_is_428(world):
    before = _state(world)

    response = _patch(world.client("coordinator"), _path(world), {"title": "没有 If-Match"})

    assert response.status_code == 428
    assert _state(world) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [({"title": ""}, "title"), ({"plan": 1}, "plan"), ({"due_on": "2027-13-01"}, "due_on")],
)
def test_bad_input_is_400_with_the_field_and_nothing_changes(world, body, field):
    client = world.client("coordinator")
    etag = fingerprint_etag(Task.objects.get(pk=world.task_a.pk))
    before = _state(world)

    response = _patch(client, _path(world), body, **{"If-Match": etag})

    assert response.status_code == 400, response.content
    assert field in response.json()["field_errors"]
    assert _state(world) == before


def test_agency_staff_may_not_edit_a_task(world):
    client = world.client("staff_a")
    etag = client.get(_path(world))["ETag"]
    before = _state(world)

    response = _patch(client, _path(world), {"title": "经办人改标题"}, **{"If-Match": etag})

    assert response.status_code == 403
    assert _state(world) == before
