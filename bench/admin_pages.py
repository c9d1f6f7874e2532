#!/usr/bin/env python
"""The coordinator's start page and the staff list at scale, against the raw SQL floor.

Not part of `make test`. Builds a throwaway PostgreSQL database next to the one DATABASE_URL
names (`<name>_bench_admin`), migrates it, loads the shipped agencies and the official calendar,
and generates synthetic tasks (`manage.py generate_synthetic`; 100,000 by default). Then, warm,
it times each page rendered through the whole Django stack (django.test.Client, a logged-in user
of the right role) against hand-written SQL producing the same numbers and rows, checks that
both agree, and prints the medians and their ratio (target: ≤ 3×):

- 督办工作台 (/admin/tasks_app/responsibility/dashboard/), as the plans' coordinator: counts by
  status and colour per plan and per agency, pending extensions per plan, the items overdue
  longest;
- 我的任务 (/admin/tasks_app/responsibility/), as the staff member of the agency with the most
  responsibilities: the first page (50 rows, worst colour first) and its count.

Usage:  DATABASE_URL=postgres://user@127.0.0.1:5432/anything .venv/bin/python bench/admin_pages.py
        [--tasks 100000] [--runs 9] [--keep] [--reuse] [--explain]
--keep leaves the database for investigation; --reuse runs against a kept one without rebuilding;
--explain prints EXPLAIN ANALYZE of each query the pages run, slowest first.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from throwaway import throwaway_database  # noqa: E402  (bench/, next to this script)

PREFIX = "bench"
TARGET_RATIO = 3.0
DASHBOARD_URL = "/admin/tasks_app/responsibility/dashboard/"
STAFF_LIST_URL = "/admin/tasks_app/responsibility/"
PAGE_SIZE = 50


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9, help="timed runs per page (median)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    parser.add_argument("--reuse", action="store_true", help="use a kept database as it is")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the pages' SQL")
    return parser.parse_args()


# --- The database ------------------------------------------------------------------------------


def _setup_django(bench_url: str) -> None:
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    # django.test.Client's host; setup_test_environment() is not used because it instruments
    # template rendering (the client would then copy every template context: not what users get).
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    # WhiteNoise's "No directory at: staticfiles/" (collectstatic is not run for a bench).
    warnings.filterwarnings("ignore", message="No directory at")


def build(tasks: int) -> float:
    from django.core.management import call_command

    from tasks_app.reference_data import FIXTURES_DIR, reference_fixture_load
    from tasks_app.synthetic import SyntheticSpec, synthetic_generate

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_working_days", stdout=io.StringIO())
    reference_fixture_load(FIXTURES_DIR / "agencies.json")
    result = synthetic_generate(SyntheticSpec(tasks=tasks, prefix=PREFIX))
    print(
        f"生成 {result.tasks:,} 项任务、{result.responsibilities:,} 条责任分工"
        f"（{result.plans} 个方案、{result.agencies_used} 个单位）：{result.seconds:.1f} s；"
        f"建库合计 {time.perf_counter() - started:.1f} s"
    )
    return result.seconds


# --- The raw SQL floor -------------------------------------------------------------------------

# The colour of a responsibility, as selectors.colour_expression defines it.
COLOUR_SQL = """
    CASE
        WHEN r.status IN ('completed', 'suspended') THEN 'grey'
        WHEN r.due_on < %(today)s THEN 'red'
        WHEN r.due_on <= %(amber_until)s OR r.behind_schedule_on <= %(today)s
             OR (r.status = 'in_progress' AND r.next_report_due_on < %(today)s) THEN 'amber'
        ELSE 'green'
    END
"""
COLOUR_RANK_SQL = (
    COLOUR_SQL.replace("'grey'", "3")
    .replace("'red'", "0")
    .replace("'amber'", "1")
    .replace("'green'", "2")
)
STATUSES = (
    "assigned",
    "in_progress",
    "leader_review",
    "completion_requested",
    "completed",
    "suspended",
)
COLOURS = ("red", "amber", "green", "grey")
COUNTS_SQL = ", ".join(
    ["count(*) AS total"]
    + [f"count(*) FILTER (WHERE status = '{s}') AS s_{s}" for s in STATUSES]
    + [f"count(*) FILTER (WHERE colour = '{c}') AS c_{c}" for c in COLOURS]
    + [
        "count(*) FILTER (WHERE status IN ('assigned', 'in_progress', 'leader_review',"
        " 'completion_requested') AND next_report_due_on < %(today)s) AS report_missing",
        "count(*) FILTER (WHERE status = 'assigned'"
        " AND (assigned_at AT TIME ZONE 'Asia/Shanghai')::date <= %(accept_by)s) AS accept_overdue",
    ]
)
COORDINATED = f"""
    SELECT r.*, t.plan_id, {COLOUR_SQL} AS colour
    FROM tasks_app_responsibility r
    JOIN tasks_app_task t ON t.id = r.task_id
    JOIN tasks_app_plan p ON p.id = t.plan_id
    WHERE p.coordinating_agency_id = %(agency)s
