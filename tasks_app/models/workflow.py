"""The record of everything that happened to a responsibility, and requests awaiting a decision."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .plans import Plan, Responsibility, Target, Task


class Action(models.TextChoices):
    """Everything that can happen to a responsibility. Which role may do what: services.workflow."""

    ASSIGN = "assign", _("交办")
    ACCEPT = "accept", _("签收")
    REQUEST_COMPLETION = "request_completion", _("申请办结")
    LEADER_APPROVE = "leader_approve", _("领导审核通过")
    LEADER_RETURN = "leader_return", _("领导退回")
    APPROVE_COMPLETION = "approve_completion", _("确认办结")
    RETURN = "return", _("退回")
    SUSPEND = "suspend", _("中止")
    RESUME = "resume", _("恢复办理")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("批准延期")
    REFUSE_EXTENSION = "refuse_extension", _("不予延期")
    SET_DEADLINE = "set_deadline", _("调整时限")
    REASSIGN = "reassign", _("调整责任单位")
    REPORT = "report", _("报送进展")
    RETURN_REPORT = "return_report", _("退回进展报告")
    APPROVE_REPORT = "approve_report", _("领导审核进展报告")
    CHANGE_TARGET = "change_target", _("修改量化指标")
    REMIND = "remind", _("催办")
    ASSIGN_STAFF = "assign_staff", _("指定经办人")
    CHANGE_TASK = "change_task", _("修改任务")
    MERGE_AGENCY = "merge_agency", _("合并单位")


class Event(models.Model):
    """One thing that happened, who did it and why. Written in the same transaction as the change."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("规划方案"), on_delete=models.CASCADE, related_name="events"
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("任务"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    responsibility = models.ForeignKey(
        Responsibility,
        verbose_name=_("责任分工"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=32, choices=Action.choices)
    from_status = models.CharField(
        _("原状态"), max_length=24, choices=Responsibility.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("新状态"), max_length=24, choices=Responsibility.Status.choices, blank=True
    )
    reason = models.TextField(_("理由/说明"), blank=True)
    data = models.JSONField(_("变更内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = pgettext_lazy("plural", "办理记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["responsibility", "-created_at"], name="event_resp_time")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def changes_shown(self) -> list[tuple[str, object, object]]:
        """What an edit event (修改任务, 修改量化指标) changed, as (field label, from, to) rows."""
        model = {Action.CHANGE_TASK: Task, Action.CHANGE_TARGET: Target}.get(self.action)
        changes = self.data.get("changes") if isinstance(self.data, dict) else None
        if model is None or not isinstance(changes, dict):
            return []
        rows = []
        for name, change in changes.items():
            try:
                label = model._meta.get_field(name).verbose_name
            except FieldDoesNotExist:
                label = name
            if isinstance(change, dict):
                rows.append((str(label), change.get("from"), change.get("to")))
        return rows


class ExtensionRequest(models.Model):
    """An agency's request for a later deadline (延期申请), decided by the coordinator."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("不予批准")

    responsibility = models.ForeignKey(
        Responsibility,
        verbose_name=_("责任分工"),
        on_delete=models.CASCADE,
        related_name="extension_requests",
    )
    previous_due_on = models.DateField(_("原时限"))
    requested_due_on = models.DateField(_("申请延至"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(
        _("审批状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = pgettext_lazy("plural", "延期申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["responsibility"],
                condition=Q(status="pending"),
                name="extension_one_pending_per_responsibility",
            ),
            models.CheckConstraint(
                condition=Q(requested_due_on__gt=models.F("previous_due_on")),
                name="extension_later_than_previous",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.responsibility} → {self.requested_due_on:%Y-%m-%d}"
