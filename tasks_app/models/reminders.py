"""Reminders (催办): per-plan rules, the ledger of what is due, the emails that carry it, and every
delivery attempt.

The ledger (`ReminderEntry`) holds one row per (item, kind, period, recipient); its unique key is
what makes a sweep safe to run twice. A sweep's entries for one recipient are carried by one
email (`ReminderDigest`, unique per sweep and recipient: the entries of a digest are those with
its sweep and recipient), which a worker claims with a compare-and-set UPDATE before sending.
Every attempt to send is a `DeliveryAttempt` row.
"""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .plans import Plan, Responsibility


class ReminderKind(models.TextChoices):
    """The rule that made a reminder due."""

    ACCEPT = "accept", _("签收催办")
    DUE_SOON = "due_soon", _("临期提醒")
    OVERDUE = "overdue", _("逾期催办")
    REPORT_DUE = "report_due", _("报送提醒")
    REPORT_LATE = "report_late", _("报送逾期催办")
    BEHIND = "behind", _("进度滞后提醒")
    RETURNED = "returned", _("退回整改提醒")
    ESCALATION = "escalation", _("督办升级")
    MANUAL = "manual", _("人工催办")


class Grade(models.TextChoices):
    """Graded notices: blue (approaching), yellow (behind, returned), red (overdue)."""

    BLUE = "blue", _("蓝色提示")
    YELLOW = "yellow", _("黄色预警")
    RED = "red", _("红色督办")


GRADE_RANK = {Grade.RED: 0, Grade.YELLOW: 1, Grade.BLUE: 2}


class RecipientRole(models.TextChoices):
    """Why a recipient receives a reminder."""

    CONTACT = "contact", _("催办联系人")
    ASSIGNEE = "assignee", _("经办人")
    LEADER = "leader", _("分管领导")
    COORDINATOR = "coordinator", _("督办员")


def _offsets_validate(value: str) -> None:
    try:
        offsets = [int(part) for part in value.replace("，", ",").split(",") if part.strip()]
    except ValueError:
        raise ValidationError(_("请填写以逗号分隔的工作日数，例如 10,3,1。")) from None
    if any(offset < 1 or offset > 250 for offset in offsets):
        raise ValidationError(_("工作日数须在 1 到 250 之间。"))


