#!/usr/bin/env python
"""The API's task list at scale (not part of `make test`).

Loads 1,000,000 tasks (and their ~2.5 million responsibilities) into a throwaway PostgreSQL
database with `manage.py generate_synthetic` (COPY … FROM STDIN), then times

1. GET /api/v1/tasks/?agency=<A>&overdue=true (50 per page), as the plans' coordinator with an API
   token, through the full Django stack (test Client: middleware, authentication, throttling,
   django-filter, cursor pagination, serializers, JSON rendering); and
2. the raw-SQL floor: PostgreSQL building the same JSON page itself (the same tasks, each with its
   responsibilities, colour and days left) with json_agg, fetched as one text value;

and prints both (median of --repeat runs), the ratio (must be ≤ 5×), and the SQL of the first
page, proving it runs no COUNT(*). The second page (through the cursor) is timed as well.

Usage:  DATABASE_URL=postgres://user@127.0.0.1:5432/anything .venv/bin/python bench/api_task_list.py
        [--tasks 1000000] [--agencies 300] [--plans 20] [--repeat 30] [--keep] [--reuse]
The database named by DATABASE_URL is left alone: the bench creates `<name>_bench_api` next to it
and drops it at the end (unless --keep; --reuse runs against a kept one without loading again).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from throwaway import bench_urls, database_drop  # noqa: E402  (bench/, next to this script)

PAGE = 50
LIMIT_RATIO = 5.0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--agencies", type=int, default=300)
    parser.add_argument("--plans", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    parser.add_argument("--reuse", action="store_true", help="use a kept database as it is")
    return parser.parse_args()


def _setup_django(bench_url: str) -> None:
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.setdefault("API_THROTTLE_USER", "1000000/minute")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test Client's host, locmem mail


def _load(args: argparse.Namespace) -> float:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command(
        "generate_synthetic",
        tasks=args.tasks,
        agencies=args.agencies,
        plans=args.plans,
        today=timezone.localdate(),
        prefix="bench",
        verbosity=0,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


# --- The raw-SQL floor ---------------------------------------------------------------------------

FLOOR_SQL = """
WITH page AS (
    SELECT t.id, t.plan_id, t.section_id, t.parent_id, t.ref, t.number, t.title, t.kind, t.due_on
    FROM tasks_app_task t
    JOIN tasks_app_plan p ON p.id = t.plan_id
    WHERE p.coordinating_agency_id = %(coordinating)s
      AND EXISTS (
          SELECT 1 FROM tasks_app_responsibility r
          WHERE r.task_id = t.id AND r.agency_id = %(agency)s
            AND r.status NOT IN ('completed', 'suspended') AND r.due_on < %(today)s)
    ORDER BY t.id
    LIMIT %(limit)s
),
coloured AS (
    SELECT r.*, a.name AS agency_name, a.short_name AS agency_short_name,
        CASE
            WHEN r.status IN ('completed', 'suspended') THEN 'grey'
            WHEN r.due_on < %(today)s THEN 'red'
            WHEN r.due_on <= %(amber_until)s OR r.behind_schedule_on <= %(today)s
                 OR (r.status = 'in_progress' AND r.next_report_due_on < %(today)s) THEN 'amber'
            ELSE 'green'
        END AS colour
    FROM tasks_app_responsibility r
    JOIN agencies_agency a ON a.id = r.agency_id
    WHERE r.task_id IN (SELECT id FROM page)
)
SELECT json_build_object('results', coalesce(json_agg(row ORDER BY row.id), '[]'))::text
FROM (
    SELECT page.id, page.plan_id AS plan, page.section_id AS section, page.parent_id AS parent,
        page.ref, page.number, page.title, page.kind, page.due_on,
        (SELECT c.colour FROM coloured c WHERE c.task_id = page.id
         ORDER BY CASE c.colour WHEN 'red' THEN 0 WHEN 'amber' THEN 1 WHEN 'green' THEN 2 ELSE 3 END
         LIMIT 1) AS colour,
        coalesce((SELECT max(%(today)s - c.due_on) FROM coloured c
                  WHERE c.task_id = page.id AND c.due_on < %(today)s
                    AND c.status NOT IN ('completed', 'suspended')), 0) AS days_overdue,
        coalesce((SELECT json_agg(json_build_object(
                'id', c.id,
                'agency', json_build_object('id', c.agency_id, 'name', c.agency_name,
                                            'short_name', c.agency_short_name),
                'role', c.role, 'status', c.status, 'due_on', c.due_on,
                'original_due_on', c.original_due_on, 'colour', c.colour,
                'days_left', c.due_on - %(today)s, 'progress_percent', c.progress_percent,
                'last_reported_at', c.last_reported_at,
                'next_report_due_on', c.next_report_due_on, 'version', c.version)
                ORDER BY c."order", c.id)
            FROM coloured c WHERE c.task_id = page.id), '[]') AS responsibilities
    FROM page
) row
"""


def _floor(params: dict) -> tuple[float, dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL, params)
        text = cursor.fetchone()[0]
        elapsed = time.perf_counter() - started
    return elapsed, json.loads(text)


# --- Through the API -----------------------------------------------------------------------------


def _subject() -> tuple:
    """The coordinator, and the agency with the most overdue open responsibilities."""
    from django.db.models import Count
    from django.utils import timezone

    from agencies.models import User
    from tasks_app.models import Responsibility

    coordinator = User.objects.get(username="bench-coordinator")
    agency_id = (
        Responsibility.objects.filter(due_on__lt=timezone.localdate())
        .exclude(status__in=Responsibility.FINAL_STATUSES)
        .values("agency_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("agency_id", flat=True)[:1]
        .get()
    )
    return coordinator, agency_id


def _api(client, url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get(url)
    body = response.content
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, body[:500]
    return elapsed, json.loads(body)


def _first_page_queries(client, url: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return [q["sql"] for q in queries.captured_queries]


def main() -> None:
    args = _arguments()
    admin_url, bench_url = bench_urls(os.environ.get("DATABASE_URL", ""), "bench_api")
    if not args.reuse:
        database_drop(admin_url, bench_url, create=True)
    _setup_django(bench_url)
    try:
        if not args.reuse:
            print(f"载入 {args.tasks:,} 个任务 …", flush=True)
            print(f"  用时 {_load(args):.1f} 秒")
        _run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            database_drop(admin_url, bench_url)


def _run(args: argparse.Namespace) -> None:
    from django.test import Client

    from tasks_app.api.tokens import access_token_create
    from tasks_app.models import AccessToken, Responsibility, Task
    from tasks_app.selectors import ColourRules

    coordinator, agency_id = _subject()
    _token, secret = access_token_create(user=coordinator, kind=AccessToken.Kind.API, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Token {secret}")
    rules = ColourRules.on()
    params = {
        "coordinating": coordinator.agency_id,
        "agency": agency_id,
        "today": rules.today,
        "amber_until": rules.amber_until,
        "limit": PAGE,
    }
    url = f"/api/v1/tasks/?agency={agency_id}&overdue=true&page_size={PAGE}"
    print(
        f"任务 {Task.objects.count():,}，责任分工 {Responsibility.objects.count():,}；"
        f"单位 {agency_id} 的逾期任务列表，每页 {PAGE} 条，重复 {args.repeat} 次取中位数"
    )

    for _ in range(5):  # warm caches, connections, imports
        _api(client, url)
        _floor(params)
    api_times, floor_times = [], []
    for _ in range(args.repeat):
        elapsed, page = _api(client, url)
        api_times.append(elapsed)
        elapsed, floor_page = _floor(params)
        floor_times.append(elapsed)
    api_ids = [task["id"] for task in page["results"]]
    floor_ids = [task["id"] for task in floor_page["results"]]
    assert api_ids == floor_ids, "the floor must build the same page"
    assert len(api_ids) == PAGE, f"expected a full page, got {len(api_ids)}"
    api_ms, floor_ms = statistics.median(api_times) * 1000, statistics.median(floor_times) * 1000

    _, next_page = _api(client, page["next"])
    second = statistics.median(_api(client, page["next"])[0] for _ in range(args.repeat)) * 1000
    assert next_page["results"][0]["id"] > api_ids[-1], "the cursor moves forward"

    queries = _first_page_queries(client, url)
    counts = [sql for sql in queries if "COUNT(" in sql.upper()]
    print(f"  API（完整 Django 栈）：      {api_ms:8.2f} ms")
    print(f"  原生 SQL 下限（json_agg）：  {floor_ms:8.2f} ms")
    print(f"  比值：                       {api_ms / floor_ms:8.2f} ×（上限 {LIMIT_RATIO:.0f}×）")
    print(f"  第二页（游标）：             {second:8.2f} ms")
    print(f"  首页 SQL 语句 {len(queries)} 条，其中 COUNT(*) {len(counts)} 条：")
    for sql in queries:
        print(f"    - {sql[:160]}{'…' if len(sql) > 160 else ''}")
    if counts:
        sys.exit("首页执行了 COUNT(*)。")
    if api_ms > LIMIT_RATIO * floor_ms:
        sys.exit(f"API 慢于下限的 {LIMIT_RATIO:.0f} 倍。")
    print("通过：比值不超过 5×，首页没有 COUNT(*)。")


if __name__ == "__main__":
    main()
