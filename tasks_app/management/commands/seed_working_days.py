"""Fill the working-day calendar from the official holiday arrangements (chinese_calendar)."""

from django.core.management.base import BaseCommand, CommandError

from tasks_app.errors import InvalidInput
from tasks_app.working_days import seedable_years, working_days_seed


class Command(BaseCommand):
    help = (
        "按国务院办公厅公布的节假日安排（chinesecalendar 软件包）导入工作日日历："
        "工作日上的法定节假日和周末调休上班日。可重复运行；不会删除管理员手工添加的记录。"
    )

    def add_arguments(self, parser):
        first, last = seedable_years()
        parser.add_argument("--from-year", type=int, default=2018, help="起始年份（默认 2018）。")
        parser.add_argument(
            "--to-year",
            type=int,
            default=last,
            help=f"结束年份（默认 {last}，即已安装数据覆盖的最后一年；可用范围 {first}–{last}）。",
        )

    def handle(self, *args, from_year: int, to_year: int, **options):
        try:
            created, updated = working_days_seed(from_year=from_year, to_year=to_year)
        except InvalidInput as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"节假日与调休（{from_year}–{to_year} 年）：新建 {created} 条，更新 {updated} 条。"
            )
        )
