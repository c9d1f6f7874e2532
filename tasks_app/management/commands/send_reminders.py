"""Run one reminder sweep synchronously: preview (--dry-run), recover a missed day, drive tests."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tasks_app.models import ReminderSweep
from tasks_app.reminders.delivery import digests_deliver
from tasks_app.reminders.sweep import SweepResult, delivery_enqueue, reminders_sweep_run


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = (
        "执行一次催办扫描（默认今天）：记录到期的提醒、合并为每人每天一封邮件并发送。"
        "重复执行不会重复发送。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date, help="扫描日期 YYYY-MM-DD（默认今天）")
        parser.add_argument(
            "--dry-run", action="store_true", help="只显示将要发送的内容，不记录、不发送"
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="把邮件交给 Celery worker 发送（默认在本命令中直接发送）",
        )

    def handle(self, *args, date=None, dry_run=False, enqueue=False, **options):
        result = reminders_sweep_run(
            day=date, trigger=ReminderSweep.Trigger.COMMAND, dry_run=dry_run, enqueue=False
        )
        if not result.working_day:
            self.stdout.write(f"{result.day} 不是工作日，不发送催办。")
            return
        self._summary(result)
        if dry_run:
            self._preview(result)
        elif enqueue:
            delivery_enqueue(result.digest_ids)
            self.stdout.write(f"已提交 {len(result.digest_ids)} 封邮件给 worker 发送。")
        elif result.digest_ids:
            stats = digests_deliver(digest_ids=result.digest_ids)
            self.stdout.write(
                f"发送：成功 {stats.sent}，待重试 {stats.retry}，失败 {stats.failed}，"
                f"无需发送 {stats.cancelled}"
            )

    def _summary(self, result: SweepResult) -> None:
        prefix = "（试运行，未记录）" if result.dry_run else ""
        self.stdout.write(
            f"{prefix}{result.day}：新增催办记录 {result.entries_created} 条，"
            f"邮件 {len(result.digest_ids)} 封，升级督办 {result.escalated} 项"
        )
        for kind, count in sorted(result.counts.items()):
            self.stdout.write(f"  {kind}: {count}")

    def _preview(self, result: SweepResult) -> None:
        for preview in result.preview:
            self.stdout.write(f"\n收件人：{preview.recipient_name} <{preview.recipient}>")
            self.stdout.write(f"主题：{preview.rendered.subject}")
            for line in preview.lines:
                self.stdout.write(f"  {line}")
