"""The working-day calendar: exceptions to the Monday–Friday rule (节假日与调休)."""

from __future__ import annotations

import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from tasks_app.admin.calendar import WorkingDayExceptionForm
from tasks_app.models import WorkingDayException
from tasks_app.working_days import WEEKDAY_NAMES


class WorkingDaySerializer(serializers.ModelSerializer):
    weekday = serializers.SerializerMethodField(help_text=_("星期，如“周六”。"))

    class Meta:
        model = WorkingDayException
        fields = ["id", "date", "weekday", "is_working_day", "note"]
        read_only_fields = fields

    def get_weekday(self, record: WorkingDayException) -> str:
        return str(WEEKDAY_NAMES[record.date.weekday()])


class WorkingDayInputSerializer(serializers.Serializer):
    """Checked by the admin's own form (WorkingDayExceptionForm): one record per date, and an
    exception must break the Monday–Friday rule (a weekday off, or a weekend day worked)."""

    date = serializers.DateField(required=False)
    is_working_day = serializers.BooleanField(
        required=False, help_text=_("true：周末调休上班；false：法定节假日休息。")
    )
    note = serializers.CharField(max_length=60, required=False, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        record: WorkingDayException | None = self.context.get("record")
        data = model_to_dict(record) if record else {"note": ""}
        data.update(attrs)
        form = WorkingDayExceptionForm(data=data, instance=copy.copy(record) if record else None)
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): list(
                        problems
                    )
                    for name, problems in form.errors.items()
                }
            )
        return attrs


class WorkingDayCreateSerializer(WorkingDayInputSerializer):
    date = serializers.DateField()
    is_working_day = serializers.BooleanField(
        help_text=_("true：周末调休上班；false：法定节假日休息。")
    )
