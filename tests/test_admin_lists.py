"""The responsibility list: where people land, the default "my tasks" scope, every filter, the
Chinese search, the colour badge and the sort order."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.urls import reverse
from django.utils import timezone

from tasks_app.models import Responsibility
from tests.factories import (
    ResponsibilityFactory,
    SectionFactory,
    TaskFactory,
    admin_world,
)

pytestmark = pytest.mark.django_db
S = Responsibility.Status
TODAY = dt.date(2025, 6, 10)  # a Tuesday; no holidays loaded: Monday–Friday working days
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LIST = reverse("admin:tasks_app_responsibility_changelist")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def w():
    return admin_world()


def _rows(client, user, query=""):
    client.force_login(user)
    response = client.get(f"{LIST}?{query}" if query else LIST)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def _item(w, *, title, agency=None, role="lead", task=None, **fields):
    task = task or TaskFactory(plan=w.plan, title=title)
    return ResponsibilityFactory(task=task, agency=agency or w.resp_a.agency, role=role, **fields)


# --- Landing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("staff_a", "admin:tasks_app_responsibility_changelist"),
        ("leader_a", "admin:tasks_app_responsibility_changelist"),
        ("coordinator", "admin:tasks_app_dashboard"),
    ],
)
def test_people_land_on_their_start_page(client, w, role, target):
    client.force_login(getattr(w, role))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url == reverse(target)


def test_after_login_staff_land_on_my_tasks(client, w):
    response = client.post(
        reverse("admin:login"),
        {"username": "staff_a", "password": "pw-for-tests", "next": reverse("admin:index")},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == LIST
    assert response.context["title"] == "我的任务"


# --- Scope -----------------------------------------------------------------------------------------


def test_staff_start_with_their_own_agencys_items(client, w):
    supporting = _item(
        w, title="配合事项", agency=w.resp_b.agency, role="supporting", task=w.task_a
    )

    own = _rows(client, w.staff_a)
    partners = _rows(client, w.staff_a, "scope=partners")
    everything = _rows(client, w.staff_a, "scope=all")

    assert own == [w.resp_a]
    assert partners == [supporting]
    assert sorted(r.pk for r in everything) == sorted([w.resp_a.pk, supporting.pk])


def test_supporting_agency_does_not_see_the_leads_item(client, w):
    _item(w, title="配合事项", agency=w.resp_b.agency, role="supporting", task=w.task_a)

    rows = _rows(client, w.staff_b, "scope=all")

    assert w.resp_a not in rows


@pytest.mark.parametrize("query", ["", "scope=own", "scope=nonsense"])
def test_the_own_scope_asks_access_for_the_own_agencys_items_only(client, w, query):
    client.force_login(w.staff_a)

    cl = client.get(f"{LIST}?{query}").context["cl"]

    # A plain agency filter, not the visible set (with the led-task rule) filtered afterwards.
    assert "EXISTS" not in str(cl.root_queryset.query).upper()
    assert list(cl.result_list) == [w.resp_a]


@pytest.mark.parametrize("query", ["scope=partners", "scope=all"])
def test_the_wider_scopes_ask_access_for_everything_visible(client, w, query):
    client.force_login(w.staff_a)

    cl = client.get(f"{LIST}?{query}").context["cl"]

    assert "EXISTS" in str(cl.root_queryset.query).upper()


def test_the_list_counts_only_the_filtered_rows(client, w):
    _item(w, title="配合事项", agency=w.resp_b.agency, role="supporting", task=w.task_a)
    client.force_login(w.staff_a)

    cl = client.get(LIST).context["cl"]

    assert cl.result_count == 1
    assert cl.show_full_result_count is False


@pytest.mark.parametrize(
    ("role", "query"),
    [
        ("staff_a", ""),
        ("staff_a", "scope=all&role=lead"),
        ("leader_a", ""),
        ("coordinator", ""),  # with the actions' checkbox column
        ("coordinator", "plan=0&o=-7"),  # filters preserved in the links; another order
        ("admin", ""),
    ],
)
def test_the_rows_are_drawn_as_the_admin_draws_them(client, w, role, query):
    # Empty values too: no deadline, never reported, completed (no buttons), 签收 pending.
    _item(w, title="无时限", due_on=None, status=S.IN_PROGRESS)
    _item(w, title="已办结", status=S.COMPLETED, last_reported_at=timezone.now())
    _item(w, title="配合事项", agency=w.resp_b.agency, role="supporting", task=w.task_a)
    client.force_login(getattr(w, role))

    response = client.get(f"{LIST}?{query.replace('plan=0', f'plan={w.plan.pk}')}")

    cl = response.context["cl"]
    expected = [["".join(items_for_result(cl, row, None))] for row in cl.result_list]
    assert len(expected) >= 2
    assert cl.results_table()["results"] == expected
    assert expected[0][0] in response.content.decode()
    change = reverse("admin:tasks_app_responsibility_change", args=[cl.result_list[0].pk])
    assert f'href="{change}' in expected[0][0]


def _agency_choices(client, user, query=""):
    client.force_login(user)
    cl = client.get(f"{LIST}?{query}").context["cl"]
    specs = [s for s in cl.filter_specs if s.parameter_name == "agency"]
    return [label for spec in specs for _value, label in spec.lookup_choices] if specs else None


def test_agency_filter_is_not_offered_in_the_own_scope(client, w):
    _item(w, title="配合事项", agency=w.resp_b.agency, role="supporting", task=w.task_a)

    assert _agency_choices(client, w.staff_a) is None
    assert _agency_choices(client, w.staff_a, "scope=partners") == ["省甲厅", "省乙厅"]
    assert _agency_choices(client, w.coordinator) == ["省甲厅", "省乙厅"]


def test_coordinators_see_their_plans_items_without_a_scope_filter(client, w):
    rows = _rows(client, w.coordinator)

    assert sorted(r.pk for r in rows) == sorted([w.resp_a.pk, w.resp_b.pk])


# --- Filters ---------------------------------------------------------------------------------------


def test_plan_and_section_filters(client, w):
    section = SectionFactory(plan=w.plan)
    sub = SectionFactory(plan=w.plan, parent=section, number="（一）")
    in_section = _item(w, title="章节内", task=TaskFactory(plan=w.plan, section=sub))

    by_plan = _rows(client, w.coordinator, f"plan={w.plan.pk}")
    by_section = _rows(client, w.coordinator, f"plan={w.plan.pk}&section={section.pk}")

    assert len(by_plan) == 3
    assert by_section == [in_section]


def test_plan_filter_lists_only_visible_plans(client, w):
    client.force_login(w.staff_a)

    response = client.get(LIST)

    spec = next(s for s in response.context["cl"].filter_specs if s.parameter_name == "plan")
    assert spec.lookup_choices == [(str(w.plan.pk), w.plan.title)]


def test_agency_role_and_status_filters(client, w):
    done = _item(w, title="已办结", status=S.COMPLETED)

    by_agency = _rows(client, w.coordinator, f"agency={w.resp_b.agency_id}")
    by_role = _rows(client, w.coordinator, "role=supporting")
    by_status = _rows(client, w.coordinator, "status=completed")

    assert by_agency == [w.resp_b]
    assert by_role == []
    assert by_status == [done]


@pytest.mark.parametrize(
    ("due_on", "status", "colour"),
    [
        (TODAY - dt.timedelta(days=1), S.IN_PROGRESS, "red"),
        (TODAY + dt.timedelta(days=3), S.IN_PROGRESS, "amber"),
        (TODAY + dt.timedelta(days=200), S.IN_PROGRESS, "green"),
        (TODAY - dt.timedelta(days=1), S.COMPLETED, "grey"),
    ],
)
def test_colour_filter_and_badge(client, w, due_on, status, colour):
    Responsibility.objects.all().delete()
    item = _item(w, title="一项", due_on=due_on, status=status)

    rows = _rows(client, w.coordinator, f"colour={colour}")
    html = client.get(LIST).content.decode()

    assert rows == [item]
    assert f'data-colour="{colour}"' in html


def test_due_within_filter(client, w):
    Responsibility.objects.all().delete()
    soon = _item(w, title="七天内", due_on=TODAY + dt.timedelta(days=7))
    _item(w, title="八天后", due_on=TODAY + dt.timedelta(days=8))
    _item(w, title="已逾期", due_on=TODAY - dt.timedelta(days=1))

    assert _rows(client, w.coordinator, "due_within=7") == [soon]


def test_report_missing_filter(client, w):
    late = _item(
        w, title="未报送", status=S.IN_PROGRESS, next_report_due_on=TODAY - dt.timedelta(1)
    )
    _item(w, title="按时", status=S.IN_PROGRESS, next_report_due_on=TODAY)

    assert _rows(client, w.coordinator, "report=missing") == [late]


def test_acceptance_overdue_filter(client, w):
    Responsibility.objects.all().delete()
    # 3 working days before Tuesday 06-10 is Thursday 06-05.
    old = _item(w, title="超时", assigned_at=timezone.make_aware(dt.datetime(2025, 6, 5, 9)))
    _item(w, title="未超时", assigned_at=timezone.make_aware(dt.datetime(2025, 6, 6, 9)))

    assert _rows(client, w.coordinator, "accept=overdue") == [old]


def test_search_in_chinese_over_title_and_text(client, w):
    by_text = _item(
        w, title="其他", task=TaskFactory(plan=w.plan, title="其他", text="建设概念验证中心")
    )

    assert _rows(client, w.coordinator, "q=甲厅牵头") == [w.resp_a]
    assert _rows(client, w.coordinator, "q=概念验证") == [by_text]


def test_default_order_is_worst_colour_then_nearest_deadline(client, w):
    Responsibility.objects.all().delete()
    green = _item(w, title="绿", due_on=TODAY + dt.timedelta(days=300))
    red_later = _item(w, title="红晚", due_on=TODAY - dt.timedelta(days=1))
    red_early = _item(w, title="红早", due_on=TODAY - dt.timedelta(days=9))
    amber = _item(w, title="黄", due_on=TODAY + dt.timedelta(days=2))
    grey = _item(w, title="灰", due_on=TODAY - dt.timedelta(days=30), status=S.COMPLETED)

    assert _rows(client, w.coordinator) == [red_early, red_later, amber, green, grey]


def test_days_left_and_overdue_column(client, w):
    Responsibility.objects.filter(pk=w.resp_a.pk).update(due_on=TODAY - dt.timedelta(days=4))
    client.force_login(w.staff_a)

    html = client.get(LIST).content.decode()

    assert "逾期4天" in html


def test_pages_still_work_in_english(client, w):
    client.force_login(w.staff_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the switch in the header
    change = reverse("admin:tasks_app_responsibility_change", args=[w.resp_a.pk])

    listing = client.get(LIST)
    page = client.get(change)

    assert (listing.status_code, page.status_code) == (200, 200)
    assert "Filter" in listing.content.decode()


def test_a_browser_set_up_in_english_still_gets_chinese_until_the_user_switches(client, w):
    client.force_login(w.staff_a)

    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert '<html lang="zh-hans"' in page
    assert "过滤器" in page
