#!/usr/bin/env python
"""The largest exports, through the whole Django stack (not part of `make test`).

Builds a throwaway PostgreSQL database (`<name>_bench_exports`) with synthetic tasks (100,000 by
default, 250,000 responsibilities) as bench/admin_pages.py does, then, as the coordinator of every
plan, times each export of everything — the worst case a coordinator can ask for — and prints its
rows, seconds, size and rows per second. Budget: each must finish well inside the web server's
request timeout (GUNICORN_TIMEOUT, 180 s; config/gunicorn.py), here ≤ 120 s.

Usage:  DATABASE_URL=postgres://user@127.0.0.1:5432/anything .venv/bin/python bench/exports.py
        [--tasks 100000] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from admin_pages import _setup_django, build  # noqa: E402  (bench/, next to this script)
from throwaway import throwaway_database  # noqa: E402

BUDGET_SECONDS = 120.0
EXPORTS = [
    ("责任分工（后台）CSV", "/admin/tasks_app/responsibility/export/csv/?scope=all"),
    ("责任分工（后台）Excel", "/admin/tasks_app/responsibility/export/xlsx/?scope=all"),
    ("任务列表（后台）CSV", "/admin/tasks_app/task/export/csv/"),
    ("任务列表（API）CSV", "/api/v1/tasks/export/csv/"),
    ("考核统计（后台）Excel", "/admin/tasks_app/responsibility/assessment/export/xlsx/"),
]


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    parser.add_argument("--reuse", action="store_true", help="use a kept database as it is")
    return parser.parse_args()


def _rows(content: bytes, url: str) -> int:
    if "/csv/" in url:
        return content.count(b"\n") - 1  # the header; the texts have no line breaks
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return sum(1 for _row in sheet.iter_rows(values_only=True)) - 1  # no stored dimensions


def measure() -> bool:
    from django.test import Client

    from agencies.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench-coordinator"))
    passed = True
    for title, url in EXPORTS:
        started = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        rows = _rows(response.content, url)
        verdict = "通过" if seconds <= BUDGET_SECONDS else "未通过"
        passed &= seconds <= BUDGET_SECONDS
        print(
            f"{title}：{rows:,} 行，{seconds:.1f} s，{len(response.content) / 1e6:.1f} MB，"
            f"{rows / seconds:,.0f} 行/秒（要求 ≤ {BUDGET_SECONDS:g} s）{verdict}"
        )
    return passed


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    options = _arguments()
    with throwaway_database("bench_exports", reuse=options.reuse, keep=options.keep) as bench_url:
        _setup_django(bench_url)
        if not options.reuse:
            build(options.tasks)
        passed = measure()
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
