"""POST /responsibilities/{id}/assignees/ (naming the staff who handle an item) and
GET …/assignable-users/ (whom one may name) over HTTP."""

from __future__ import annotations

import pytest

from agencies.models import User
from tasks_app.models import Action, Event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _post(world, who, responsibility, user_ids, if_match=None):
    headers = {} if if_match is None else {"If-Match": if_match}
    return world.client(who).post(
        f"/api/v1/responsibilities/{responsibility.pk}/assignees/",
        {"user_ids": user_ids},
        content_type="application/json",
        headers=headers,
    )


def _state(responsibility):
    responsibility.refresh_from_db()
    return (
        sorted(responsibility.assignees.values_list("pk", flat=True)),
        responsibility.version,
        Event.objects.count(),
    )


def test_staff_name_colleagues_and_get_the_new_etag(world):
    staff, leader = world.users["staff_a"], world.users["leader_a"]
    events = Event.objects.count()

    response = _post(
        world, "staff_a", world.resp_a, [leader.pk, staff.pk], f'"{world.resp_a.pk}.1"'
    )

    assert response.status_code == 200
    assert response["ETag"] == f'"{world.resp_a.pk}.2"'
    assert response.json()["assignees"] == [  # by name
        {"id": leader.pk, "name": "leader_a"},
        {"id": staff.pk, "name": "staff_a"},
    ]
    assert _state(world.resp_a) == (sorted([staff.pk, leader.pk]), 2, events + 1)
    event = Event.objects.get(action=Action.ASSIGN_STAFF)
    assert (event.actor, event.responsibility) == (staff, world.resp_a)


def test_the_coordinator_may_name_the_agencys_staff(world):
    staff = world.users["staff_a"]

    response = _post(world, "coordinator", world.resp_a, [staff.pk], f'"{world.resp_a.pk}.1"')

    assert response.status_code == 200
    assert [a["id"] for a in response.json()["assignees"]] == [staff.pk]


def test_staff_of_another_agency_get_404_and_nothing_changes(world):
    before = _state(world.resp_a)

    response = _post(
        world, "staff_b", world.resp_a, [world.users["staff_b"].pk], f'"{world.resp_a.pk}.1"'
    )

    assert response.status_code == 404
    assert _state(world.resp_a) == before


def test_the_lead_agency_sees_a_supporting_item_but_may_not_name_its_staff(world):
    before = _state(world.resp_ab_support)
    etag = f'"{world.resp_ab_support.pk}.1"'

    response = _post(world, "staff_a", world.resp_ab_support, [world.users["staff_b"].pk], etag)

    assert response.status_code == 403
    assert _state(world.resp_ab_support) == before


def test_a_user_of_another_agency_is_refused_with_the_reason(world):
    before = _state(world.resp_a)
    outsider = world.users["staff_b"]

    response = _post(world, "staff_a", world.resp_a, [outsider.pk], f'"{world.resp_a.pk}.1"')

    message = f"编号为{outsider.pk}的用户不是省甲厅在用的经办人或分管领导账号，不能指定为经办人。"
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": message,
        "field_errors": {"user_ids": [message]},
    }
    assert _state(world.resp_a) == before


def test_if_match_is_required_and_checked(world):
    before = _state(world.resp_a)
    staff = world.users["staff_a"].pk

    missing = _post(world, "staff_a", world.resp_a, [staff])
    stale = _post(world, "staff_a", world.resp_a, [staff], f'"{world.resp_a.pk}.9"')

    assert (missing.status_code, stale.status_code) == (428, 412)
    assert _state(world.resp_a) == before


def test_the_list_shows_each_items_assignees(world):
    world.resp_a.assignees.add(world.users["leader_a"])

    response = world.client("staff_a").get("/api/v1/responsibilities/")

    shown = {r["id"]: r["assignees"] for r in response.json()["results"]}
    assert shown[world.resp_a.pk] == [{"id": world.users["leader_a"].pk, "name": "leader_a"}]
    assert shown[world.resp_ab_lead.pk] == []


# --- GET /responsibilities/{id}/assignable-users/ ------------------------------------------------


def _assignable(world, who, responsibility):
    return world.client(who).get(f"/api/v1/responsibilities/{responsibility.pk}/assignable-users/")


def test_the_agencys_active_staff_then_leaders_by_name(world):
    """Whom the service accepts: A's active staff and leaders (not A's inactive people, not the
    coordinator, nobody of B), staff first, family name first."""
    named = UserFactory(
        username="wxm", agency=world.a, role=User.Role.STAFF, last_name="王", first_name="小明"
    )
    UserFactory(username="gone", agency=world.a, role=User.Role.STAFF, is_active=False)
    UserFactory(username="b_leader", agency=world.b, role=User.Role.LEADER)
    users = world.users

    response = _assignable(world, "staff_a", world.resp_a)

    assert response.status_code == 200
    assert response.json() == [
        {"id": users["revoked"].pk, "username": "revoked", "name": "revoked", "role": "staff"},
        {"id": users["staff_a"].pk, "username": "staff_a", "name": "staff_a", "role": "staff"},
        {"id": named.pk, "username": "wxm", "name": "王小明", "role": "staff"},
        {"id": users["leader_a"].pk, "username": "leader_a", "name": "leader_a", "role": "leader"},
    ]


def test_the_listed_users_are_the_ones_the_assignees_post_accepts(world):
    listed = [u["id"] for u in _assignable(world, "coordinator", world.resp_a).json()]

    response = _post(world, "coordinator", world.resp_a, listed, f'"{world.resp_a.pk}.1"')

    assert response.status_code == 200
    assert sorted(a["id"] for a in response.json()["assignees"]) == sorted(listed)


def test_refused_as_the_assignees_post_refuses(world):
    """404 where the item is not visible; 403 where it is but the caller may not name its people
    (A leads the task B supports): B's people are never listed to A."""
    hidden = _assignable(world, "staff_b", world.resp_a)
    not_theirs = _assignable(world, "staff_a", world.resp_ab_support)
    post = _post(world, "staff_a", world.resp_ab_support, [], f'"{world.resp_ab_support.pk}.1"')

    assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")
    assert (not_theirs.status_code, not_theirs.json()["code"]) == (403, "permission_denied")
    assert post.status_code == 403
    assert "staff_b" not in not_theirs.content.decode()
