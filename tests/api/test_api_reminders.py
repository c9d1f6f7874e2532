"""Reminders over HTTP, as the admin does them: manual 催办, per-plan reminder rules (validated as
the admin's form validates them), the emails and resending the failed ones."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.test import RequestFactory

from tasks_app.api.concurrency import fingerprint_etag
from tasks_app.models import (
    Action,
    Event,
    ReminderDigest,
    ReminderEntry,
    ReminderKind,
    ReminderPolicy,
    ReminderSweep,
    Responsibility,
)
from tests.factories import ReminderContactFactory

pytestmark = pytest.mark.django_db
S = Responsibility.Status
Status = ReminderDigest.Status


def _post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", headers=headers)


def _patch(client, path, body, **headers):
    return client.patch(path, body, content_type="application/json", headers=headers)


def _ledger() -> tuple[int, int, int, int]:
    return (
        ReminderSweep.objects.count(),
        ReminderEntry.objects.count(),
        ReminderDigest.objects.count(),
        Event.objects.filter(action=Action.REMIND).count(),
    )


# --- Manual 催办 -------------------------------------------------------------------------------


def test_the_coordinator_reminds_the_agency_now_with_a_note(world):
    contact = ReminderContactFactory(agency=world.a, email="desk@a.example.org")

    response = _post(
        world.client("coordinator"),
        "/api/v1/reminders/send/",
        {"responsibilities": [world.resp_a.pk], "note": "请于本周内签收"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    entry = ReminderEntry.objects.get(kind=ReminderKind.MANUAL)
    digest = ReminderDigest.objects.get(recipient=contact.email)
    event = Event.objects.get(action=Action.REMIND)
    assert body == {
        "reminded": [world.resp_a.pk],
        "skipped_final": 0,
        "entries_created": 1,
        "emails": [digest.pk],
    }
    assert (entry.responsibility_id, entry.recipient, entry.note) == (
        world.resp_a.pk,
        contact.email,
        "请于本周内签收",
    )
    assert (event.responsibility_id, event.actor, event.reason) == (
        world.resp_a.pk,
        world.users["coordinator"],
        "请于本周内签收",
    )


def test_finished_items_are_skipped_and_counted(world):
    Responsibility.objects.filter(pk=world.resp_ab_lead.pk).update(status=S.COMPLETED)

    response = _post(
        world.client("administrator"),
        "/api/v1/reminders/send/",
        {"responsibilities": [world.resp_a.pk, world.resp_ab_lead.pk]},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["reminded"], response.json()["skipped_final"]) == ([world.resp_a.pk], 1)


@pytest.mark.parametrize("who", ["staff_a", "leader_a"])
def test_agency_people_may_not_remind_and_nothing_is_written(world, who):
    before = _ledger()

    response = _post(
        world.client(who), "/api/v1/reminders/send/", {"responsibilities": [world.resp_a.pk]}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert _ledger() == before


def test_items_of_another_coordinators_plan_are_refused_like_missing_ones(world):
    before = _ledger()

    response = _post(
        world.client("coordinator"),
        "/api/v1/reminders/send/",
        {"responsibilities": [world.resp_a.pk, world.resp_other.pk, 987654321]},
    )

    assert response.status_code == 400
    assert response.json()["field_errors"] == {
        "responsibilities": [f"不存在或不可见：{world.resp_other.pk}, 987654321"]
    }
    assert _ledger() == before


def test_only_finished_items_is_a_400_and_nothing_is_written(world):
    Responsibility.objects.filter(pk=world.resp_a.pk).update(status=S.SUSPENDED)
    before = _ledger()

    response = _post(
        world.client("coordinator"),
        "/api/v1/reminders/send/",
        {"responsibilities": [world.resp_a.pk]},
    )

    assert response.status_code == 400
    assert response.json()["message"] == "所选事项均已办结或中止，无需催办。"
    assert _ledger() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"responsibilities": []}, "responsibilities"),
        ({"responsibilities": ["x"]}, "responsibilities.0"),
        ({"responsibilities": [1], "note": "催" * 501}, "note"),
        ({}, "responsibilities"),
    ],
)
def test_invalid_manual_reminders_are_400_by_field(world, body, field):
    response = _post(world.client("coordinator"), "/api/v1/reminders/send/", body)

    assert response.status_code == 400
    assert field in response.json()["field_errors"]


def test_refusal_in_english_on_request(world):
    response = _post(
        world.client("staff_a"),
        "/api/v1/reminders/send/",
        {"responsibilities": [world.resp_a.pk]},
        **{"Accept-Language": "en"},
    )

    assert response.json()["message"] == "Only coordinators and administrators may use this."


# --- Per-plan rules ----------------------------------------------------------------------------


def _policy_path(policy) -> str:
    return f"/api/v1/reminder-policies/{policy.pk}/"


def _policy_state(policy):
    policy.refresh_from_db()
    return fingerprint_etag(policy), ReminderPolicy.objects.count(), LogEntry.objects.count()


def test_the_coordinator_sees_the_rules_of_their_plans_only(world):
    rows = world.client("coordinator").get("/api/v1/reminder-policies/").json()["results"]
    every = world.client("administrator").get("/api/v1/reminder-policies/").json()["results"]

    assert [(r["plan"], r["due_soon_offsets"]) for r in rows] == [(world.plan.pk, "10,3,1")]
    assert {r["plan"] for r in every} == {world.plan.pk, world.other_plan.pk}
    other = world.client("coordinator").get(_policy_path(world.other_policy))
    assert other.status_code == 404


def test_the_coordinator_sets_rules_for_a_plan_and_the_admin_history_shows_it(world):
    coordinator = world.users["coordinator"]

    response = _post(
        world.client("coordinator"),
        "/api/v1/reminder-policies/",
        {"plan": world.spare_plan.pk, "due_soon_offsets": "5，2", "overdue_every": 3},
    )

    assert response.status_code == 201, response.content
    policy = ReminderPolicy.objects.get(plan=world.spare_plan)
    assert (policy.enabled, policy.due_soon_offsets, policy.overdue_every) == (True, "5，2", 3)
    assert response["ETag"] == fingerprint_etag(policy)
    assert response.json()["plan_title"] == world.spare_plan.title
    log = LogEntry.objects.get(object_id=str(policy.pk))
    assert (log.user, log.action_flag) == (coordinator, ADDITION)


def test_updating_rules_needs_the_current_etag(world):
    client = world.client("coordinator")
    etag = client.get(_policy_path(world.policy))["ETag"]

    response = _patch(client, _policy_path(world.policy), {"enabled": False}, **{"If-Match": etag})

    assert response.status_code == 200, response.content
    world.policy.refresh_from_db()
    assert world.policy.enabled is False
    assert response["ETag"] == fingerprint_etag(world.policy) != etag
    log = LogEntry.objects.get(object_id=str(world.policy.pk))
    assert (log.action_flag, log.get_change_message()) == (CHANGE, "已修改启用自动催办。")


def test_rules_move_only_to_another_plan_the_coordinator_coordinates(world):
    client = world.client("coordinator")
    etag = {"If-Match": fingerprint_etag(world.policy)}

    refused = _patch(client, _policy_path(world.policy), {"plan": world.other_plan.pk}, **etag)
    moved = _patch(client, _policy_path(world.policy), {"plan": world.spare_plan.pk}, **etag)

    assert (refused.status_code, moved.status_code) == (400, 200)
    assert list(refused.json()["field_errors"]) == ["plan"]
    world.policy.refresh_from_db()
    assert world.policy.plan == world.spare_plan


def test_a_stale_etag_is_412_and_nothing_changes(world):
    client = world.client("coordinator")
    etag = client.get(_policy_path(world.policy))["ETag"]
    ReminderPolicy.objects.filter(pk=world.policy.pk).update(overdue_every=7)  # someone else
    before = _policy_state(world.policy)

    response = _patch(client, _policy_path(world.policy), {"enabled": False}, **{"If-Match": etag})
    deleted = client.delete(_policy_path(world.policy), headers={"If-Match": etag})

    assert (response.status_code, deleted.status_code) == (412, 412)
    assert response.json()["code"] == "stale"
    assert _policy_state(world.policy) == before


def test_updating_rules_without_if_match_is_428(world):
    response = _patch(world.client("coordinator"), _policy_path(world.policy), {"enabled": False})

    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"


def test_deleting_rules_returns_the_plan_to_the_defaults(world):
    client = world.client("coordinator")
    etag = client.get(_policy_path(world.policy))["ETag"]

    response = client.delete(_policy_path(world.policy), headers={"If-Match": etag})

    assert response.status_code == 204
    assert not ReminderPolicy.objects.filter(pk=world.policy.pk).exists()
    assert LogEntry.objects.get(object_id=str(world.policy.pk)).action_flag == DELETION


@pytest.mark.parametrize("who", ["staff_a", "leader_a", "staff_b"])
def test_agency_people_may_not_touch_the_rules(world, who):
    before = _policy_state(world.policy)
    client = world.client(who)
    etag = {"If-Match": fingerprint_etag(world.policy)}

    statuses = [
        client.get("/api/v1/reminder-policies/").status_code,
        _post(client, "/api/v1/reminder-policies/", {"plan": world.spare_plan.pk}).status_code,
        _patch(client, _policy_path(world.policy), {"enabled": False}, **etag).status_code,
        client.delete(_policy_path(world.policy), headers=etag).status_code,
    ]

    assert statuses == [403, 403, 403, 403]
    assert _policy_state(world.policy) == before


@pytest.mark.parametrize(
    "body, field, message",
    [
        (
            {"due_soon_offsets": "10,x"},
            "due_soon_offsets",
            "请填写以逗号分隔的工作日数，例如 10,3,1。",
        ),
        ({"report_due_offsets": "300"}, "report_due_offsets", "工作日数须在 1 到 250 之间。"),
        ({"overdue_every": 0}, "overdue_every", None),
        ({"escalate_after_reminders": 51}, "escalate_after_reminders", None),
        ({"accept_within": "soon"}, "accept_within", None),
        ({"plan": 987654321}, "plan", "该方案不存在或不可见。"),
    ],
)
def test_invalid_rules_are_400_by_field_and_nothing_changes(world, body, field, message):
    client = world.client("coordinator")
    before = _policy_state(world.policy)

    created = _post(client, "/api/v1/reminder-policies/", {"plan": world.spare_plan.pk, **body})
    updated = _patch(
        client,
        _policy_path(world.policy),
        body,
        **{"If-Match": fingerprint_etag(world.policy)},
    )

    for response in (created, updated):
        assert response.status_code == 400, response.content
        problems = response.json()["field_errors"][field]
        assert message is None or problems == [message]
    assert _policy_state(world.policy) == before


def test_one_set_of_rules_per_plan_and_only_for_ones_own_plans(world):
    client = world.client("coordinator")

    duplicate = _post(client, "/api/v1/reminder-policies/", {"plan": world.plan.pk})
    foreign = _post(client, "/api/v1/reminder-policies/", {"plan": world.other_plan.pk})

    assert duplicate.status_code == foreign.status_code == 400
    assert duplicate.json()["field_errors"] == {"plan": ["具有 规划方案 的 催办规则 已存在。"]}
    assert foreign.json()["field_errors"] == {"plan": ["该方案不存在或不可见。"]}
    assert ReminderPolicy.objects.count() == 2


POLICY_INPUTS = [
    {"due_soon_offsets": "10,3,1"},
    {"due_soon_offsets": "10，3，1"},
    {"due_soon_offsets": ""},
    {"due_soon_offsets": "0"},
    {"due_soon_offsets": "251"},
    {"due_soon_offsets": "1,a"},
    {"due_soon_offsets": "1," * 30 + "1"},
    {"report_due_offsets": "3"},
    {"overdue_every": 1},
    {"overdue_every": 60},
    {"overdue_every": 61},
    {"accept_within": 0},
    {"accept_every": 60},
    {"escalate_after_overdue": 250},
    {"escalate_after_overdue": 251},
    {"escalate_after_reminders": 50},
    {"escalate_after_reminders": 51},
    {"plan": "other"},
    {"plan": "plan"},
]


@pytest.mark.parametrize("values", POLICY_INPUTS)
def test_the_api_accepts_exactly_what_the_admin_form_accepts(world, values):
    """The admin's own form for the coordinator (plans_visible_to as the plan choices) and the API
    agree on every input, and name the same fields."""
    coordinator = world.users["coordinator"]
    plans = {"other": world.other_plan.pk, "plan": world.plan.pk}
    values = {k: plans.get(v, v) if k == "plan" else v for k, v in values.items()}
    request = RequestFactory().get("/")
    request.user = coordinator
    form_class = admin.site._registry[ReminderPolicy].get_form(request)
    data = {"plan": world.spare_plan.pk, "enabled": "on", **values}
    form = form_class(data={k: "" if v is None else v for k, v in data.items()})
    valid, fields = form.is_valid(), set(form.errors)  # before the API saves anything

    response = _post(
        world.client("coordinator"), "/api/v1/reminder-policies/", {"enabled": True, **data}
    )

    assert (response.status_code == 201) == valid, response.content
    if not valid:
        assert set(response.json()["field_errors"]) == fields


# --- The emails --------------------------------------------------------------------------------


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_each_sees_the_emails_whose_every_item_they_may_see(world):
    a, b = world.digest_a.pk, world.digest_b.pk

    assert _ids(world.client("staff_a").get("/api/v1/reminder-emails/")) == [a]
    assert _ids(world.client("staff_b").get("/api/v1/reminder-emails/")) == [b]
    assert _ids(world.client("coordinator").get("/api/v1/reminder-emails/")) == [b, a]


def test_the_email_list_filters_by_status_and_text(world):
    client = world.client("coordinator")
    ReminderDigest.objects.filter(pk=world.digest_b.pk).update(status=Status.CANCELLED)

    failed = _ids(client.get("/api/v1/reminder-emails/", {"status": "failed"}))
    found = _ids(client.get("/api/v1/reminder-emails/", {"q": "甲厅"}))

    assert failed == found == [world.digest_a.pk]


def test_an_email_shows_its_reminders_and_every_attempt(world):
    body = world.client("staff_a").get(f"/api/v1/reminder-emails/{world.digest_a.pk}/").json()

    assert (body["status"], body["item_count"], body["last_error"]) == (
        "failed",
        1,
        "550 mailbox unavailable",
    )
    assert [e["id"] for e in body["entries"]] == [world.reminder_a.pk]
    assert [(a["number"], a["outcome"], a["smtp_code"]) for a in body["delivery_attempts"]] == [
        (1, "permanent", 550)
    ]


def test_the_coordinator_resends_failed_emails_only(world):
    ReminderDigest.objects.filter(pk=world.digest_b.pk).update(status=Status.CANCELLED)

    response = _post(
        world.client("coordinator"),
        "/api/v1/reminder-emails/resend/",
        {"emails": [world.digest_a.pk, world.digest_b.pk]},
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"requeued": 1, "skipped": 1}
    statuses = dict(ReminderDigest.objects.values_list("pk", "status"))
    assert statuses == {world.digest_a.pk: Status.PENDING, world.digest_b.pk: Status.CANCELLED}


@pytest.mark.parametrize("who", ["staff_a", "leader_a"])
def test_agency_people_may_not_resend(world, who):
    response = _post(
        world.client(who), "/api/v1/reminder-emails/resend/", {"emails": [world.digest_a.pk]}
    )

    assert response.status_code == 403
    world.digest_a.refresh_from_db()
    assert world.digest_a.status == Status.FAILED


def test_resending_an_email_one_may_not_see_is_400_and_nothing_is_requeued(world):
    ReminderDigest.objects.filter(pk=world.digest_b.pk).update(
        sweep=ReminderSweep.objects.create(day=world.today, trigger="command")
    )  # b's email now carries nothing: visible to administrators only

    response = _post(
        world.client("coordinator"),
        "/api/v1/reminder-emails/resend/",
        {"emails": [world.digest_a.pk, world.digest_b.pk]},
    )

    assert response.status_code == 400
    assert list(response.json()["field_errors"]) == ["emails"]
    assert set(ReminderDigest.objects.values_list("status", flat=True)) == {Status.FAILED}


def test_unknown_ids_in_english_on_request(world):
    response = _post(
        world.client("coordinator"),
        "/api/v1/reminder-emails/resend/",
        {"emails": [987654321]},
        **{"Accept-Language": "en"},
    )

    assert response.json()["field_errors"] == {"emails": ["Not found or not visible: 987654321"]}
