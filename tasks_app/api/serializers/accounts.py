"""API tokens, the private calendar feed, and the reminders log."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tasks_app.models import AccessToken, ReminderEntry

from .common import AgencyRefSerializer


class AccessTokenSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = AccessToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "active"]
        read_only_fields = fields


class AccessTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("用途，如“OA 系统”。"),
    )


class AccessTokenCreatedSerializer(AccessTokenSerializer):
    key = serializers.CharField(read_only=True, help_text=_("令牌密钥，仅此一次显示，请妥善保存。"))

    class Meta(AccessTokenSerializer.Meta):
        fields = [*AccessTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class CalendarFeedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    url = serializers.URLField(
        allow_null=True,
        help_text=_("私有订阅地址，仅创建时返回；泄露后请重新生成（旧地址随即失效）。"),
    )


class ReminderEntrySerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="responsibility.task_id", read_only=True)
    agency = AgencyRefSerializer(source="responsibility.agency", read_only=True)

    class Meta:
        model = ReminderEntry
        fields = [
            "id",
            "day",
            "kind",
            "grade",
            "responsibility",
            "task",
            "agency",
            "recipient",
            "recipient_name",
            "recipient_role",
            "note",
            "created_at",
        ]
        read_only_fields = fields
