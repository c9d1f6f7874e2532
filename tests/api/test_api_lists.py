"""Lists: filters (through the caller's visible responsibilities only), cursor pagination with a
stable order and no COUNT(*), invalid query parameters as 400, and the same number of queries
for 2 rows as for 50."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import User
from tests.api.world import grow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_filters_overdue_and_agency(world):
    client = world.client("coordinator")

    overdue = _ids(client.get("/api/v1/tasks/", {"overdue": "true"}))
    by_a_overdue = _ids(client.get("/api/v1/tasks/", {"overdue": "true", "agency": world.a.pk}))
    red = _ids(client.get("/api/v1/tasks/", {"colour": "red"}))

    assert overdue == [world.task_a.pk, world.task_b.pk]
    assert by_a_overdue == [world.task_a.pk]
    assert red == overdue


def test_a_supporting_agency_cannot_find_tasks_by_the_lead_agencys_state(world):
    """B supports task_ab led by A: B sees the task, but not A's responsibility on it, so no filter
    on A's responsibility finds it for B."""
    client = world.client("staff_b")

    assert world.task_ab.pk in _ids(client.get("/api/v1/tasks/"))
    assert _ids(client.get("/api/v1/tasks/", {"agency": world.a.pk})) == []
    task = client.get(f"/api/v1/tasks/{world.task_ab.pk}/").json()
    assert [r["agency"]["id"] for r in task["responsibilities"]] == [world.b.pk]


def test_the_lead_agency_sees_its_partners_on_its_tasks(world):
    task = world.client("staff_a").get(f"/api/v1/tasks/{world.task_ab.pk}/").json()

    assert [r["agency"]["id"] for r in task["responsibilities"]] == [world.a.pk, world.b.pk]
    assert task["colour"] == "green"


def test_search_in_chinese(world):
    found = _ids(world.client("coordinator").get("/api/v1/tasks/", {"q": "乙厅配合"}))

    assert found == [world.task_ab.pk]


def test_cursor_pagination_walks_every_row_once_in_order_without_count(world):
    client = world.client("coordinator")
    seen, url = [], "/api/v1/tasks/?page_size=1"
    with CaptureQueriesContext(connection) as queries:
        while url:
            page = client.get(url).json()
            seen += [row["id"] for row in page["results"]]
            url = page["next"]

    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 4
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


@pytest.mark.parametrize(
    "query",
    [
        {"page_size": "0"},
        {"page_size": "-3"},
        {"page_size": "²"},
        {"plan": "abc"},
        {"plan": "99999999999999999999999"},
        {"colour": "purple"},
        {"status": "nonsense"},
        {"due_before": "2024-13-45"},
        {"q": "x" * 101},
        {"q": "a\x00b"},
    ],
)
def test_invalid_query_parameters_are_400_in_the_error_shape(world, query):
    response = world.client("coordinator").get("/api/v1/tasks/", query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["field_errors"]


def test_a_cursor_this_api_did_not_make_is_404(world):
    response = world.client("coordinator").get("/api/v1/tasks/", {"cursor": "garbage"})

    assert response.status_code == 404
    assert response.json()["code"] == "invalid_cursor"


LISTS = [
    "/api/v1/tasks/",
    "/api/v1/tasks/?overdue=false&agency={a}",
    "/api/v1/responsibilities/",
    "/api/v1/reports/",
    "/api/v1/events/",
    "/api/v1/extension-requests/",
    "/api/v1/completion-requests/",
    "/api/v1/plans/",
    "/api/v1/agencies/",
    "/api/v1/reminders/",
    "/api/v1/tokens/",
    "/api/v1/targets/",
    "/api/v1/reminder-policies/",
    "/api/v1/reminder-emails/",
    "/api/v1/working-days/",
]


# Lists the world has fewer than 50 rows of (their queries are still counted).
FEW_ROWS = {
    "/api/v1/plans/",
    "/api/v1/agencies/",
    "/api/v1/tokens/",
    "/api/v1/reminder-policies/",
}


@pytest.mark.parametrize("who", ["staff_a", "coordinator"])
def test_queries_per_list_do_not_grow_from_2_to_50_rows(world, who):
    client = world.client(who)
    client.get("/api/v1/me/")  # the token's first use is recorded once; not part of a list

    def count(url: str, rows: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": rows})
        assert response.status_code in (200, 403), response.content
        if response.status_code == 200 and url not in FEW_ROWS:
            assert len(response.json()["results"]) == rows, url
        return len(queries)

    grow(world, 50)
    for template in LISTS:
        url = template.format(a=world.a.pk)
        assert count(url, 2) == count(url, 50), url


def test_session_authentication_works_for_the_browser(world):
    from django.test import Client

    client = Client()
    client.force_login(world.users["staff_a"])

    assert client.get("/api/v1/me/").json()["username"] == "staff_a"


def test_leaders_and_staff_of_the_same_agency_see_the_same_tasks(world):
    leader = UserFactory(agency=world.a, role=User.Role.LEADER)
    from django.test import Client

    client = Client()
    client.force_login(leader)

    assert _ids(client.get("/api/v1/tasks/")) == _ids(world.client("staff_a").get("/api/v1/tasks/"))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tasks/99999999999999999999999/",
        "/api/v1/reports/830996808159101211764/attachments/3/",
        "/api/v1/reports/1/attachments/830996808159101211764/",
    ],
)
def test_ids_too_large_for_any_key_are_404(world, path):
    response = world.client("coordinator").get(path)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "since, message",
    [
        ("0831-10-31T16:22:21-18:20", "时区偏移超出范围"),
        ("0831-10-31T16:22:21+08:00", "年份超出范围"),
    ],
)
def test_event_dates_the_database_cannot_hold_are_a_400_not_a_500(world, since, message):
    response = world.client("coordinator").get("/api/v1/events/", {"since": since})

    assert response.status_code == 400, response.content
    assert message in response.content.decode()


def test_event_since_filter_keeps_later_events(world):
    client = world.client("coordinator")

    def ids(**params) -> list[int]:
        return [e["id"] for e in client.get("/api/v1/events/", params).json()["results"]]

    everything = ids()
    assert everything
    assert ids(since="2000-01-01T00:00:00+08:00") == everything
    assert ids(since="9000-01-01T00:00:00Z") == []
