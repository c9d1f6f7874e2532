"""Prepare a database for use: reference data (agencies, plans) and, locally, demo accounts."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.models import Agency
from tasks_app.models import WorkingDayException
from tasks_app.reference_data import FIXTURES_DIR, REFERENCE_FIXTURES, reference_fixture_load
from tasks_app.working_days import seedable_years, working_days_seed

# (username, agency short name, role, superuser)
DEMO_ACCOUNTS = (
    ("admin", "省发展改革委", "coordinator", True),
    ("duban", "省发展改革委", "coordinator", False),
    ("keji", "省科技厅", "staff", False),
    ("keji_lingdao", "省科技厅", "leader", False),
    ("jiaoyu", "省教育厅", "staff", False),
)


class Command(BaseCommand):
    help = "加载单位和规划参考数据（只补充缺少的部分），可选创建本地演示账号。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            action="store_true",
            help="创建演示账号并打印其密码（仅用于本地环境，只在创建时打印一次）。",
        )

    def handle(self, *args, demo: bool, **options):
        for name in REFERENCE_FIXTURES:
            path = FIXTURES_DIR / name
            if not path.exists():
                self.stdout.write(self.style.WARNING(f"跳过：未找到 {path}"))
                continue
            result = reference_fixture_load(path)
            self.stdout.write(f"{name}：新建 {result.created} 条，已存在 {result.existing} 条")
        self._working_days()
        if demo:
            if not settings.DEBUG:
                raise CommandError("演示账号只能在本地调试模式（DJANGO_DEBUG=True）下创建。")
            self._demo_accounts()

    def _working_days(self) -> None:
        """Seed the official holiday calendar once. Later runs leave it alone, so that corrections
        an administrator made in the admin survive; `seed_working_days` refreshes it on purpose."""
        if WorkingDayException.objects.exists():
            self.stdout.write(
                "工作日历：已有数据，未改动（如需按官方日历更新，请运行 seed_working_days）"
            )
            return
        first, last = seedable_years()
        created, _updated = working_days_seed(from_year=max(first, 2018), to_year=last)
        self.stdout.write(f"工作日历：新建 {created} 条（{max(first, 2018)}–{last} 年）")

    @transaction.atomic
    def _demo_accounts(self) -> None:
        User = get_user_model()
        created = []
        for username, agency_name, role, superuser in DEMO_ACCOUNTS:
            if User.objects.filter(username=username).exists():
                continue
            password = secrets.token_urlsafe(9)
            agency = Agency.objects.get(short_name=agency_name)
            user = User(
                username=username,
                agency=agency,
                role=role,
                is_staff=True,
                is_superuser=superuser,
                email=f"{username}@example.invalid",
            )
            user.set_password(password)
            user.save()
            created.append((username, password, agency_name, user.get_role_display(), superuser))
        if not created:
            self.stdout.write("演示账号已存在（密码只在首次创建时打印）。")
            return
        self.stdout.write(self.style.SUCCESS("已创建演示账号（仅本地使用，请妥善保存）："))
        for username, password, agency_name, role, superuser in created:
            extra = "，管理员" if superuser else ""
            self.stdout.write(f"  {username:<14} 密码 {password}  （{agency_name}，{role}{extra}）")
