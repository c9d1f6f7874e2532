"""GET <list>/export/{xlsx,csv}/: every list as a file — exactly the list's rows (same scoping,
same filters, every page, same order), the list's fields as plain columns, the same number of
queries for 2 rows as for 50, refusals in the API's error shape. Who may export what: the
permission matrix (test_api_permissions.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks_app import exports
from tasks_app.selectors import Colour
from tests.api.world import grow

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff]")


def _filters(w) -> dict[str, dict]:
    """Each exported list with a filter that leaves some rows out for someone."""
    return {
        "tasks": {"agency": w.a.pk},
        "events": {"plan": w.plan.pk},
        "extension-requests": {"status": "pending"},
        "completion-requests": {"plan": w.plan.pk},
        "reports": {"plan": w.plan.pk, "status": "submitted"},
        "reminders": {"plan": w.plan.pk},
        "reminder-emails": {"status": "failed"},
        "targets": {"plan": w.plan.pk},
        "agencies": {"q": "厅"},
        "plans": {},  # no filters
        "working-days": {"is_working_day": "true"},
        "reminder-policies": {"plan": w.plan.pk},
    }


LISTS = [
    *("tasks", "events", "extension-requests", "completion-requests", "reports", "reminders"),
    *("reminder-emails", "targets", "agencies", "plans", "working-days", "reminder-policies"),
]


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    assert response.content.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _workbook_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:500]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [tuple(c for c in row) for row in sheet.iter_rows()]


def _list_ids(client, name: str, params: dict) -> list[int]:
    """Every row of the list, following its cursor pages."""
    ids, url, query = [], f"/api/v1/{name}/", {**params, "page_size": 2}
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        page = response.json()
        ids += [row["id"] for row in page["results"]]
        url, query = page["next"], None
    return ids


@pytest.mark.parametrize("who", ["coordinator", "staff_a", "staff_b"])
@pytest.mark.parametrize("name", LISTS)
def test_the_csv_has_exactly_the_lists_rows_in_its_order(world, name, who):
    grow(world, 3)
    client = world.client(who)
    params = _filters(world)[name]

    listed = client.get(f"/api/v1/{name}/", params)
    exported = client.get(f"/api/v1/{name}/export/csv/", params)

    if listed.status_code == 403:  # the reminders log and rules: coordinators only
        assert exported.status_code == 403
        assert exported.json()["code"] == "permission_denied"
        return
    header, *rows = _csv_rows(exported)
    assert header[0] == "ID"
    assert [int(row[0]) for row in rows] == _list_ids(client, name, params)


def test_a_filter_narrows_the_export_as_it_narrows_the_list(world):
    client = world.client("coordinator")

    everything = _csv_rows(client.get("/api/v1/tasks/export/csv/"))[1:]
    a_only = _csv_rows(client.get("/api/v1/tasks/export/csv/", {"agency": world.a.pk}))[1:]

    assert {int(r[0]) for r in everything} > {int(r[0]) for r in a_only}
    assert world.task_b.pk not in {int(r[0]) for r in a_only}


def test_the_columns_are_the_lists_fields_as_plain_values(world):
    """Nested records by name, lists joined with 、, choices by label, the caller's actions and
    the version left out."""
    header, *rows = _csv_rows(world.client("staff_a").get("/api/v1/tasks/export/csv/"))
    by_id = {int(r[0]): dict(zip(header, r, strict=True)) for r in rows}

    assert header == [
        *("ID", "规划方案", "章节", "上级任务", "位置", "编号", "标题", "类别", "完成时限"),
        *("红黄绿灯", "逾期天数", "责任单位"),
    ]
    task_ab = by_id[world.task_ab.pk]
    assert task_ab["责任单位"] == "江苏省甲厅、江苏省乙厅"
    assert task_ab["红黄绿灯"] == str(Colour.LABELS[Colour.GREEN])
    assert by_id[world.task_a.pk]["逾期天数"] == "5"


def test_booleans_none_and_nested_records(world):
    header, *rows = _csv_rows(world.client("coordinator").get("/api/v1/agencies/export/csv/"))
    a = dict(zip(header, next(r for r in rows if int(r[0]) == world.a.pk), strict=True))

    assert (a["规范名称"], a["已核实"], a["上级"], a["别名"]) == ("江苏省甲厅", "是", "", "甲厅")


@pytest.mark.parametrize("name", LISTS)
def test_every_column_has_a_chinese_header(world, name):
    """A label made by DRF from the field name would be English: every field needs its own."""
    header = _csv_rows(world.client("administrator").get(f"/api/v1/{name}/export/csv/"))[0]

    assert [h for h in header[1:] if not CJK.search(h)] == []


def test_headers_in_english_on_request(world):
    response = world.client("coordinator").get(
        "/api/v1/tasks/export/csv/", headers={"Accept-Language": "en"}
    )

    header = _csv_rows(response)[0]
    assert [h for h in header if CJK.search(h)] == []
    assert "RAG status" in header


def test_the_file_is_named_after_the_list_and_the_day(world):
    response = world.client("coordinator").get("/api/v1/completion-requests/export/xlsx/")

    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    today = f"{timezone.localdate():%Y%m%d}"
    assert response["Content-Disposition"] == exports.content_disposition(
        f"办结申请_{today}.xlsx", "export.xlsx"
    )


def test_xlsx_dates_are_dates_and_colours_fill_their_cells(world):
    header, *rows = _workbook_rows(world.client("coordinator").get("/api/v1/tasks/export/xlsx/"))
    names = [c.value for c in header]
    task_a = next(r for r in rows if r[0].value == world.task_a.pk)
    due, colour = task_a[names.index("完成时限")], task_a[names.index("红黄绿灯")]

    assert due.is_date and due.value.date() == world.task_a.due_on
    assert colour.value == str(Colour.LABELS[Colour.RED])
    assert colour.fill.fgColor.rgb.endswith(exports.FILLS[Colour.RED])


def test_xlsx_moments_are_local_time_without_a_zone(world):
    header, *rows = _workbook_rows(world.client("coordinator").get("/api/v1/events/export/xlsx/"))
    names = [c.value for c in header]
    event = next(r for r in rows if r[0].value == world.event_a.pk)
    written = event[names.index("时间")].value
    expected = timezone.localtime(world.event_a.created_at).replace(tzinfo=None)

    assert written.tzinfo is None
    assert abs(written - expected) < dt.timedelta(seconds=1)


def test_rows_read_in_chunks_are_complete(world, monkeypatch):
    """The rows are read a chunk at a time with the list's prefetches for each chunk."""
    grow(world, 5)
    client = world.client("staff_a")
    whole = client.get("/api/v1/tasks/export/csv/").content

    monkeypatch.setattr(exports, "CHUNK", 2)
    chunked = client.get("/api/v1/tasks/export/csv/").content

    assert chunked == whole
    assert "江苏省甲厅、江苏省乙厅" in chunked.decode("utf-8-sig")


