"""考核统计: each agency's deadlines met, measured against the original deadline, per plan; the
admin page and its exports (coordinators and administrators only)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks_app.assessment import agency_assessment
from tasks_app.models import Responsibility
from tests.factories import AgencyFactory, ResponsibilityFactory, TaskFactory, admin_world

pytestmark = pytest.mark.django_db
S = Responsibility.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2025, 6, 10)
PAGE = reverse("admin:tasks_app_assessment")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2025, 6, 10, 10, tzinfo=SHANGHAI), tick=False):
        yield


def _done(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def _item(w, agency, *, original, due=None, status=S.IN_PROGRESS, completed=None, late=False):
    return ResponsibilityFactory(
        task=TaskFactory(plan=w.plan),
        agency=agency,
        status=status,
        original_due_on=original,
        due_on=due or original,
        completed_at=completed,
        completed_late=late,
    )


@pytest.fixture
def w():
    """Agency X in plan P: one item for each way an item can stand on 2025-06-10."""
    w = admin_world()
    w.x = AgencyFactory(name="江苏省考核厅", short_name="考核厅")
    may, june = dt.date(2025, 5, 31), dt.date(2025, 6, 30)
    # 23:30 on the deadline in Beijing is 15:30 UTC the same day: still on time.
    _item(w, w.x, original=may, status=S.COMPLETED, completed=_done(may, 23))
    _item(w, w.x, original=None, status=S.COMPLETED, completed=_done(may))  # no deadline
    # Extended to 06-30 and finished on 06-05: done, but not by the original deadline.
    _item(w, w.x, original=may, due=june, status=S.COMPLETED, completed=_done(dt.date(2025, 6, 5)))
    _item(
        w,
        w.x,
        original=may,
        status=S.COMPLETED,
        completed=_done(june - dt.timedelta(29)),
        late=True,
    )
    _item(w, w.x, original=may, due=june)  # open, extended: assessable, not on time, not red
    _item(w, w.x, original=dt.date(2025, 6, 1))  # open and overdue
    _item(w, w.x, original=may, status=S.SUSPENDED)  # suspended: not assessed
    _item(w, w.x, original=june)  # not yet due
    return w


def _row(rows, agency):
    return next(r for r in rows if r.agency_id == agency.pk)


def test_each_item_counts_where_the_original_deadline_puts_it(w):
    row = _row(agency_assessment(user=w.coordinator, today=TODAY), w.x)

    assert (row.total, row.assessable, row.on_time) == (8, 6, 2)
    assert (row.within_extension, row.completed_late, row.overdue_open) == (1, 1, 1)
    assert row.on_time_rate == pytest.approx(33.3)


def test_nothing_assessable_has_no_rate(w):
    row = _row(agency_assessment(user=w.coordinator, today=TODAY), w.resp_a.agency)

    assert row.assessable == 0
    assert row.on_time_rate is None


def test_a_plan_narrows_it_and_a_coordinator_sees_only_their_plans(w):
    everything = agency_assessment(user=w.admin, today=TODAY)
    plan_q = agency_assessment(user=w.admin, today=TODAY, plan_id=w.other_plan.pk)
    other = agency_assessment(user=w.other_coordinator, today=TODAY)

    assert {r.agency_id for r in plan_q} == {w.resp_q.agency_id}
    assert w.x.pk in {r.agency_id for r in everything}
    assert {r.agency_id for r in other} == {w.resp_q.agency_id}  # not plan P's agencies


def test_the_page_shows_the_table_with_links_to_the_items(client, w):
    client.force_login(w.coordinator)

    html = client.get(f"{PAGE}?plan={w.plan.pk}").content.decode()

    assert f'data-agency="{w.x.pk}"' in html
    assert "33.3" in html
    items = reverse("admin:tasks_app_responsibility_changelist")
    assert f'href="{items}?agency={w.x.pk}&amp;colour=red&amp;plan={w.plan.pk}"' in html


def test_staff_may_not_open_it_and_another_coordinators_plan_is_not_found(client, w):
    client.force_login(w.staff_a)
    assert client.get(PAGE).status_code == 403
    client.force_login(w.other_coordinator)
    assert client.get(f"{PAGE}?plan={w.plan.pk}").status_code == 404


def test_the_exports_hold_the_same_numbers(client, w):
    client.force_login(w.coordinator)
    url = reverse("admin:tasks_app_assessment_export", args=["csv"])

    text = client.get(f"{url}?plan={w.plan.pk}").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    book = client.get(reverse("admin:tasks_app_assessment_export", args=["xlsx"])).content
    sheet = openpyxl.load_workbook(io.BytesIO(book)).active

    assert rows[0] == [
        "责任单位", "承担事项", "应办结", "按期办结", "延期后办结", "超期办结", "逾期未办结", "按期办结率(%)"
    ]  # fmt: skip
    assert ["考核厅", "8", "6", "2", "1", "1", "1", "33.3"] in rows
    assert ("考核厅", 8, 6, 2, 1, 1, 1, 33.3) in list(sheet.iter_rows(values_only=True))


def test_the_page_runs_the_same_queries_for_2_and_20_agencies(client, w):
    client.force_login(w.coordinator)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    for _ in range(18):
        _item(w, AgencyFactory(), original=dt.date(2025, 5, 31))
    with CaptureQueriesContext(connection) as many:
        client.get(PAGE)

    assert len(many) == len(few)


def test_the_page_in_english(client, w):
    client.force_login(w.coordinator)
    client.post(reverse("set_language"), {"language": "en", "next": PAGE})

    html = client.get(PAGE).content.decode()

    assert "On-time rate (%)" in html
    assert "Assessed against the original deadline" in html


def test_the_api_gives_the_same_numbers(client, w):
    client.force_login(w.coordinator)

    response = client.get(f"/api/v1/plans/{w.plan.pk}/assessment/")

    assert response.status_code == 200
    body = response.json()
    assert (body["plan"], body["today"]) == (w.plan.pk, "2025-06-10")
    row = next(r for r in body["agencies"] if r["agency"] == w.x.pk)
    assert row == {
        "agency": w.x.pk,
        "name": "考核厅",
        "total": 8,
        "assessable": 6,
        "on_time": 2,
        "within_extension": 1,
        "completed_late": 1,
        "overdue_open": 1,
        "on_time_rate": 33.3,
    }
