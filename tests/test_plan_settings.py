"""A plan's reporting settings (services.plans.plan_settings_update): the plan's coordinators change
them, every accepted open item's report dates follow at once, a stale editor changes nothing —
through the service, the admin and the API."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks_app.errors import InvalidInput, PermissionDenied, StaleObject
from tasks_app.fingerprint import fingerprint
from tasks_app.models import Plan, Responsibility
from tasks_app.services.plans import plan_settings_update
from tests.factories import ProgressReportFactory, ResponsibilityFactory, TaskFactory, admin_world

pytestmark = pytest.mark.django_db
S = Responsibility.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2024, 5, 10, 10, tzinfo=SHANGHAI), tick=False):
        yield


def _item(w, **fields):
    return ResponsibilityFactory(task=TaskFactory(plan=w.plan), agency=w.resp_a.agency, **fields)


@pytest.fixture
def w():
    """A quarterly plan (due day 25) on 2024-05-10, with items in every state that matters."""
    w = admin_world()
    Plan.objects.filter(pk=w.plan.pk).update(reporting_cycle="quarterly", report_due_day=25)
    accepted = dt.datetime(2024, 5, 6, 10, tzinfo=SHANGHAI)
    w.fresh = _item(
        w, status=S.IN_PROGRESS, accepted_at=accepted, next_report_due_on=dt.date(2024, 6, 25)
    )
    w.reported = _item(
        w, status=S.IN_PROGRESS, accepted_at=accepted, next_report_due_on=dt.date(2024, 9, 25)
    )
    ProgressReportFactory(responsibility=w.reported, period_start=dt.date(2024, 4, 1), percent=40)
    w.waiting = _item(w, status=S.ASSIGNED)
    w.done = _item(w, status=S.COMPLETED, next_report_due_on=dt.date(2024, 6, 25))
    return w


def _dues(w) -> dict[str, dt.date | None]:
    names = ("fresh", "reported", "waiting", "done")
    found = Responsibility.objects.in_bulk([getattr(w, name).pk for name in names])
    return {name: found[getattr(w, name).pk].next_report_due_on for name in names}


def _plan_state(w):
    plan = Plan.objects.get(pk=w.plan.pk)
    return plan.reporting_cycle, plan.report_due_day, LogEntry.objects.count(), _dues(w)


def test_a_monthly_cycle_moves_every_accepted_open_items_next_report(w):
    plan_settings_update(plan_id=w.plan.pk, actor=w.coordinator, reporting_cycle="monthly")

    assert _dues(w) == {
        "fresh": dt.date(2024, 5, 25),  # this month's report, not the quarter's
        "reported": dt.date(2024, 5, 25),  # April's report filed: May's is next
        "waiting": None,  # not accepted: nothing due yet
        "done": dt.date(2024, 6, 25),  # completed: left alone
    }
    entry = LogEntry.objects.get()
    assert (entry.user_id, entry.object_id) == (w.coordinator.pk, str(w.plan.pk))


def test_the_due_day_moves_them_too(w):
    plan_settings_update(plan_id=w.plan.pk, actor=w.coordinator, report_due_day=10)

    assert (_dues(w)["fresh"], _dues(w)["reported"]) == (dt.date(2024, 6, 10), dt.date(2024, 9, 10))


def test_staff_may_not_change_them_and_nothing_changes(w):
    before = _plan_state(w)

    with pytest.raises(PermissionDenied):
        plan_settings_update(plan_id=w.plan.pk, actor=w.staff_a, reporting_cycle="monthly")

    assert _plan_state(w) == before


def test_a_stale_editor_changes_nothing(w):
    seen = fingerprint(Plan.objects.get(pk=w.plan.pk))
    plan_settings_update(plan_id=w.plan.pk, actor=w.admin, progress_margin=5)
    before = _plan_state(w)

    with pytest.raises(StaleObject):
        plan_settings_update(
            plan_id=w.plan.pk, actor=w.coordinator, seen=seen, reporting_cycle="monthly"
        )

    assert _plan_state(w) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"report_due_day": 31}, "report_due_day"), ({"title": "改名"}, None)],
)
def test_invalid_or_other_fields_are_refused_and_nothing_changes(w, changes, field):
    before = _plan_state(w)

    with pytest.raises(InvalidInput) as refused:
        plan_settings_update(plan_id=w.plan.pk, actor=w.coordinator, **changes)

    assert _plan_state(w) == before
    if field:
        assert field in refused.value.field_errors


def test_the_refresh_runs_the_same_queries_for_2_and_20_items(w):
    with CaptureQueriesContext(connection) as few:
        plan_settings_update(plan_id=w.plan.pk, actor=w.coordinator, reporting_cycle="monthly")
    for _ in range(18):
        item = _item(w, status=S.IN_PROGRESS, accepted_at=dt.datetime(2024, 5, 6, tzinfo=SHANGHAI))
        ProgressReportFactory(responsibility=item, period_start=dt.date(2024, 4, 1))
    with CaptureQueriesContext(connection) as many:
        plan_settings_update(plan_id=w.plan.pk, actor=w.coordinator, reporting_cycle="quarterly")

    assert len(many) == len(few)


# --- The admin and the API -------------------------------------------------------------------


def _admin_form(client, w) -> tuple[str, dict]:
    url = reverse("admin:tasks_app_plan_change", args=[w.plan.pk])
    html = client.get(url).content.decode()
    seen = re.search(r'name="seen" value="([0-9a-f]{16})"', html).group(1)
    data = {
        "reporting_cycle": "quarterly",
        "report_due_day": "25",
        "progress_margin": "15",
        "seen": seen,
        "issuer_links-TOTAL_FORMS": "0",
        "issuer_links-INITIAL_FORMS": "0",
        "sections-TOTAL_FORMS": "0",
        "sections-INITIAL_FORMS": "0",
    }
    return url, data


def test_the_admin_saves_through_the_service(client, w):
    client.force_login(w.coordinator)
    url, data = _admin_form(client, w)

    response = client.post(url, {**data, "reporting_cycle": "monthly"})

    assert response.status_code == 302
    assert _dues(w)["fresh"] == dt.date(2024, 5, 25)
    assert LogEntry.objects.count() == 1  # the admin's own entry, not a second one


def test_an_admin_page_drawn_before_someone_elses_change_is_refused(client, w):
    client.force_login(w.coordinator)
    url, data = _admin_form(client, w)
    plan_settings_update(plan_id=w.plan.pk, actor=w.admin, reporting_cycle="monthly")
    before = _plan_state(w)

    response = client.post(url, {**data, "progress_margin": "20"})  # still shows "quarterly"

    assert response.status_code == 200
    assert "该事项已被他人修改，请刷新页面后重试。" in response.content.decode()
    assert _plan_state(w) == before


def test_the_api_changes_them_with_the_plans_etag(client, w):
    client.force_login(w.coordinator)
    path = f"/api/v1/plans/{w.plan.pk}/"
    etag = client.get(path)["ETag"]

    changed = client.patch(
        path, {"reporting_cycle": "monthly"}, content_type="application/json",
        headers={"If-Match": etag},
    )  # fmt: skip
    stale = client.patch(
        path, {"report_due_day": 10}, content_type="application/json", headers={"If-Match": etag}
    )

    assert changed.status_code == 200, changed.content
    assert changed.json()["reporting_cycle"] == "monthly"
    assert _dues(w)["fresh"] == dt.date(2024, 5, 25)
    assert stale.status_code == 412
    assert Plan.objects.get(pk=w.plan.pk).report_due_day == 25
