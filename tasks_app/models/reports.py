"""Progress reports (进展反馈): one per responsibility and reporting period, with the values reached
for the task's numeric targets and evidence attachments.

Written only by tasks_app.services.reports, which records an Event for every change.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .plans import Responsibility, Target


class ProgressReport(models.Model):
    """What one agency reports on its part of a task for one period. The lead's report is the
    task's consolidated report (汇总)."""

    class Status(models.TextChoices):
        PENDING_LEADER = "pending_leader", _("待领导审核")
        SUBMITTED = "submitted", _("已报送")
        RETURNED = "returned", _("已退回")

    responsibility = models.ForeignKey(
        Responsibility,
        verbose_name=_("责任分工"),
        on_delete=models.CASCADE,
        related_name="reports",
    )
    period_start = models.DateField(_("报送期起始"))
    period_end = models.DateField(_("报送期截止"))
    narrative = models.TextField(_("进展情况"))
    percent = models.PositiveSmallIntegerField(
        _("完成比例(%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    status = models.CharField(
        _("报告状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("退回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_reason = models.TextField(
        _("退回理由"), blank=True, help_text=_("最近一次退回的理由；重新报送后保留，供审核时对照。")
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = pgettext_lazy("plural", "进展报告")
        ordering = ["-period_start", "-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["responsibility", "period_start"], name="report_one_per_period"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="report_percent_max_100"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="report_period_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""),
                name="report_returned_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return _("%(responsibility)s　%(start)s至%(end)s") % {
            "responsibility": self.responsibility,
            "start": f"{self.period_start:%Y-%m-%d}",
            "end": f"{self.period_end:%Y-%m-%d}",
        }

    @property
    def is_consolidated(self) -> bool:
        """The lead agency's report is the task's 汇总 (the one the roll-up uses)."""
        return self.responsibility.role == Responsibility.Role.LEAD


class ReportTargetValue(models.Model):
    """The value reached for one of the task's numeric targets, and what was counted."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("进展报告"),
        on_delete=models.CASCADE,
        related_name="target_values",
    )
    target = models.ForeignKey(
        Target,
        verbose_name=_("量化指标"),
        on_delete=models.CASCADE,
        related_name="reported_values",
    )
    value = models.DecimalField(_("完成值"), max_digits=20, decimal_places=4)
    items = models.JSONField(
        _("具体名单"),
        default=list,
        blank=True,
        help_text=_("计入完成值的具体事项名称，如已建成的概念验证中心。"),
    )

    class Meta:
        verbose_name = _("指标完成情况")
        verbose_name_plural = pgettext_lazy("plural", "指标完成情况")
        ordering = ["report", "target__order"]
        constraints = [
            models.UniqueConstraint(fields=["report", "target"], name="report_target_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="report_value_not_negative"),
        ]

    def __str__(self) -> str:
        return _("%(target)s：%(value)s") % {
            "target": self.target.description,
            "value": f"{self.value.normalize():f}{self.target.unit}",
        }


class ReportAttachment(models.Model):
    """An evidence file for a report. Its type was checked by content (tasks_app.attachments);
    the stored name is random, the uploader's name is kept only for display."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("进展报告"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to="reports/%Y/%m/", max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=127)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = pgettext_lazy("plural", "附件")
        ordering = ["report", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
