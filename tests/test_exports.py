"""Exports: the filtered responsibility list as Excel and CSV (exactly the list's rows, never
another agency's), and the agency × task responsibility matrix of a plan."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from tasks_app.models import Action, Responsibility
from tests.factories import ResponsibilityFactory, TaskFactory, admin_world

pytestmark = pytest.mark.django_db
S = Responsibility.Status
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LIST = reverse("admin:tasks_app_responsibility_changelist")
HEADERS = [
    "任务编号",
    "任务",
    "规划方案",
    "章节",
    "责任单位",
    "职责",
    "办理状态",
    "红黄绿灯",
    "完成时限",
    "原定时限",
    "剩余/逾期天数",
    "完成比例(%)",
    "最近报送",
    "下次报送截止",
    "签收时间",
    "办结时间",
    "超期办结",
]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def w():
    """Plan P also has task 3 (led by A, B supporting, overdue) and task 4 (B, completed)."""
    w = admin_world()
    w.task_3 = TaskFactory(plan=w.plan, number="3", title="三号任务", order=3)
    w.task_4 = TaskFactory(plan=w.plan, number="4", title="四号任务", order=4)
    w.lead_3 = ResponsibilityFactory(
        task=w.task_3, agency=w.resp_a.agency, status=S.IN_PROGRESS, due_on=dt.date(2025, 6, 1)
    )
    w.support_3 = ResponsibilityFactory(
        task=w.task_3, agency=w.resp_b.agency, role="supporting", due_on=dt.date(2025, 6, 1)
    )
    w.done_4 = ResponsibilityFactory(task=w.task_4, agency=w.resp_b.agency, status=S.COMPLETED)
    return w


def _export(client, user, fmt, query=""):
    client.force_login(user)
    url = reverse("admin:tasks_app_responsibility_export", args=[fmt])
    response = client.get(f"{url}?{query}" if query else url)
    assert response.status_code == 200
    return response


def _csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


def _listed(client, user, query):
    client.force_login(user)
    return list(client.get(f"{LIST}?{query}").context["cl"].result_list)


@pytest.mark.parametrize(
    "query", ["", "colour=red", "status=completed", "agency=0", "q=三号", "o=7", "plan=1&role=lead"]
)
def test_csv_export_has_exactly_the_lists_rows_in_its_order(client, w, query):
    query = query.replace("agency=0", f"agency={w.resp_b.agency_id}").replace(
        "plan=1", f"plan={w.plan.pk}"
    )

    rows = _csv_rows(_export(client, w.coordinator, "csv", query))

    expected = _listed(client, w.coordinator, query)
    assert rows[0] == HEADERS
    assert [(r[1], r[4]) for r in rows[1:]] == [(e.task.title, str(e.agency)) for e in expected]


def test_csv_row_values(client, w):
    rows = _csv_rows(_export(client, w.coordinator, "csv", "colour=red"))

    assert rows[1:] == [
        ["3", "三号任务", "共同行动方案", "", "省甲厅", "牵头", "办理中", "红灯（逾期）",
         "2025-06-01", "2025-06-01", "-9", "0", "", "", "", "", ""],
        ["3", "三号任务", "共同行动方案", "", "省乙厅", "配合", "待签收", "红灯（逾期）",
         "2025-06-01", "2025-06-01", "-9", "0", "", "", "", "", ""],
    ]  # fmt: skip


def test_xlsx_export_has_the_same_rows_with_colour_fills(client, w):
    sheet, rows = _xlsx_rows(_export(client, w.coordinator, "xlsx", "colour=red"))

    assert rows[0] == HEADERS
    assert [(r[1], r[4], r[8]) for r in rows[1:]] == [
        ("三号任务", "省甲厅", dt.datetime(2025, 6, 1)),
        ("三号任务", "省乙厅", dt.datetime(2025, 6, 1)),
    ]
    colour_cell = sheet.cell(row=2, column=HEADERS.index("红黄绿灯") + 1)
    assert colour_cell.fill.start_color.rgb.endswith("F4C7C3")


def test_staff_export_never_contains_other_agencies_rows(client, w):
    own = _csv_rows(_export(client, w.staff_a, "csv"))
    everything = _csv_rows(_export(client, w.staff_a, "csv", "scope=all"))
    b_only = _csv_rows(_export(client, w.staff_a, "csv", f"scope=all&agency={w.resp_b.agency_id}"))

    assert [(r[1], r[4]) for r in own[1:]] == [("三号任务", "省甲厅"), ("甲厅牵头的任务", "省甲厅")]
    assert ("乙厅独有的任务", "省乙厅") not in [(r[1], r[4]) for r in everything[1:]]
    assert ("四号任务", "省乙厅") not in [(r[1], r[4]) for r in everything[1:]]
    assert [(r[1], r[4]) for r in b_only[1:]] == [("三号任务", "省乙厅")]  # on a task A leads


def test_export_buttons_carry_the_lists_filters(client, w):
    client.force_login(w.coordinator)

    html = client.get(f"{LIST}?colour=red&q=三号").content.decode()

    export = reverse("admin:tasks_app_responsibility_export", args=["xlsx"])
    assert f'href="{export}?colour=red&amp;q=%E4%B8%89%E5%8F%B7"' in html


def test_unknown_export_format_is_not_found(client, w):
    client.force_login(w.coordinator)

    url = reverse("admin:tasks_app_responsibility_export", args=["pdf"])

    assert client.get(url).status_code == 404


# --- The agency × task matrix -------------------------------------------------------------------------


def _matrix(client, user, plan, fmt):
    client.force_login(user)
    response = client.get(reverse("admin:tasks_app_plan_matrix", args=[plan.pk, fmt]))
    assert response.status_code == 200
    return response


def test_matrix_csv_cells(client, w):
    rows = _csv_rows(_matrix(client, w.coordinator, w.plan, "csv"))

    assert rows == [
        ["共同行动方案"],
        ["责任单位", "1", "2", "3", "4", "牵头", "配合", "实施"],
        ["任务", "甲厅牵头的任务", "乙厅独有的任务", "三号任务", "四号任务"],
        ["省甲厅", "牵头（待签收·绿灯）", "", "牵头（办理中·红灯）", "", "2", "0", "0"],
        [
            "省乙厅",
            "",
            "牵头（待签收·绿灯）",
            "配合（待签收·红灯）",
            "牵头（已办结·灰色）",
            "2",
            "1",
            "0",
        ],
    ]


def test_matrix_xlsx_cells_are_filled_with_the_status_colour(client, w):
    sheet, rows = _xlsx_rows(_matrix(client, w.coordinator, w.plan, "xlsx"))

    assert rows[1] == ["责任单位", "1", "2", "3", "4", "牵头", "配合", "实施"]
    assert rows[3][:5] == ["省甲厅", "牵头", None, "牵头", None]
    assert rows[4][:5] == ["省乙厅", None, "牵头", "配合", "牵头"]
    fills = {
        (row, col): sheet.cell(row=row, column=col).fill.start_color.rgb[-6:]
        for row, col in [(4, 2), (4, 4), (5, 5)]
    }
    assert fills == {(4, 2): "B7E1CD", (4, 4): "F4C7C3", (5, 5): "E0E0E0"}


def test_staff_matrix_shows_only_what_they_may_see(client, w):
    rows = _csv_rows(_matrix(client, w.staff_a, w.plan, "csv"))

    assert rows[1] == ["责任单位", "1", "3", "牵头", "配合", "实施"]
    assert rows[3:] == [
        ["省甲厅", "牵头（待签收·绿灯）", "牵头（办理中·红灯）", "2", "0", "0"],
        ["省乙厅", "", "配合（待签收·红灯）", "0", "1", "0"],
    ]


# --- Every other list: its own columns, its own filters -----------------------------------------

TASKS = reverse("admin:tasks_app_task_changelist")


def _list_export(client, user, list_url, fmt, query=""):
    client.force_login(user)
    url = f"{list_url}export/{fmt}/"
    return client.get(f"{url}?{query}" if query else url)


def test_task_list_export_has_the_lists_columns_as_plain_values(client, w):
    response = _list_export(client, w.coordinator, TASKS, "csv", f"plan_id={w.plan.pk}")

    assert response.status_code == 200
    assert "filename*=UTF-8''%E4%BB%BB%E5%8A%A1" in response["Content-Disposition"]  # 任务_…
    rows = _csv_rows(response)
    assert rows[0] == [
        "任务",
        "规划方案",
        "章节",
        "类别",
        "完成时限",
        "牵头单位",
        "牵头单位办理状态",
        "红黄绿灯",
    ]
    by_title = {row[0]: row for row in rows[1:]}
    assert set(by_title) == {"1. 甲厅牵头的任务", "2. 乙厅独有的任务", "3. 三号任务", "4. 四号任务"}
    # The colour badge's text, not its HTML; the lead's status label, not its code.
    assert by_title["3. 三号任务"][5:] == ["省甲厅", "办理中", "红灯（逾期）"]
    assert by_title["4. 四号任务"][6:] == ["已办结", "灰色（已办结或中止）"]


def test_task_list_export_xlsx_keeps_dates_and_fills_the_colour(client, w):
    response = _list_export(client, w.coordinator, TASKS, "xlsx", "q=三号")

    sheet, rows = _xlsx_rows(response)
    assert len(rows) == 2
    assert rows[1][0] == "3. 三号任务"
    assert rows[1][4] == dt.datetime(2026, 12, 31)  # a date cell, not text
    assert sheet.cell(row=2, column=8).fill.start_color.rgb.endswith("F4C7C3")


def test_event_export_writes_moments_in_local_time(client, w):
    from tasks_app.services.workflow import responsibility_transition

    responsibility_transition(responsibility_id=w.resp_a.pk, actor=w.staff_a, action=Action.ACCEPT)
    response = _list_export(
        client, w.coordinator, reverse("admin:tasks_app_event_changelist"), "xlsx"
    )

    _sheet, rows = _xlsx_rows(response)
    assert rows[1][0] == NOW.replace(tzinfo=None)  # 10:00 in Shanghai, not 02:00 UTC
    assert "甲厅牵头的任务" in rows[1][1]


def test_list_export_of_a_filter_the_list_rejects_is_a_400(client, w):
    response = _list_export(client, w.coordinator, TASKS, "csv", "no_such_field__gt=1")

    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()


def test_every_list_page_offers_its_exports_with_its_filters(client, w):
    client.force_login(w.coordinator)

    html = client.get(f"{TASKS}?q=三号").content.decode()

    assert f'href="{TASKS}export/xlsx/?q=%E4%B8%89%E5%8F%B7"' in html
    assert f'href="{TASKS}export/csv/?q=%E4%B8%89%E5%8F%B7"' in html


# --- What agencies type never runs in Excel --------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/","点击查看")'


@pytest.mark.parametrize("text", [FORMULA, "+1+2", "-1-2", "@SUM(A1)"])
def test_text_that_looks_like_a_formula_is_exported_as_text(client, w, text):
    w.task_3.title = text
    w.task_3.save()

    sheet, _rows = _xlsx_rows(_export(client, w.coordinator, "xlsx", "q=3&colour=red"))
    csv_rows = _csv_rows(_export(client, w.coordinator, "csv", "colour=red"))

    cell = sheet.cell(row=2, column=HEADERS.index("任务") + 1)
    assert (cell.value, cell.data_type) == (text, "s")  # a string, not a formula
    assert csv_rows[1][1] == f"'{text}"  # Excel shows it, does not run it


def test_numbers_in_csv_are_not_quoted(client, w):
    csv_rows = _csv_rows(_export(client, w.coordinator, "csv", "colour=red"))

    assert csv_rows[1][HEADERS.index("剩余/逾期天数")] == "-9"
