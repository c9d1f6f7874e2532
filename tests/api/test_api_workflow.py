"""Workflow actions over HTTP: transitions by action or target state, optimistic concurrency
(ETag / If-Match), errors in one shape and in the requested language."""

from __future__ import annotations

import pytest

from tasks_app.models import Event, Plan, Responsibility

pytestmark = pytest.mark.django_db
S = Responsibility.Status


def _post(client, path, body, if_match=None, **headers):
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.post(path, body, content_type="application/json", headers=headers)


def _snapshot(responsibility):
    responsibility.refresh_from_db()
    return responsibility.status, responsibility.version, Event.objects.count()


def test_detail_carries_etag_of_id_and_version(world):
    response = world.client("staff_a").get(f"/api/v1/responsibilities/{world.resp_a.pk}/")

    assert response["ETag"] == f'"{world.resp_a.pk}.1"'
    assert response.json()["version"] == 1
    assert response.json()["actions"] == ["accept"]


def test_accept_by_action_moves_the_responsibility_and_returns_the_new_etag(world):
    path = f"/api/v1/responsibilities/{world.resp_a.pk}/transitions/"

    response = _post(world.client("staff_a"), path, {"action": "accept"}, f'"{world.resp_a.pk}.1"')

    assert response.status_code == 200
    assert response.json()["status"] == S.IN_PROGRESS
    assert response["ETag"] == f'"{world.resp_a.pk}.2"'
    assert Event.objects.filter(responsibility=world.resp_a, action="accept").count() == 1


def test_transition_by_target_state(world):
    path = f"/api/v1/responsibilities/{world.resp_a.pk}/transitions/"

    response = _post(world.client("staff_a"), path, {"to": "in_progress"}, f'"{world.resp_a.pk}.1"')

    assert response.status_code == 200
    assert response.json()["status"] == S.IN_PROGRESS


def test_target_state_the_service_would_not_reach_is_refused_and_rolled_back(world):
    """With leader approval required, staff asking for completion goes to the leader first: asking
    for "completion_requested" directly is refused and nothing changes."""
    Plan.objects.filter(pk=world.plan.pk).update(leader_approval_required=True)
    before = _snapshot(world.resp_ab_lead)
    path = f"/api/v1/responsibilities/{world.resp_ab_lead.pk}/transitions/"

    response = _post(
        world.client("staff_a"),
        path,
        {"to": "completion_requested"},
        f'"{world.resp_ab_lead.pk}.1"',
    )

    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert _snapshot(world.resp_ab_lead) == before


def test_illegal_transition_is_409_with_code_and_chinese_message(world):
    before = _snapshot(world.resp_a)
    path = f"/api/v1/responsibilities/{world.resp_a.pk}/transitions/"

    response = _post(
        world.client("staff_a"), path, {"action": "request_completion"}, f'"{world.resp_a.pk}.1"'
    )

    assert response.status_code == 409
    assert response.json() == {
        "code": "transition_not_allowed",
        "message": "当前状态为“待签收”，不能执行“申请办结”。",
        "field_errors": {},
    }
    assert _snapshot(world.resp_a) == before


def test_illegal_transition_message_in_english_on_request(world):
    path = f"/api/v1/responsibilities/{world.resp_a.pk}/transitions/"

    response = _post(
        world.client("staff_a"),
        path,
        {"action": "request_completion"},
        f'"{world.resp_a.pk}.1"',
        **{"Accept-Language": "en"},
    )

    assert response.status_code == 409
    assert response.json()["message"] == (
        "The status is “Awaiting acceptance”; “Request completion” is not possible."
    )


def test_stale_if_match_is_412_and_changes_nothing(world):
    client = world.client("staff_a")
    path = f"/api/v1/responsibilities/{world.resp_a.pk}/transitions/"
    stale = f'"{world.resp_a.pk}.1"'
    assert _post(client, path, {"action": "accept"}, stale).status_code == 200
    before = _snapshot(world.resp_a)

    response = _post(client, path, {"action": "suspend", "reason": "x"}, stale)

    assert response.status_code == 412
    assert response.json()["code"] == "stale"
    assert _snapshot(world.resp_a) == before


@pytest.mark.parametrize("header", [None, "*", '"999999.1"', '"abc"', '"1.2", "1.3"'])
def test_missing_or_foreign_if_match_is_refused(world, header):
    before = _snapshot(world.resp_a)
    path = f"/api/v1/responsibilities/{world.resp_a.pk}/transitions/"

    response = _post(world.client("staff_a"), path, {"action": "accept"}, header)

    assert response.status_code == (428 if header in (None, "*") else 412)
    assert _snapshot(world.resp_a) == before


def test_reason_required_is_400_with_field_errors(world):
    path = f"/api/v1/completion-requests/{world.completion_a.pk}/decision/"

    response = _post(
        world.client("coordinator"), path, {"approve": False}, f'"{world.completion_a.pk}.1"'
    )

    assert response.status_code == 400
    assert response.json()["field_errors"] == {"reason": ["请填写理由。"]}


def test_invalid_body_is_400_with_field_errors(world):
    path = f"/api/v1/responsibilities/{world.resp_a.pk}/deadline/"

    response = _post(
        world.client("coordinator"), path, {"due_on": "not a date"}, f'"{world.resp_a.pk}.1"'
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["field_errors"]) == ["due_on"]


def test_extension_decision_needs_the_pending_etag(world):
    path = f"/api/v1/extension-requests/{world.extension_a.pk}/decision/"
    client = world.client("coordinator")

    stale = _post(client, path, {"approve": True}, f'"{world.extension_a.pk}.approved"')
    decided = _post(client, path, {"approve": True}, f'"{world.extension_a.pk}.pending"')
    again = _post(
        client, path, {"approve": False, "reason": "x"}, f'"{world.extension_a.pk}.pending"'
    )

    assert (stale.status_code, decided.status_code, again.status_code) == (412, 200, 412)
    world.resp_ab_lead.refresh_from_db()
    assert world.resp_ab_lead.due_on == world.extension_a.requested_due_on


def test_coordinator_of_another_plan_gets_404_not_403(world):
    path = f"/api/v1/responsibilities/{world.resp_other.pk}/"

    assert world.client("coordinator").get(path).status_code == 404
    assert world.client("staff_a").get(path).status_code == 200
