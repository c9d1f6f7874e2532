#!/usr/bin/env python
"""Importing the five source documents (fixtures/sources/): time per document and in total.

Runs against a throwaway database only: SQLite in memory by default, or — with DATABASE_URL
set — a fresh `test_import_bench_<pid>` database next to the configured one, created and dropped
by Django's test-database machinery. The configured database is never written to.

Prints parse and write times per document for a first import into the empty database, then for a
second pass (re-importing, nothing changes). The whole first pass should take under 2 seconds.

Usage:  .venv/bin/python bench/import_seeds.py [--budget 2.0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=2.0, help="seconds allowed for the set")
    return parser.parse_args()


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def _throwaway_database():
    from django.db import connections
    from django.test.utils import setup_databases

    connection = connections["default"]
    if connection.vendor != "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"test_import_bench_{os.getpid()}"
    return setup_databases(
        verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
    )


def _import_pass(label: str) -> float:
    from tasks_app.importing.fixtures import seed_paths
    from tasks_app.importing.parser import parse_plan
    from tasks_app.importing.writer import plan_import

    print(f"\n{label}")
    print(f"  {'文件':<28}{'解析':>8}{'写入':>8}{'合计':>8}  结果")
    total = 0.0
    for path in seed_paths():
        data = path.read_bytes()
        started = time.perf_counter()
        parsed = parse_plan(data, source_name=path.name)
        parsed_at = time.perf_counter()
        report = plan_import(parsed)
        done = time.perf_counter()
        total += done - started
        outcome = {"created": "新建", "updated": "更新", "unchanged": "无变化"}[report.plan_status]
        print(
            f"  {path.name:<28}{parsed_at - started:>7.3f}s{done - parsed_at:>7.3f}s"
            f"{done - started:>7.3f}s  {outcome}（任务 {len(parsed.tasks)}）"
        )
    print(f"  {'合计':<28}{'':>16}{total:>7.3f}s")
    return total


def main() -> int:
    arguments = _arguments()
    _setup_django()
    from django.core.management import call_command
    from django.test.utils import teardown_databases

    from tasks_app.importing.fixtures import AGENCIES_FIXTURE

    old_config = _throwaway_database()
    try:
        call_command("loaddata", str(AGENCIES_FIXTURE), verbosity=0)
        first = _import_pass("首次导入（空数据库）")
        _import_pass("重复导入（应无变化）")
    finally:
        teardown_databases(old_config, verbosity=0)
    verdict = "通过" if first < arguments.budget else "超出"
    print(f"\n首次导入共 {first:.3f} 秒，预算 {arguments.budget:.1f} 秒：{verdict}")
    return 0 if first < arguments.budget else 1


if __name__ == "__main__":
    sys.exit(main())
