"""Regenerate fixtures/plans.json from fixtures/sources/ (review the diff before committing)."""

import os
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections
from django.test.utils import setup_databases, teardown_databases

from tasks_app.importing.fixtures import (
    AGENCIES_FIXTURE,
    PLANS_FIXTURE,
    plans_fixture_dump,
    seed_paths,
    seeds_import,
)


class Command(BaseCommand):
    help = (
        "在一个临时空数据库中加载单位、导入 fixtures/sources/ 下全部源文件，"
        "再导出为 fixtures/plans.json（自然键、无主键、顺序固定）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=PLANS_FIXTURE,
            help="输出文件（默认 fixtures/plans.json）",
        )
        parser.add_argument(
            "--from-current-db",
            action="store_true",
            help="不新建临时数据库，直接导出当前数据库中的规划。",
        )

    def handle(self, *args, output: Path, from_current_db: bool, **options):
        text = plans_fixture_dump() if from_current_db else self._dump_from_scratch()
        output.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"已写入 {output}（{len(seed_paths())} 个源文件）"))

    @staticmethod
    def _dump_from_scratch() -> str:
        """Import the sources into a throwaway database (never the configured one)."""
        # SQLite test databases live in memory; elsewhere a name of our own avoids clobbering
        # the database a concurrent test run is using.
        test_settings = connections["default"].settings_dict.setdefault("TEST", {})
        if connections["default"].vendor != "sqlite":
            test_settings["NAME"] = f"test_plans_fixture_{os.getpid()}"
        old_config = setup_databases(
            verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
        )
        try:
            call_command("loaddata", str(AGENCIES_FIXTURE), verbosity=0)
            seeds_import()
            return plans_fixture_dump()
        finally:
            teardown_databases(old_config, verbosity=0)
