"""Workflow actions (input shapes), extension requests and the event history (output shapes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import User
from tasks_app.models import Action, Event, ExtensionRequest, Responsibility
from tasks_app.services.coordination import full_name
from tasks_app.services.workflow import TRANSITIONS

from ..concurrency import extension_etag
from .common import AgencyRefSerializer, PersonField

REASON = {"max_length": 2000, "allow_blank": True, "required": False, "default": ""}


class TransitionInputSerializer(serializers.Serializer):
    """Either the action (`accept`, `request_completion`, …) or the target state (`to`)."""

    action = serializers.ChoiceField(
        choices=list(TRANSITIONS), required=False, help_text=_("流转操作；与 to 二选一。")
    )
    to = serializers.ChoiceField(
        choices=Responsibility.Status.choices,
        required=False,
        help_text=_("目标状态；按当前状态确定唯一的流转操作。与 action 二选一。"),
    )
    reason = serializers.CharField(**REASON, help_text=_("理由（退回、中止等须填写）。"))

    def validate(self, attrs: dict) -> dict:
        if ("action" in attrs) == ("to" in attrs):
            raise serializers.ValidationError(_("请在 action 和 to 中二选一填写。"))
        return attrs


class ExtensionRequestInputSerializer(serializers.Serializer):
    requested_due_on = serializers.DateField(help_text=_("申请延至的日期。"))
    reason = serializers.CharField(max_length=2000, help_text=_("延期理由。"))


class DeadlineInputSerializer(serializers.Serializer):
    due_on = serializers.DateField(help_text=_("新的完成时限（同时作为考核时限）。"))
    reason = serializers.CharField(**REASON)


class ReassignInputSerializer(serializers.Serializer):
    agency = serializers.IntegerField(min_value=1, max_value=2**53, help_text=_("新的责任单位。"))
    role = serializers.ChoiceField(choices=Responsibility.Role.choices)
    reason = serializers.CharField(max_length=2000, help_text=_("调整理由。"))


class AssigneesInputSerializer(serializers.Serializer):
    user_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**53),
        allow_empty=True,
        max_length=200,
        help_text=_(
            "经办人的用户编号（责任单位在用的经办人或分管领导），替换原有经办人；空列表为全部取消。"
        ),
    )


class AssignableUserSerializer(serializers.Serializer):
    """Someone who may be named 经办人 of an item (an active staff member or leader of its agency)."""

    id = serializers.IntegerField(help_text=_("用户编号，用于指定经办人（user_ids）。"))
    username = serializers.CharField()
    name = serializers.SerializerMethodField(help_text=_("姓名（姓在前）；未填姓名时为用户名。"))
    role = serializers.ChoiceField(choices=User.Role.choices)

    def get_name(self, user: User) -> str:
        return full_name(user)


class AssignInputSerializer(serializers.Serializer):
    agency = serializers.IntegerField(min_value=1, max_value=2**53)
    role = serializers.ChoiceField(choices=Responsibility.Role.choices)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(**REASON)


class DecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text=_("true 批准，false 不予批准（须填写理由）。"))
    reason = serializers.CharField(**REASON)


class ExtensionRequestSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="responsibility.task_id", read_only=True)
    agency = AgencyRefSerializer(source="responsibility.agency", read_only=True)
    requested_by = PersonField()
    decided_by = PersonField()
    etag = serializers.SerializerMethodField(help_text=_("审批时 If-Match 所用的值。"))

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "responsibility",
            "task",
            "agency",
            "previous_due_on",
            "requested_due_on",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "etag",
        ]
        read_only_fields = fields

    def get_etag(self, request: ExtensionRequest) -> str:
        return extension_etag(request)


class EventSerializer(serializers.ModelSerializer):
    agency = serializers.SerializerMethodField(label=_("单位"))
    actor = PersonField()
    action = serializers.ChoiceField(choices=Action.choices, read_only=True)
    from_status = serializers.ChoiceField(
        choices=Responsibility.Status.choices, allow_blank=True, read_only=True
    )
    to_status = serializers.ChoiceField(
        choices=Responsibility.Status.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "plan",
            "task",
            "responsibility",
            "agency",
            "actor",
            "action",
            "from_status",
            "to_status",
            "reason",
            "data",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AgencyRefSerializer(allow_null=True))
    def get_agency(self, event: Event) -> dict | None:
        if event.responsibility is None:
            return None
        return AgencyRefSerializer(event.responsibility.agency).data
