"""Progress reports: the filing input (JSON or multipart with attachments) and the output."""

from __future__ import annotations

import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tasks_app.models import ProgressReport, ReportAttachment, ReportTargetValue
from tasks_app.services.reports import available_report_actions

from .common import AgencyRefSerializer, PersonField

MAX_ATTACHMENTS = 20


class TargetValueInputSerializer(serializers.Serializer):
    target = serializers.IntegerField(
        min_value=1, max_value=2**53, help_text=_("任务的量化指标 id。")
    )
    value = serializers.DecimalField(
        max_digits=20, decimal_places=4, min_value=0, help_text=_("截至本期的完成值。")
    )
    items = serializers.ListField(
        child=serializers.CharField(max_length=255),
        required=False,
        default=list,
        max_length=1000,
        help_text=_("计入完成值的具体事项名称。"),
    )


class TargetValuesField(serializers.ListField):
    """A list of target values; in multipart/form-data it arrives as one JSON-encoded field."""

    def __init__(self, **kwargs):
        super().__init__(child=TargetValueInputSerializer(), max_length=200, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("须为 JSON 数组。")) from None
        return super().to_internal_value(data)

    def get_value(self, dictionary):
        # multipart: a single form field holding JSON, not repeated keys
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            values = dictionary.getlist(self.field_name)
            return values[0] if len(values) == 1 else values
        return super().get_value(dictionary)


class ReportInputSerializer(serializers.Serializer):
    """Filing (or re-filing) this period's report; attachments only with multipart/form-data."""

    narrative = serializers.CharField(max_length=20000, help_text=_("进展情况。"))
    percent = serializers.IntegerField(min_value=0, max_value=100, help_text=_("完成比例（%）。"))
    period_start = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("报送期起始日，默认本期。")
    )
    target_values = TargetValuesField(required=False, default=list)
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=MAX_ATTACHMENTS,
        help_text=_("证明材料（PDF、图片、Word、Excel），按内容校验类型和大小。"),
    )

    def validate_target_values(self, values: list[dict]) -> dict:
        by_target = {}
        for entry in values:
            if entry["target"] in by_target:
                raise serializers.ValidationError(_("同一指标只能填写一次。"))
            by_target[entry["target"]] = (entry["value"], entry["items"])
        return by_target


class ReportMultipartSchemaSerializer(ReportInputSerializer):
    """multipart/form-data: target_values is one field holding a JSON array."""

    target_values = serializers.CharField(
        required=False, help_text=_('JSON 数组，如 [{"target": 1, "value": "7", "items": ["…"]}]。')
    )


class ReportJSONSchemaSerializer(serializers.Serializer):
    """application/json: the same without attachments."""

    narrative = serializers.CharField(max_length=20000)
    percent = serializers.IntegerField(min_value=0, max_value=100)
    period_start = serializers.DateField(required=False, allow_null=True)
    target_values = TargetValueInputSerializer(many=True, required=False)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("理由。"))


class TargetValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportTargetValue
        fields = ["target", "value", "items"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("下载地址（需登录或令牌）。"))

    class Meta:
        model = ReportAttachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment: ReportAttachment) -> str:
        path = reverse(
            "api:report-attachment",
            kwargs={"pk": attachment.report_id, "attachment_id": attachment.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ReportSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="responsibility.task_id", read_only=True)
    agency = AgencyRefSerializer(source="responsibility.agency", read_only=True)
    submitted_by = PersonField()
    returned_by = PersonField()
    is_consolidated = serializers.BooleanField(
        read_only=True, label=_("汇总报告"), help_text=_("牵头单位的报告，即任务的汇总报告。")
    )
    actions = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "responsibility",
            "task",
            "agency",
            "period_start",
            "period_end",
            "narrative",
            "percent",
            "status",
            "is_consolidated",
            "submitted_by",
            "submitted_at",
            "returned_by",
            "returned_at",
            "return_reason",
            "version",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, report: ProgressReport) -> list[str]:
        return available_report_actions(user=self.context["request"].user, report=report)


class ReportDetailSerializer(ReportSerializer):
    target_values = TargetValueSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "target_values", "attachments"]
        read_only_fields = fields
