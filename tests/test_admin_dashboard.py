"""The coordinator's start page: its numbers for a hand-built plan, and every number's link opens
the list filtered to exactly those rows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tasks_app.models import Responsibility
from tasks_app.selectors import Colour
from tasks_app.services import workflow
from tests.factories import ResponsibilityFactory, TaskFactory, admin_world

pytestmark = pytest.mark.django_db
S = Responsibility.Status
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DASHBOARD = reverse("admin:tasks_app_dashboard")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def w():
    """Plan P: A has resp_a (assigned, green), x1 and x2 (in progress, red; x1 also owes a
    report), x5 (assigned on 06-01: 签收超时); B has resp_b (assigned, green), x3 (completion
    requested, due in 2 days: amber) and x4 (completed: grey). resp_a has a pending extension.
    Plan Q (another coordinator) has one red item of B's, which must not count."""
    w = admin_world()
    a, b = w.resp_a.agency, w.resp_b.agency

    def item(agency, **fields):
        return ResponsibilityFactory(task=TaskFactory(plan=w.plan), agency=agency, **fields)

    w.x1 = item(
        a, status=S.IN_PROGRESS, due_on=dt.date(2025, 6, 1), next_report_due_on=dt.date(2025, 5, 25)
    )
    w.x2 = item(a, status=S.IN_PROGRESS, due_on=dt.date(2025, 5, 1))
    w.x3 = item(b, status=S.COMPLETION_REQUESTED, due_on=dt.date(2025, 6, 12))
    w.x4 = item(b, status=S.COMPLETED, due_on=dt.date(2025, 1, 1))
    w.x5 = item(a, assigned_at=timezone.make_aware(dt.datetime(2025, 6, 1, 9)))
    ResponsibilityFactory(
        task=TaskFactory(plan=w.other_plan),
        agency=b,
        status=S.IN_PROGRESS,
        due_on=dt.date(2025, 1, 1),
    )
    workflow.extension_request_create(
        responsibility_id=w.resp_a.pk,
        actor=w.staff_a,
        requested_due_on=dt.date(2027, 6, 30),
        reason="理由",
    )
    return w


def _dashboard(client, w, query=""):
    client.force_login(w.coordinator)
    response = client.get(f"{DASHBOARD}?{query}" if query else DASHBOARD)
    assert response.status_code == 200
    return response.context


def _numbers(cells) -> dict:
    return {
        "total": cells["total"]["n"],
        **{f"status:{c['key']}": c["n"] for c in cells["status"]},
        **{f"colour:{c['key']}": c["n"] for c in cells["colour"]},
        "report_missing": cells["report_missing"]["n"],
        "accept_overdue": cells["accept_overdue"]["n"],
    }


def test_plan_numbers(client, w):
    context = _dashboard(client, w)

    [plan] = context["plans"]
    assert plan["row"].plan_id == w.plan.pk
    assert plan["row"].pending_extensions == 1
    assert _numbers(plan["cells"]) == {
        "total": 7,
        "status:assigned": 3,
        "status:in_progress": 2,
        "status:leader_review": 0,
        "status:completion_requested": 1,
        "status:completed": 1,
        "status:suspended": 0,
        "colour:red": 2,
        "colour:amber": 1,
        "colour:green": 3,
        "colour:grey": 1,
        "report_missing": 1,
        "accept_overdue": 1,
    }


def test_agency_numbers_and_the_most_overdue_agencies(client, w):
    context = _dashboard(client, w)

    by_agency = {a["row"].name: _numbers(a["cells"]) for a in context["agencies"]}
    assert list(by_agency) == ["省甲厅", "省乙厅"]
    assert (by_agency["省甲厅"]["total"], by_agency["省甲厅"]["colour:red"]) == (4, 2)
    assert (by_agency["省乙厅"]["total"], by_agency["省乙厅"]["colour:grey"]) == (3, 1)
    assert [(a["row"].name, a["red"]) for a in context["most_overdue"]] == [("省甲厅", 2)]


def test_items_overdue_longest(client, w):
    context = _dashboard(client, w)

    assert [(i["row"], i["days"]) for i in context["longest_overdue"]] == [(w.x2, 40), (w.x1, 9)]


