"""Every list page (and the start page, the change page and the exports) runs the same number of
queries with 2 rows as with 20."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks_app.models import Action, Event, ExtensionRequest, Responsibility
from tests.factories import (
    AgencyFactory,
    PlanFactory,
    ProgressReportFactory,
    ResponsibilityFactory,
    SectionFactory,
    TargetFactory,
    TaskFactory,
    admin_world,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _responsibilities(w, n):
    section = SectionFactory(plan=w.plan)
    for i in range(n):
        task = TaskFactory(plan=w.plan, section=section, due_on=dt.date(2025, 6, 1 + i % 28))
        ResponsibilityFactory(task=task, agency=w.resp_a.agency, role="lead")
        ResponsibilityFactory(task=task, agency=w.resp_b.agency, role="supporting")


def _targets(w, n):
    for _ in range(n):
        TargetFactory(task=w.task_a)


def _plans(w, n):
    for _ in range(n):
        PlanFactory(coordinating_agency=w.coordinator.agency)


def _events(w, n):
    for i in range(n):
        Event.objects.create(
            plan=w.plan,
            task=w.task_a,
            responsibility=w.resp_a,
            actor=w.staff_a,
            action=Action.REMIND,
            reason=f"第{i}次",
        )


def _extensions(w, n):
    for _ in range(n):
        task = TaskFactory(plan=w.plan)
        item = ResponsibilityFactory(task=task, agency=w.resp_a.agency)
        ExtensionRequest.objects.create(
            responsibility=item,
            previous_due_on=item.due_on,
            requested_due_on=item.due_on + dt.timedelta(days=30),
            reason="理由",
            requested_by=w.staff_a,
        )


def _agencies(w, n):
    for _ in range(n):
        AgencyFactory(parent=w.resp_a.agency)


def _change_page_rows(w, n):
    """Events, extension requests, reports and targets on resp_a; agencies on its task."""
    _events(w, n)
    _targets(w, n)
    existing = ProgressReportFactory._meta.model.objects.filter(responsibility=w.resp_a).count()
    for i in range(existing, existing + n):
        start = dt.date(2020 + i // 4, 1 + 3 * (i % 4), 1)
        ProgressReportFactory(
            responsibility=w.resp_a,
            period_start=start,
            period_end=start + dt.timedelta(days=80),
        )
    for _ in range(n):
        ResponsibilityFactory(task=w.task_a, agency=AgencyFactory(), role="supporting")


def _url(name, *args):
    return lambda w: reverse(f"admin:{name}", args=args)


PAGES = [
    (
        "responsibilities_staff",
        "staff_a",
        _url("tasks_app_responsibility_changelist"),
        _responsibilities,
    ),
    (
        "responsibilities_staff_all",
        "staff_a",
        lambda w: reverse("admin:tasks_app_responsibility_changelist") + "?scope=all",
        _responsibilities,
    ),
    (
        "responsibilities_coordinator",
        "coordinator",
        _url("tasks_app_responsibility_changelist"),
        _responsibilities,
    ),
    (
        "responsibilities_admin",
        "admin",
        _url("tasks_app_responsibility_changelist"),
        _responsibilities,
    ),
    ("tasks", "coordinator", _url("tasks_app_task_changelist"), _responsibilities),
    ("plans", "coordinator", _url("tasks_app_plan_changelist"), _plans),
    ("events", "staff_a", _url("tasks_app_event_changelist"), _events),
    (
        "extension_requests",
        "coordinator",
        _url("tasks_app_extensionrequest_changelist"),
        _extensions,
    ),
    ("agencies", "admin", _url("agencies_agency_changelist"), _agencies),
    ("targets", "coordinator", _url("tasks_app_target_changelist"), _targets),
    ("dashboard", "coordinator", _url("tasks_app_dashboard"), _responsibilities),
    (
        "export_xlsx",
        "coordinator",
        _url("tasks_app_responsibility_export", "xlsx"),
        _responsibilities,
    ),
    ("export_csv", "staff_a", _url("tasks_app_responsibility_export", "csv"), _responsibilities),
    (
        "matrix",
        "coordinator",
        lambda w: reverse("admin:tasks_app_plan_matrix", args=[w.plan.pk, "xlsx"]),
        _responsibilities,
    ),
    (
        "history",
        "coordinator",
        lambda w: reverse("admin:tasks_app_responsibility_history", args=[w.resp_a.pk]),
        _events,
    ),
    (
        "responsibility_change",
        "coordinator",
        lambda w: reverse("admin:tasks_app_responsibility_change", args=[w.resp_a.pk]),
        _change_page_rows,
    ),
    (
        "responsibility_change_staff",
        "staff_a",
        lambda w: reverse("admin:tasks_app_responsibility_change", args=[w.resp_a.pk]),
        _change_page_rows,
    ),
]


def _export_of(url, fmt):
    return lambda w: f"{url(w)}export/{fmt}/"


# Every list's own export (the responsibility list's is above): the list's rows in one query.
LISTS = ["tasks", "plans", "events", "extension_requests", "agencies", "targets"]
PAGES += [
    (f"{name}_export_{fmt}", role, _export_of(url, fmt), build)
    for name, role, url, build in PAGES
    if name in LISTS
    for fmt in ("xlsx", "csv")
]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("name", "role", "url", "build"), PAGES, ids=[p[0] for p in PAGES])
def test_same_number_of_queries_with_2_and_20_rows(client, name, role, url, build):
    w = admin_world()
    Responsibility.objects.filter(pk=w.resp_a.pk).update(status=Responsibility.Status.IN_PROGRESS)
    client.force_login(getattr(w, role))
    build(w, 2)
    client.get(url(w))  # warm up: session, content types
    with_2 = _queries(client, url(w))

    build(w, 18)
    with_20 = _queries(client, url(w))

    assert with_2 == with_20
