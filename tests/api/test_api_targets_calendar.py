"""Target edits (services.targets.target_update, a CHANGE_TARGET event) and the working-day calendar
(administrators write, with the admin form's checks) over HTTP, with ETag / If-Match."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, DELETION, LogEntry

from tasks_app.admin.calendar import WorkingDayExceptionForm
from tasks_app.api.concurrency import fingerprint_etag
from tasks_app.models import Action, Event, Target, WorkingDayException

pytestmark = pytest.mark.django_db


def _patch(client, path, body, **headers):
    return client.patch(path, body, content_type="application/json", headers=headers)


def _post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", headers=headers)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- Targets -----------------------------------------------------------------------------------


def _target_path(world) -> str:
    return f"/api/v1/targets/{world.target_a.pk}/"


def _target_state(world):
    target = Target.objects.get(pk=world.target_a.pk)
    return fingerprint_etag(target), Event.objects.filter(action=Action.CHANGE_TARGET).count()


def test_targets_are_listed_as_the_caller_may_see_them(world):
    a, b = world.target_a.pk, world.target_b.pk

    assert _ids(world.client("staff_a").get("/api/v1/targets/")) == [a]
    assert _ids(world.client("staff_b").get("/api/v1/targets/")) == [b]
    assert _ids(world.client("coordinator").get("/api/v1/targets/", {"plan": world.plan.pk})) == [
        a,
        b,
    ]
    assert _ids(world.client("coordinator").get("/api/v1/targets/", {"task": world.task_b.pk})) == [
        b
    ]
    assert _ids(world.client("coordinator").get("/api/v1/targets/", {"year": 1999})) == []


def test_the_coordinator_edits_a_target_and_the_audit_trail_has_it(world):
    client = world.client("coordinator")
    etag = client.get(_target_path(world))["ETag"]

    response = _patch(
        client,
        _target_path(world),
        {"quantity": "25", "items": ["南京中心", "苏州中心"]},
        **{"If-Match": etag},
    )

    assert response.status_code == 200, response.content
    target = Target.objects.get(pk=world.target_a.pk)
    assert (target.quantity, target.items) == (Decimal("25"), ["南京中心", "苏州中心"])
    assert response.json()["quantity"] == "25.0000"
    assert response["ETag"] == fingerprint_etag(target) != etag
    event = Event.objects.get(action=Action.CHANGE_TARGET)
    assert (event.actor, event.task_id) == (world.users["coordinator"], world.task_a.pk)
    assert event.data["changes"]["quantity"] == {"from": "20", "to": "25"}


def test_a_stale_etag_is_412_and_nothing_changes(world):
    client = world.client("coordinator")
    etag = client.get(_target_path(world))["ETag"]
    Target.objects.filter(pk=world.target_a.pk).update(unit="家")  # someone else, meanwhile
    before = _target_state(world)

    response = _patch(client, _target_path(world), {"quantity": "30"}, **{"If-Match": etag})

    assert response.status_code == 412
    assert response.json()["code"] == "stale"
    assert _target_state(world) == before


def test_an_etag_of_another_target_is_412(world):
    etag = fingerprint_etag(Target.objects.get(pk=world.target_b.pk))

    response = _patch(
        world.client("coordinator"), _target_path(world), {"unit": "家"}, **{"If-Match": etag}
    )

    assert response.status_code == 412


def test_editing_a_target_without_if_match_is_428(world):
    before = _target_state(world)

    response = _patch(world.client("coordinator"), _target_path(world), {"quantity": "30"})

    assert response.status_code == 428
    assert _target_state(world) == before


@pytest.mark.parametrize("who, status", [("staff_a", 403), ("leader_a", 403), ("staff_b", 404)])
def test_agency_people_may_not_edit_targets(world, who, status):
    before = _target_state(world)
    etag = before[0]

    response = _patch(
        world.client(who), _target_path(world), {"quantity": "1"}, **{"If-Match": etag}
    )

    assert response.status_code == status
    assert _target_state(world) == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"quantity_max": "10"}, "quantity_max"),  # below the target (20)
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "1e30"}, "quantity"),
        ({"quantity": "NaN"}, "quantity"),
        ({"comparison": "most"}, "comparison"),
        ({"year": 40000}, "year"),
        ({"description": ""}, "description"),
        ({"items": "南京中心"}, "items"),
        ({"ref": "x"}, "ref"),
        ({"unit": "个" * 17}, "unit"),
    ],
)
def test_invalid_target_edits_are_400_by_field_and_nothing_changes(world, body, field):
    before = _target_state(world)

    response = _patch(
        world.client("coordinator"), _target_path(world), body, **{"If-Match": before[0]}
    )

    assert response.status_code == 400, response.content
    assert field in response.json()["field_errors"]
    assert _target_state(world) == before


def test_a_range_target_keeps_its_bounds_in_order(world):
    etag = fingerprint_etag(Target.objects.get(pk=world.target_a.pk))

    response = _patch(
        world.client("coordinator"),
        _target_path(world),
        {"comparison": "range", "quantity": "10", "quantity_max": "15"},
        **{"If-Match": etag},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["quantity"], response.json()["quantity_max"]) == ("10.0000", "15.0000")


# --- The working-day calendar ------------------------------------------------------------------


def _day_path(record) -> str:
    return f"/api/v1/working-days/{record.pk}/"


def _calendar() -> list[tuple]:
    return list(
        WorkingDayException.objects.order_by("date").values_list("date", "is_working_day", "note")
    )


def test_everyone_of_the_service_reads_the_calendar_by_year(world):
    WorkingDayException.objects.create(
        date=dt.date(2030, 10, 12), is_working_day=True, note="调休上班"
    )
    client = world.client("staff_b")

    rows = client.get("/api/v1/working-days/", {"year": 2031}).json()["results"]
    working = _ids(client.get("/api/v1/working-days/", {"is_working_day": "true"}))

    assert rows == [
        {
            "id": world.holiday.pk,
            "date": "2031-10-01",
            "weekday": "周三",
            "is_working_day": False,
            "note": "国庆节",
        }
    ]
    assert working == [WorkingDayException.objects.get(date="2030-10-12").pk]


def test_the_administrator_adds_a_holiday_and_the_admin_history_has_it(world):
    response = _post(
        world.client("administrator"),
        "/api/v1/working-days/",
        {"date": "2031-10-02", "is_working_day": False, "note": "国庆节"},
    )

    assert response.status_code == 201, response.content
    record = WorkingDayException.objects.get(date=dt.date(2031, 10, 2))
    assert response["ETag"] == fingerprint_etag(record)
    log = LogEntry.objects.get(object_id=str(record.pk))
    assert (log.user, log.action_flag) == (world.users["administrator"], ADDITION)


@pytest.mark.parametrize("who", ["coordinator", "staff_a", "leader_a"])
def test_only_administrators_write_the_calendar(world, who):
    before = _calendar()
    client = world.client(who)
    etag = {"If-Match": fingerprint_etag(world.holiday)}

    statuses = [
        _post(client, "/api/v1/working-days/", {"date": "2031-10-02", "is_working_day": False}),
        _patch(client, _day_path(world.holiday), {"note": "改"}, **etag),
        client.delete(_day_path(world.holiday), headers=etag),
    ]

    assert [r.status_code for r in statuses] == [403, 403, 403]
    assert statuses[0].json()["message"] == "仅管理员可以进行此项修改。"
    assert _calendar() == before


def _form_errors(data: dict, instance=None) -> list[str]:
    form = WorkingDayExceptionForm(data=data, instance=instance)
    assert not form.is_valid()
    return [str(m) for messages in form.errors.values() for m in messages]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"date": "2031-10-04", "is_working_day": False}, "non_field_errors"),  # a Saturday off
        ({"date": "2031-10-03", "is_working_day": True}, "non_field_errors"),  # a Friday worked
        ({"date": "2031-10-01", "is_working_day": False}, "date"),  # already recorded
    ],
)
def test_the_admin_forms_checks_with_its_messages(world, body, field):
    before = _calendar()

    response = _post(world.client("administrator"), "/api/v1/working-days/", body)

    assert response.status_code == 400, response.content
    assert response.json()["field_errors"] == {field: _form_errors(body)}
    assert _calendar() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"date": "2031-02-30", "is_working_day": False}, "date"),
        ({"date": "2031-10-02"}, "is_working_day"),
        ({"date": "2031-10-02", "is_working_day": False, "note": "节" * 61}, "note"),
        ({"is_working_day": False}, "date"),
    ],
)
def test_malformed_calendar_input_is_400_by_field(world, body, field):
    before = _calendar()

    response = _post(world.client("administrator"), "/api/v1/working-days/", body)

    assert response.status_code == 400
    assert field in response.json()["field_errors"]
    assert _calendar() == before


def test_an_update_is_checked_as_a_whole_record(world):
    """Moving the holiday to a Saturday keeps it a day off: the form refuses the result."""
    before = _calendar()
    etag = fingerprint_etag(world.holiday)

    response = _patch(
        world.client("administrator"),
        _day_path(world.holiday),
        {"date": "2031-10-04"},
        **{"If-Match": etag},
    )

    assert response.status_code == 400
    assert list(response.json()["field_errors"]) == ["non_field_errors"]
    assert _calendar() == before


def test_the_administrator_corrects_and_removes_an_exception_with_its_etag(world):
    client = world.client("administrator")
    etag = client.get(_day_path(world.holiday))["ETag"]

    changed = _patch(client, _day_path(world.holiday), {"note": "国庆节假期"}, **{"If-Match": etag})
    stale = client.delete(_day_path(world.holiday), headers={"If-Match": etag})
    deleted = client.delete(_day_path(world.holiday), headers={"If-Match": changed["ETag"]})

    assert (changed.status_code, stale.status_code, deleted.status_code) == (200, 412, 204)
    assert changed.json()["note"] == "国庆节假期"
    assert not WorkingDayException.objects.filter(pk=world.holiday.pk).exists()
    flags = LogEntry.objects.filter(object_id=str(world.holiday.pk)).values_list(
        "action_flag", flat=True
    )
    assert sorted(flags) == [2, DELETION]


def test_calendar_writes_without_if_match_are_428(world):
    before = _calendar()
    client = world.client("administrator")

    patched = _patch(client, _day_path(world.holiday), {"note": "改"})
    deleted = client.delete(_day_path(world.holiday))

    assert (patched.status_code, deleted.status_code) == (428, 428)
    assert _calendar() == before


def test_calendar_refusals_in_english_on_request(world):
    response = _post(
        world.client("administrator"),
        "/api/v1/working-days/",
        {"date": "2031-10-04", "is_working_day": False},
        **{"Accept-Language": "en"},
    )

    assert response.status_code == 400
    message = response.json()["message"]
    assert "2031-10-04" in message and "Saturday" in message, message


def test_the_administrators_only_refusal_in_english_on_request(world):
    response = _post(
        world.client("coordinator"),
        "/api/v1/working-days/",
        {"date": "2031-10-02", "is_working_day": False},
        **{"Accept-Language": "en"},
    )

    assert response.status_code == 403
    assert response.json()["message"] == "Only administrators may make this change."
