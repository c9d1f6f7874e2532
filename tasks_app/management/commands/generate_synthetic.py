"""Synthetic plans, tasks and responsibilities at scale, for benches and demos (never production)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tasks_app.errors import InvalidInput
from tasks_app.synthetic import SyntheticSpec, synthetic_generate


class Command(BaseCommand):
    help = (
        "生成合成数据（规划方案、任务、责任分工、经办人），用于性能测试和演示，勿在生产库运行。"
        "同一前缀只能生成一次；换一个 --prefix 可追加一批。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, required=True, help="任务数")
        parser.add_argument(
            "--agencies",
            type=int,
            default=60,
            help="承担任务的单位数（优先使用已加载的单位，不足时新建合成单位；默认 60）",
        )
        parser.add_argument("--plans", type=int, default=10, help="规划方案数（默认 10）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        parser.add_argument(
            "--coordinator-agency",
            default=None,
            help="督办单位的名称、简称或别名（默认 江苏省发展和改革委员会，未加载时新建）",
        )
        parser.add_argument(
            "--prefix",
            default="synthetic",
            help="本批数据的标识前缀：方案标识 <前缀>|0001…，用户 <前缀>-staff-<单位id>…",
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="数据围绕的“今天”（YYYY-MM-DD，默认本地今天）",
        )
        parser.add_argument(
            "--no-users", action="store_true", help="不创建督办员、经办人、分管领导和催办联系人"
        )

    def handle(self, *args, **options):
        spec = SyntheticSpec(
            tasks=options["tasks"],
            agencies=options["agencies"],
            plans=options["plans"],
            seed=options["seed"],
            prefix=options["prefix"],
            today=options["today"],
            coordinator_agency=options["coordinator_agency"],
            users=not options["no_users"],
        )
        try:
            result = synthetic_generate(spec)
        except InvalidInput as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成（前缀 {result.prefix}，今天 {result.today:%Y-%m-%d}，"
                f"用时 {result.seconds:.1f} 秒）："
            )
        )
        self.stdout.write(
            f"  方案 {result.plans}，任务 {result.tasks}，责任分工 {result.responsibilities}，"
            f"量化指标 {result.targets}，待审批延期申请 {result.extension_requests}"
        )
        self.stdout.write(
            f"  单位 {result.agencies_used}（新建 {result.agencies_created}），用户 {result.users}"
            + (f"，督办员 {result.coordinator_username}" if result.coordinator_username else "")
        )
