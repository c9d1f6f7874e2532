"""Reminders (催办): manual 催办, per-plan rules, the emails with their delivery attempts, resending."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tasks_app.models import DeliveryAttempt, ReminderDigest, ReminderPolicy
from tasks_app.reminders.manual import NOTE_MAX_LENGTH

from .accounts import ReminderEntrySerializer

MAX_ID = 2**53
MAX_SELECTED = 1000


def id_list(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=MAX_SELECTED,
        help_text=help_text,
    )


# --- Manual 催办 -------------------------------------------------------------------------------


class ManualReminderInputSerializer(serializers.Serializer):
    responsibilities = id_list(_("要催办的责任分工 id（须为您督办的方案中的事项）。"))
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("催办说明，写入催办邮件和办理记录。"),
    )


class ManualReminderResultSerializer(serializers.Serializer):
    reminded = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("已催办的责任分工 id。")
    )
    skipped_final = serializers.IntegerField(help_text=_("已办结或中止、未催办的事项数。"))
    entries_created = serializers.IntegerField(help_text=_("新增催办记录条数（每个收件人一条）。"))
    emails = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=_("生成的催办邮件 id（见 reminder-emails/）；为空表示没有可用的收件人邮箱。"),
    )


# --- Per-plan rules ----------------------------------------------------------------------------


class ReminderPolicySerializer(serializers.ModelSerializer):
    plan_title = serializers.CharField(source="plan.title", read_only=True, label=_("方案名称"))

    class Meta:
        model = ReminderPolicy
        fields = [
            "id",
            "plan",
            "plan_title",
            "enabled",
            "due_soon_offsets",
            "overdue_every",
            "accept_within",
            "accept_every",
            "report_due_offsets",
            "escalate_after_overdue",
            "escalate_after_reminders",
            "updated_at",
        ]
        read_only_fields = fields


def _days(high: int, help_text=None) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=high, allow_null=True, required=False, help_text=help_text
    )


def _offsets(help_text) -> serializers.CharField:
    return serializers.CharField(
        max_length=60, allow_blank=True, required=False, help_text=help_text
    )


class ReminderPolicyInputSerializer(serializers.Serializer):
    """The admin form's fields. On create `plan` is required and what is left out keeps the system
    default (empty, null); on update only what is sent changes. The offsets are checked as in the
    admin (comma-separated working days, 1–250)."""

    plan = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    enabled = serializers.BooleanField(required=False)
    due_soon_offsets = _offsets(_("临期提醒提前的工作日数，以逗号分隔，如 10,3,1；空为默认。"))
    overdue_every = _days(60, _("逾期催办间隔（工作日）；null 为默认。"))
    accept_within = _days(60, _("签收时限（工作日）；null 为默认。"))
    accept_every = _days(60, _("签收催办间隔（工作日）；null 为默认。"))
    report_due_offsets = _offsets(_("报送提醒提前的工作日数，以逗号分隔；空为默认。"))
    escalate_after_overdue = _days(250, _("逾期超过多少个工作日升级督办；null 为默认。"))
    escalate_after_reminders = _days(50, _("催办多少次未处理升级督办；null 为默认。"))


class ReminderPolicyCreateSerializer(ReminderPolicyInputSerializer):
    plan = serializers.IntegerField(min_value=1, max_value=MAX_ID)


# --- The emails --------------------------------------------------------------------------------


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "started_at", "finished_at", "outcome", "smtp_code", "error"]
        read_only_fields = fields


class ReminderDigestSerializer(serializers.ModelSerializer):
    item_count = serializers.IntegerField(
        read_only=True, label=_("提醒条数"), help_text=_("邮件所含提醒条数。")
    )

    class Meta:
        model = ReminderDigest
        fields = [
            "id",
            "day",
            "seq",
            "recipient",
            "recipient_name",
            "status",
            "attempts",
            "sent_at",
            "next_attempt_at",
            "last_error",
            "subject",
            "created_at",
            "item_count",
        ]
        read_only_fields = fields


class ReminderDigestDetailSerializer(ReminderDigestSerializer):
    """The email with what it carries and every attempt to deliver it."""

    entries = ReminderEntrySerializer(many=True, read_only=True, source="listed_entries")
    delivery_attempts = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta(ReminderDigestSerializer.Meta):
        fields = [
            *ReminderDigestSerializer.Meta.fields,
            "body_text",
            "body_html",
            "entries",
            "delivery_attempts",
        ]
        read_only_fields = fields


class ResendInputSerializer(serializers.Serializer):
    emails = id_list(_("要重新发送的邮件 id；只有发送失败的会重新排队。"))


class ResendResultSerializer(serializers.Serializer):
    requeued = serializers.IntegerField(help_text=_("重新排队的邮件数。"))
    skipped = serializers.IntegerField(help_text=_("未发送失败、因而未重新排队的邮件数。"))