"""

DASHBOARD_SQL = {
    "plans": """
        SELECT id, title FROM tasks_app_plan WHERE coordinating_agency_id = %(agency)s
        ORDER BY issued_on DESC, id
    """,
    "per_plan": f"SELECT plan_id, {COUNTS_SQL} FROM ({COORDINATED}) x GROUP BY plan_id",
    "pending_extensions": """
        SELECT t.plan_id, count(*) FROM tasks_app_extensionrequest e
        JOIN tasks_app_responsibility r ON r.id = e.responsibility_id
        JOIN tasks_app_task t ON t.id = r.task_id
        JOIN tasks_app_plan p ON p.id = t.plan_id
        WHERE e.status = 'pending' AND p.coordinating_agency_id = %(agency)s
        GROUP BY t.plan_id
    """,
    "per_agency": f"""
        SELECT a.id, coalesce(nullif(a.short_name, ''), a.name), c.*
        FROM (SELECT agency_id, {COUNTS_SQL} FROM ({COORDINATED}) x GROUP BY agency_id) c
        JOIN agencies_agency a ON a.id = c.agency_id
        ORDER BY a."order", a.id
    """,
    "longest_overdue": """
        SELECT r.id, r.due_on, r.status, t.id, t.number, t.title, p.title, a.name, a.short_name
        FROM tasks_app_responsibility r
        JOIN tasks_app_task t ON t.id = r.task_id
        JOIN tasks_app_plan p ON p.id = t.plan_id
        JOIN agencies_agency a ON a.id = r.agency_id
        WHERE p.coordinating_agency_id = %(agency)s
          AND r.status NOT IN ('completed', 'suspended') AND r.due_on < %(today)s
        ORDER BY r.due_on, r.id LIMIT 10
    """,
}

STAFF_LIST_SQL = {
    "count": "SELECT count(*) FROM tasks_app_responsibility WHERE agency_id = %(agency)s",
    "page": f"""
        SELECT r.id, r.role, r.status, r.version, r.due_on, r.last_reported_at,
               t.id, t.number, t.title, p.id, p.title, s.id, s.title, a.name, a.short_name,
               {COLOUR_SQL} AS colour
        FROM tasks_app_responsibility r
        JOIN tasks_app_task t ON t.id = r.task_id
        JOIN tasks_app_plan p ON p.id = t.plan_id
        LEFT JOIN tasks_app_section s ON s.id = t.section_id
        JOIN agencies_agency a ON a.id = r.agency_id
        WHERE r.agency_id = %(agency)s
        ORDER BY {COLOUR_RANK_SQL}, r.due_on, t.plan_id, t."order", r.id
        LIMIT {PAGE_SIZE}
    """,
}


def run_sql(statements: dict[str, str], params: dict) -> dict[str, list[tuple]]:
    from django.db import connection

    results = {}
    with connection.cursor() as cursor:
        for name, sql in statements.items():
            cursor.execute(sql, params)
            results[name] = cursor.fetchall()
    return results


# --- Measuring ---------------------------------------------------------------------------------


@dataclass
class Page:
    title: str
    url: str
    username: str
    statements: dict[str, str]
    params: dict
    check: Callable[[str, dict[str, list[tuple]]], str | None]  # (html, raw) → problem or None


def _timed(function: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def measure(page: Page, runs: int) -> tuple[float, float, int, str | None]:
    """Median seconds (page, raw SQL), the page's query count, and a disagreement if any."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agencies.models import User

    client = Client()
    client.force_login(User.objects.get(username=page.username))

    def fetch() -> str:
        response = client.get(page.url)
        assert response.status_code == 200, (page.url, response.status_code)
        return response.content.decode()

    for _ in range(2):  # warm: caches, connections, the planner's statistics
        fetch()
        run_sql(page.statements, page.params)
    page_times, raw_times = [], []
    for _ in range(runs):  # interleaved, so that both see the same machine
        page_times.append(_timed(fetch)[0])
        raw_times.append(_timed(lambda: run_sql(page.statements, page.params))[0])
    with CaptureQueriesContext(connection) as queries:
        html = fetch()
    problem = page.check(html, run_sql(page.statements, page.params))
    return statistics.median(page_times), statistics.median(raw_times), len(queries), problem