def test_every_number_links_to_exactly_its_rows(client, w):
    context = _dashboard(client, w)
    cells = context["plans"][0]["cells"]
    links = [
        (cells["total"]["n"], cells["total"]["url"]),
        *((c["n"], c["url"]) for c in cells["status"]),
        *((c["n"], c["url"]) for c in cells["colour"]),
        (cells["report_missing"]["n"], cells["report_missing"]["url"]),
        (cells["accept_overdue"]["n"], cells["accept_overdue"]["url"]),
        *((a["red"], a["url"]) for a in context["most_overdue"]),
        *((c["n"], c["url"]) for agency in context["agencies"] for c in agency["cells"]["colour"]),
    ]

    for number, url in links:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["cl"].result_count == number, url


def test_the_red_link_lists_the_red_items(client, w):
    cells = _dashboard(client, w)["plans"][0]["cells"]
    red = next(c for c in cells["colour"] if c["key"] == Colour.RED)

    response = client.get(red["url"])

    assert red["url"] == (
        reverse("admin:tasks_app_responsibility_changelist") + f"?plan={w.plan.pk}&colour=red"
    )
    assert set(response.context["cl"].result_list) == {w.x1, w.x2}


def test_pending_extensions_link(client, w):
    context = _dashboard(client, w)

    response = client.get(context["plans"][0]["extensions_url"])

    assert [e.responsibility for e in response.context["cl"].result_list] == [w.resp_a]


def test_focusing_one_plan_narrows_the_agency_table(client, w):
    context = _dashboard(client, w, f"plan={w.other_plan.pk}")

    assert context["agencies"] == []  # not this coordinator's plan: nothing of it is counted
    assert context["focus_plan"] is None


def test_another_coordinator_sees_only_their_plan(client, w):
    client.force_login(w.other_coordinator)

    context = client.get(DASHBOARD).context

    assert [p["row"].plan_id for p in context["plans"]] == [w.other_plan.pk]
    assert _numbers(context["plans"][0]["cells"])["colour:red"] == 1
    assert "乙厅独有的任务" not in client.get(DASHBOARD).content.decode()


def _escalate(*items) -> None:
    Responsibility.objects.filter(pk__in=[i.pk for i in items]).update(escalated_at=timezone.now())


def test_escalated_items_are_listed_and_their_count_links_to_exactly_them(client, w):
    others = Responsibility.objects.filter(task__plan=w.other_plan)
    _escalate(w.x1, w.x2, w.x4, *others)  # x4 is completed: no longer a matter for 督办

    context = _dashboard(client, w)
    listed = client.get(context["escalated_url"]).context["cl"].result_list

    assert context["escalated_count"] == 2
    assert {r.pk for r in context["escalated"]} == {w.x1.pk, w.x2.pk}
    assert {r.pk for r in listed} == {w.x1.pk, w.x2.pk}


def test_without_escalations_the_start_page_says_so(client, w):
    context = _dashboard(client, w)

    assert context["escalated_count"] == 0
    assert "没有升级督办的事项" in client.get(DASHBOARD).content.decode()


def test_undeliverable_reminder_emails_are_pointed_out(client, w):
    from tasks_app.models import ReminderDigest, ReminderEntry, ReminderSweep

    sweep = ReminderSweep.objects.create(day=NOW.date(), trigger="beat")
    for item, address in ((w.x1, "bad@example.invalid"), (w.x2, "ok@example.org")):
        ReminderEntry.objects.create(
            sweep=sweep,
            day=NOW.date(),
            responsibility=item,
            kind="overdue",
            period=str(NOW.date()),
            recipient=address,
            recipient_role="contact",
            grade="red",
        )
    ReminderDigest.objects.create(
        sweep=sweep, recipient="bad@example.invalid", day=NOW.date(), status="failed"
    )
    ReminderDigest.objects.create(
        sweep=sweep,
        recipient="ok@example.org",
        day=NOW.date(),
        status="sent",
        sent_at=timezone.now(),
    )

    context = _dashboard(client, w)
    failed = client.get(context["failed_emails_url"]).context["cl"].result_list

    assert context["failed_emails"] == 1
    assert [d.recipient for d in failed] == ["bad@example.invalid"]
    client.force_login(w.other_coordinator)
    assert client.get(DASHBOARD).context["failed_emails"] == 0
