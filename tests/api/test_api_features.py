"""Tokens, the calendar feed, reports with attachments, plan imports, exports, throttling."""

from __future__ import annotations

import json

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tasks_app.models import AccessToken, Plan, ProgressReport, ReportTargetValue, Target
from tests.test_reports_attachments import PDF

from .world import B_MARKERS

pytestmark = pytest.mark.django_db


# --- API tokens --------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_works_and_stops_working_when_revoked(world):
    creator = world.client("staff_a")

    created = creator.post("/api/v1/tokens/", {"name": "OA 系统"}, content_type="application/json")
    secret = created.json()["key"]
    listed = creator.get("/api/v1/tokens/").json()["results"]
    fresh = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    before = fresh.get("/api/v1/me/")
    revoked = creator.delete(f"/api/v1/tokens/{created.json()['id']}/")
    after = fresh.get("/api/v1/me/")

    assert created.status_code == 201 and secret.startswith("dbk_")
    assert all("key" not in row for row in listed)
    assert AccessToken.objects.filter(key_digest=secret).count() == 0  # only a digest is kept
    assert (before.status_code, revoked.status_code, after.status_code) == (200, 204, 401)
    assert after.json()["code"] == "authentication_failed"
    assert after["WWW-Authenticate"] == "Token"


def test_anonymous_gets_401_with_a_challenge(world):
    response = Client().get("/api/v1/tasks/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_a_deactivated_users_token_stops_working(world):
    user = world.users["staff_a"]
    user.is_active = False
    user.save()

    assert world.client("staff_a").get("/api/v1/me/").status_code == 401


# --- The calendar feed -------------------------------------------------------------------------


def _events(response) -> list[icalendar.Event]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))


def test_the_feed_shows_only_the_users_agency_deadlines(world):
    response = Client().get(f"/api/v1/calendar/{world.calendar['staff_a']}.ics")

    events = _events(response)
    uids = {str(e["uid"]).split("@")[0] for e in events}
    own_open = {world.resp_a, world.resp_ab_lead, world.completion_a, world.resp_other}
    assert {f"responsibility-{r.pk}-due" for r in own_open} <= uids
    assert not any(
        f"-{r.pk}-" in uid for r in (world.resp_b, world.resp_ab_support) for uid in uids
    )
    text = response.content.decode()
    assert not any(marker in text for marker in B_MARKERS)
    assert {
        e["dtstart"].dt
        for e in events
        if str(e["uid"]).startswith(f"responsibility-{world.resp_a.pk}-due")
    } == {world.resp_a.due_on}


def test_a_new_feed_url_revokes_the_old_and_a_revoked_url_is_404(world):
    client = world.client("staff_a")
    old = f"/api/v1/calendar/{world.calendar['staff_a']}.ics"

    created = client.post("/api/v1/calendar/feed/")
    new_path = created.json()["url"].split("testserver", 1)[1]
    assert Client().get(old).status_code == 404
    assert Client().get(new_path).status_code == 200
    assert client.delete("/api/v1/calendar/feed/").status_code == 204
    assert Client().get(new_path).status_code == 404
    assert client.get("/api/v1/calendar/feed/").status_code == 404


def test_an_api_token_is_not_a_calendar_secret(world):
    assert Client().get(f"/api/v1/calendar/{world.tokens['staff_a']}.ics").status_code == 404


# --- Progress reports --------------------------------------------------------------------------