@pytest.mark.parametrize("who", ["staff_a", "coordinator"])
def test_queries_per_export_do_not_grow_from_2_to_50_rows(world, who):
    client = world.client(who)
    client.get("/api/v1/me/")  # the token's first use is recorded once; not part of an export

    def counts() -> dict[str, int]:
        result = {}
        for name in LISTS:
            for fmt in ("csv", "xlsx"):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(f"/api/v1/{name}/export/{fmt}/")
                assert response.status_code in (200, 403), response.content[:300]
                result[f"{name} {fmt}"] = len(queries)
        return result

    grow(world, 2)
    with_2 = counts()
    grow(world, 48, start=2)
    with_50 = counts()

    assert with_50 == with_2


@pytest.mark.parametrize("fmt", ["pdf", "XLSX", "xlsx.exe", "csvx"])
def test_an_unknown_format_is_404_in_the_error_shape(world, fmt):
    response = world.client("coordinator").get(f"/api/v1/tasks/export/{fmt}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "name, query",
    [
        ("tasks", {"colour": "purple"}),
        ("events", {"since": "yesterday"}),
        ("reports", {"plan": "abc"}),
        ("reminder-emails", {"status": "nonsense"}),
        ("working-days", {"year": "twenty"}),
    ],
)
def test_an_invalid_filter_is_400_in_the_error_shape(world, name, query):
    response = world.client("coordinator").get(f"/api/v1/{name}/export/xlsx/", query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["field_errors"]) == set(query)


def test_related_records_are_named_not_numbered(world):
    """An event's plan, task and responsibility are shown by name, as a person reads them."""
    from tasks_app.models import Event

    header, *rows = _csv_rows(world.client("coordinator").get("/api/v1/events/export/csv/"))
    events = Event.objects.select_related("plan", "task", "responsibility__agency").in_bulk()

    assert rows
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        event = events[int(cells["ID"])]
        assert cells["规划方案"] == event.plan.title
        assert cells["任务"] == (str(event.task) if event.task else "")
        if event.responsibility is not None:
            responsibility = event.responsibility
            assert cells["责任分工"] == f"{responsibility.task} — {responsibility}"