class ReminderPolicy(models.Model):
    """Per-plan overrides of the reminder settings (REMINDERS_* in settings); empty means default."""

    plan = models.OneToOneField(
        Plan, verbose_name=_("规划方案"), on_delete=models.CASCADE, related_name="reminder_policy"
    )
    enabled = models.BooleanField(
        _("启用自动催办"),
        default=True,
        help_text=_("关闭后，本方案不再自动发送催办邮件（人工催办不受影响）。"),
    )
    due_soon_offsets = models.CharField(
        _("临期提醒（提前工作日数）"),
        max_length=60,
        blank=True,
        validators=[_offsets_validate],
        help_text=_("以逗号分隔，例如 10,3,1；留空使用系统默认值。"),
    )
    overdue_every = models.PositiveSmallIntegerField(
        _("逾期催办间隔（工作日）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("逾期后第一个工作日催办，此后每隔该工作日数再次催办。"),
    )
    accept_within = models.PositiveSmallIntegerField(
        _("签收时限（工作日）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    accept_every = models.PositiveSmallIntegerField(
        _("签收催办间隔（工作日）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    report_due_offsets = models.CharField(
        _("报送提醒（提前工作日数）"),
        max_length=60,
        blank=True,
        validators=[_offsets_validate],
        help_text=_("以逗号分隔；留空使用系统默认值。"),
    )
    escalate_after_overdue = models.PositiveSmallIntegerField(
        _("逾期超过多少个工作日升级督办"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(250)],
    )
    escalate_after_reminders = models.PositiveSmallIntegerField(
        _("催办多少次未处理升级督办"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("催办规则")
        verbose_name_plural = _("催办规则（按方案）")

    def __str__(self) -> str:
        return str(self.plan)


class ReminderSweep(models.Model):
    """One run that recorded reminders: the daily sweep, a command run, or a manual 催办."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("定时任务")
        COMMAND = "command", _("命令行")
        MANUAL = "manual", _("人工催办")

    day = models.DateField(_("催办日期"))
    trigger = models.CharField(_("触发方式"), max_length=16, choices=Trigger.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    entries_created = models.PositiveIntegerField(_("新增催办记录"), default=0)
    digests_created = models.PositiveIntegerField(_("新增邮件"), default=0)
    escalated = models.PositiveIntegerField(_("升级督办事项"), default=0)
    counts = models.JSONField(_("按规则统计"), default=dict, blank=True)

    class Meta:
        verbose_name = _("催办批次")
        verbose_name_plural = pgettext_lazy("plural", "催办批次")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_trigger_display()}"


class ReminderDigest(models.Model):
    """One email to one recipient: every item that needs them on one day (or one manual 催办)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        RETRY = "retry", _("待重试")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        CANCELLED = "cancelled", _("无需发送")

    sweep = models.ForeignKey(
        ReminderSweep, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="digests"
    )
    recipient = models.CharField(_("收件人"), max_length=254)
    recipient_name = models.CharField(_("收件人姓名"), max_length=150, blank=True)
    day = models.DateField(_("催办日期"))
    seq = models.PositiveSmallIntegerField(_("当日序号"), default=1)
    status = models.CharField(
        _("发送状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    claim_token = models.UUIDField(_("领取标识"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    lease_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次重试"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    subject = models.CharField(_("邮件主题"), max_length=255, blank=True)
    body_text = models.TextField(_("纯文本正文"), blank=True)
    body_html = models.TextField(_("HTML 正文"), blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("催办邮件")
        verbose_name_plural = pgettext_lazy("plural", "催办邮件")
        ordering = ["-day", "recipient", "-seq"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="digest_status_next"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day", "seq"], name="digest_unique_key"),
            # One email per recipient per sweep; also the index that links entries to it.
            models.UniqueConstraint(fields=["sweep", "recipient"], name="digest_one_per_sweep"),
            models.CheckConstraint(
                condition=~Q(status="sending")
                | Q(lease_until__isnull=False, claim_token__isnull=False),
                name="digest_sending_has_lease",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="digest_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="retry") | Q(next_attempt_at__isnull=False),
                name="digest_retry_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.day:%Y-%m-%d}#{self.seq}"

    @property
    def entries(self):
        """The ledger rows this email carries."""
        return ReminderEntry.objects.filter(sweep_id=self.sweep_id, recipient=self.recipient)

    @property
    def key(self) -> str:
        return f"{self.recipient}|{self.day:%Y-%m-%d}|{self.seq}"

    @property
    def message_id(self) -> str:
        """Stable across retries: derived from the digest's unique key, never random."""
        digest = hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:32]
        domain = settings.REMINDERS_MESSAGE_ID_DOMAIN or urlsplit(settings.SITE_URL).hostname
        return f"<reminder.{self.day:%Y%m%d}.{digest}@{domain or 'localhost'}>"


class ReminderEntry(models.Model):
    """The ledger: one reminder of one item, by one rule, for one period, to one recipient."""

    sweep = models.ForeignKey(
        ReminderSweep, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="entries"
    )
    day = models.DateField(_("催办日期"))
    responsibility = models.ForeignKey(
        Responsibility,
        verbose_name=_("责任分工"),
        on_delete=models.CASCADE,
        related_name="reminder_entries",
    )
    kind = models.CharField(_("规则"), max_length=16, choices=ReminderKind.choices)
    period = models.CharField(
        _("周期"), max_length=64, help_text=_("同一规则下的第几次提醒，例如“2024-10-16/-3”。")
    )
    recipient = models.CharField(_("收件人"), max_length=254)
    recipient_name = models.CharField(_("收件人姓名"), max_length=150, blank=True)
    recipient_role = models.CharField(_("收件身份"), max_length=16, choices=RecipientRole.choices)
    grade = models.CharField(_("等级"), max_length=8, choices=Grade.choices)
    note = models.TextField(_("催办说明"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("催办记录")
        verbose_name_plural = pgettext_lazy("plural", "催办记录")
        ordering = ["-day", "-id"]
        indexes = [
            models.Index(fields=["day", "kind"], name="reminder_entry_day_kind"),
            models.Index(fields=["sweep", "recipient"], name="reminder_entry_sweep_rcpt"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["responsibility", "kind", "period", "recipient"],
                name="reminder_entry_unique_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"


class DeliveryAttempt(models.Model):
    """One attempt to hand a digest to the SMTP server, with its outcome."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("已送达邮件服务器")
        TRANSIENT = "transient", _("临时失败，将重试")
        PERMANENT = "permanent", _("永久失败")
        INTERRUPTED = "interrupted", _("发送中断（进程终止），已重新领取")

    digest = models.ForeignKey(
        ReminderDigest,
        verbose_name=_("邮件"),
        on_delete=models.CASCADE,
        related_name="delivery_attempts",
    )
    number = models.PositiveSmallIntegerField(_("第几次"))
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), default=timezone.now)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    smtp_code = models.PositiveSmallIntegerField(_("SMTP 状态码"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)

    class Meta:
        verbose_name = _("投递尝试")
        verbose_name_plural = pgettext_lazy("plural", "投递尝试")
        ordering = ["digest", "number", "id"]

    def __str__(self) -> str:
        return f"#{self.number} {self.get_outcome_display()}"