def test_report_with_target_values_and_an_attachment_over_multipart(world):
    target = Target.objects.create(
        plan=world.plan, task=world.task_ab, ref="t-ab", description="概念验证中心", quantity=20
    )
    client = world.client("staff_a")
    path = f"/api/v1/responsibilities/{world.resp_ab_lead.pk}/reports/"
    body = {
        "narrative": "已建成7个",
        "percent": "35",
        "target_values": json.dumps([{"target": target.pk, "value": "7", "items": ["南京"]}]),
        "attachments": [SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")],
    }

    response = client.post(path, body, headers={"If-Match": f'"{world.resp_ab_lead.pk}.1"'})

    assert response.status_code == 201, response.content
    report = ProgressReport.objects.get(pk=response.json()["id"])
    assert response["ETag"] == f'"{report.pk}.{report.version}"'
    assert ReportTargetValue.objects.get(report=report).value == 7
    attachment = response.json()["attachments"][0]
    download = client.get(attachment["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert world.client("staff_b").get(attachment["url"]).status_code == 404


def test_report_json_body_and_invalid_target_values(world):
    client = world.client("staff_a")
    path = f"/api/v1/responsibilities/{world.resp_ab_lead.pk}/reports/"
    body = {"narrative": "进展", "percent": 20, "target_values": [{"target": 1, "value": "-1"}]}

    response = client.post(
        path,
        body,
        content_type="application/json",
        headers={"If-Match": f'"{world.resp_ab_lead.pk}.1"'},
    )

    assert response.status_code == 400
    assert "target_values.0.value" in response.json()["field_errors"]


def test_a_disguised_attachment_is_refused_and_nothing_is_written(world):
    path = f"/api/v1/responsibilities/{world.resp_ab_lead.pk}/reports/"
    before = ProgressReport.objects.count()
    body = {
        "narrative": "进展",
        "percent": "20",
        "attachments": [
            SimpleUploadedFile("x.pdf", b"<html></html>", content_type="application/pdf")
        ],
    }

    response = world.client("staff_a").post(
        path, body, headers={"If-Match": f'"{world.resp_ab_lead.pk}.1"'}
    )

    assert response.status_code == 400
    assert "attachments" in response.json()["field_errors"]
    assert ProgressReport.objects.count() == before


# --- Imports and exports -----------------------------------------------------------------------

DOCUMENT = (
    "江苏省测试产业行动方案（2024-2026年）\n\n一、重点任务\n"
    "1. 建设概念验证中心。到2026年建设20个概念验证中心。（省科技厅牵头，省教育厅配合）\n"
    "2. 培育未来产业企业。（省工业和信息化厅、省发展改革委等按职责分工负责）\n"
)


def _upload(text: str = DOCUMENT) -> SimpleUploadedFile:
    return SimpleUploadedFile("plan.txt", text.encode("utf-8"), content_type="text/plain")


def test_import_dry_run_reports_and_writes_nothing(world):
    plans = Plan.objects.count()

    response = world.client("coordinator").post(
        "/api/v1/plans/import/", {"file": _upload(), "dry_run": "true", "create_agencies": "true"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["dry_run"], body["plan_status"], body["tasks"]["created"]) == (True, "created", 2)
    assert body["plan_id"] is None
    assert Plan.objects.count() == plans


def test_import_writes_the_plan(world):
    response = world.client("coordinator").post(
        "/api/v1/plans/import/", {"file": _upload(), "create_agencies": "true"}
    )

    assert response.status_code == 200, response.content
    assert Plan.objects.get(pk=response.json()["plan_id"]).tasks.count() == 2


def test_import_of_an_unreadable_file_is_400(world):
    response = world.client("coordinator").post(
        "/api/v1/plans/import/", {"file": SimpleUploadedFile("x.bin", b"\x00\x01\x02" * 100)}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "plan_import_failed"


def test_export_csv_of_a_filtered_list(world):
    response = world.client("coordinator").get(
        "/api/v1/responsibilities/export/csv/", {"agency": world.b.pk}
    )

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "乙厅独有任务" in text and "甲厅牵头任务" not in text
    assert "filename*=UTF-8''" in response["Content-Disposition"]


# --- Throttling --------------------------------------------------------------------------------


def test_throttled_per_user_in_the_error_shape(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "2/minute", "calendar": "60/minute"},
    }
    client = world.client("staff_a")

    statuses = [client.get("/api/v1/me/").status_code for _ in range(3)]
    other = world.client("staff_b").get("/api/v1/me/")

    assert statuses == [200, 200, 429]
    assert other.status_code == 200


def test_an_administrator_revokes_a_token_in_the_admin(world, rf):
    from django.contrib import admin as django_admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    from tasks_app.api.admin import AccessTokenAdmin
    from tests.factories import UserFactory

    model_admin = AccessTokenAdmin(AccessToken, django_admin.site)
    request = rf.post("/admin/tasks_app/accesstoken/")
    request.user = UserFactory(agency=None, is_superuser=True)
    request.session = {}
    request._messages = FallbackStorage(request)
    token_id = world.token_ids["staff_a"]

    model_admin.revoke(request, AccessToken.objects.filter(pk=token_id))

    assert AccessToken.objects.get(pk=token_id).revoked_at is not None
    assert world.client("staff_a").get("/api/v1/me/").status_code == 401
    request.user = world.users["staff_a"]
    assert not model_admin.has_view_permission(request)
