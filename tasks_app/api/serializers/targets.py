"""Numeric targets (量化指标) on their own: the record with its plan, and the coordinator's edit."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from tasks_app.models import Target

from .common import EditSerializer
from .plans import TargetSerializer


class TargetRecordSerializer(TargetSerializer):
    """A target with its plan (`task` is null for a plan-level target)."""

    class Meta(TargetSerializer.Meta):
        fields = ["id", "plan", *TargetSerializer.Meta.fields[1:]]
        read_only_fields = fields


QUANTITY = {"max_digits": 20, "decimal_places": 4, "min_value": 0}


class TargetUpdateSerializer(EditSerializer):
    """The fields a coordinator may change (all optional: only those sent change)."""

    description = serializers.CharField(max_length=255, required=False)
    quantity = serializers.DecimalField(**QUANTITY, required=False)
    quantity_max = serializers.DecimalField(
        **QUANTITY,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("区间指标的上限，不小于目标值；其他为 null。"),
    )
    unit = serializers.CharField(max_length=16, required=False, allow_blank=True)
    comparison = serializers.ChoiceField(choices=Target.Comparison.choices, required=False)
    year = serializers.IntegerField(min_value=0, max_value=32767, required=False, allow_null=True)
    items = serializers.ListField(
        child=serializers.CharField(max_length=255),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("具体名单（如各中心的名称）。"),
    )
    phrase = serializers.CharField(max_length=255, required=False, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        target: Target = self.context["target"]
        low = attrs.get("quantity", target.quantity)
        high = attrs.get("quantity_max", target.quantity_max)
        if high is not None and low is not None and high < low:
            raise serializers.ValidationError({"quantity_max": [_("目标上限不能小于目标值。")]})
        return attrs
