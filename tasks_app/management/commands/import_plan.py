"""Import plain-text policy documents as plans (creates or updates; all files or none)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tasks_app.importing.errors import PlanImportError
from tasks_app.importing.parser import parse_plan
from tasks_app.importing.types import ParsedPlan
from tasks_app.importing.writer import plan_import


class Command(BaseCommand):
    help = (
        "导入纯文本政策文件（UTF-8 或 GB18030/GBK 编码），创建或更新规划及其章节、任务、"
        "责任分工和量化指标。重复导入同一文件只更新，不重复创建；任一文件出错则全部不写入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="要导入的文本文件")
        parser.add_argument(
            "--dry-run", action="store_true", help="试运行：显示将发生的变更，但不写入数据库。"
        )
        parser.add_argument(
            "--create-agencies",
            action="store_true",
            help="自动创建无法识别的单位（标记为“未核实”，待管理员核实或合并）。",
        )
        parser.add_argument(
            "--coordinator",
            metavar="NAME",
            help="督办单位名称（默认取文件中的发布机构；省级规划默认为省发展改革委）。",
        )

    def handle(self, *args, paths, dry_run, create_agencies, coordinator, **options):
        # Read and parse everything first: a bad file stops the run before any write.
        parsed = [(path, self._parse(Path(path))) for path in paths]
        reports = []
        with transaction.atomic():
            for path, plan in parsed:
                try:
                    reports.append(
                        plan_import(
                            plan, create_agencies=create_agencies, coordinator_name=coordinator
                        )
                    )
                except PlanImportError as error:
                    raise CommandError(f"{path}：{error.message}") from None
            if dry_run:
                transaction.set_rollback(True)
        for report in reports:
            report.dry_run = dry_run
            self.stdout.write(report.summary())

    @staticmethod
    def _parse(path: Path) -> ParsedPlan:
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        if not path.is_file():
            raise CommandError(f"不是文件：{path}")
        try:
            return parse_plan(path.read_bytes(), source_name=path.name)
        except PlanImportError as error:
            raise CommandError(f"{path}：{error.message}") from None
        except OSError as error:
            raise CommandError(f"无法读取文件 {path}：{error.strerror}") from None