def explain(page: Page) -> None:
    """EXPLAIN ANALYZE every query the page runs, slowest first (for finding out why)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agencies.models import User

    client = Client()
    client.force_login(User.objects.get(username=page.username))
    with CaptureQueriesContext(connection) as queries:
        client.get(page.url)
    print(f"\n== {page.title}：{len(queries)} 条查询，按耗时排序 ==")
    for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]:
        print(f"\n-- {float(query['time']) * 1000:.1f} ms\n{query['sql'][:600]}")
        if query["sql"].lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))


# --- The two pages -----------------------------------------------------------------------------


def _numbers(html: str, table_id: str) -> list[str]:
    """The numbers of the cells with class "num" in the table with `table_id`, in order."""
    start = html.index(f'id="{table_id}"')
    table = html[start : html.index("</table>", start)]
    return re.findall(r'<td class="num[^"]*">(?:<[^>]+>)?(\d+)<', table)


def check_dashboard(html: str, raw: dict[str, list[tuple]]) -> str | None:
    pending = dict(raw["pending_extensions"])
    per_plan = {row[0]: row[1:] for row in raw["per_plan"]}
    expected = []
    for plan_id, _title in raw["plans"]:
        counts = per_plan.get(plan_id, (0,) * 13)
        expected += [str(n) for n in counts] + [str(pending.get(plan_id, 0))]
    if _numbers(html, "duban-plans")[: len(expected)] != expected:
        return "各方案的数字与原生 SQL 不一致"
    expected = [str(n) for row in raw["per_agency"] for n in row[3:]]
    if _numbers(html, "duban-agencies") != expected:
        return "各单位的数字与原生 SQL 不一致"
    longest = [str(row[0]) for row in raw["longest_overdue"]]
    if (
        re.findall(r'data-responsibility="(\d+)"', html.split('id="duban-longest-overdue"')[1])[
            : len(longest)
        ]
        != longest
    ):
        return "逾期最久的事项与原生 SQL 不一致"
    return None


def check_staff_list(html: str, raw: dict[str, list[tuple]]) -> str | None:
    ids = re.findall(r'<form id="row-(\d+)"', html)
    expected = [str(row[0]) for row in raw["page"]]
    if ids != expected:
        return f"第一页的行与原生 SQL 不一致（页面 {ids[:5]}…，SQL {expected[:5]}…）"
    if f"{raw['count'][0][0]} 条" not in html and str(raw["count"][0][0]) not in html:
        return "总数与原生 SQL 不一致"
    return None


def pages() -> list[Page]:
    from django.db.models import Count

    from agencies.models import User
    from tasks_app.models import Responsibility
    from tasks_app.selectors import ColourRules

    rules = ColourRules.on()
    params = {
        "today": rules.today,
        "amber_until": rules.amber_until,
        "accept_by": rules.accept_by_threshold,
    }
    coordinator = User.objects.get(username=f"{PREFIX}-coordinator")
    busiest = (
        Responsibility.objects.values("agency_id")
        .annotate(n=Count("id"))
        .order_by("-n", "agency_id")
        .first()
    )
    staff = User.objects.get(username=f"{PREFIX}-staff-{busiest['agency_id']}")
    print(
        f"督办员 {coordinator.username}（{coordinator.agency}）；"
        f"经办人 {staff.username}（{staff.agency}，{busiest['n']:,} 条责任分工，最多的单位）"
    )
    return [
        Page(
            "督办工作台",
            DASHBOARD_URL,
            coordinator.username,
            DASHBOARD_SQL,
            {**params, "agency": coordinator.agency_id},
            check_dashboard,
        ),
        Page(
            "我的任务（第一页）",
            STAFF_LIST_URL,
            staff.username,
            STAFF_LIST_SQL,
            {**params, "agency": staff.agency_id},
            check_staff_list,
        ),
    ]


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    options = _arguments()
    with throwaway_database("bench_admin", reuse=options.reuse, keep=options.keep) as bench_url:
        _setup_django(bench_url)
        if not options.reuse:
            build(options.tasks)
        for page in pages():
            page_time, raw_time, queries, problem = measure(page, options.runs)
            ratio = page_time / raw_time
            verdict = "通过" if ratio <= TARGET_RATIO else "未通过"
            print(
                f"{page.title}：完整请求 {page_time * 1000:.1f} ms（{queries} 条查询），"
                f"原生 SQL {raw_time * 1000:.1f} ms，比值 {ratio:.2f}×"
                f"（要求 ≤ {TARGET_RATIO:g}×）{verdict}"
            )
            if problem:
                print(f"  ！{problem}")
            if options.explain:
                explain(page)


if __name__ == "__main__":
    main()
