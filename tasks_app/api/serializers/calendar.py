"""The working-day calendar: exceptions to the Monday–Friday rule (节假日与调休)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tasks_app.models import WorkingDayException
from tasks_app.working_days import WEEKDAY_NAMES


class WorkingDaySerializer(serializers.ModelSerializer):
    weekday = serializers.SerializerMethodField(label=_("星期"), help_text=_("星期，如“周六”。"))

    class Meta:
        model = WorkingDayException
        fields = ["id", "date", "weekday", "is_working_day", "note"]
        read_only_fields = fields

    def get_weekday(self, record: WorkingDayException) -> str:
        return str(WEEKDAY_NAMES[record.date.weekday()])


class WorkingDayInputSerializer(serializers.Serializer):
    """The fields; the rules (one record per date, an exception must break the Monday–Friday
    rule) are the model's, checked by services.calendar for the admin and the API alike."""

    date = serializers.DateField(required=False)
    is_working_day = serializers.BooleanField(
        required=False, help_text=_("true：周末调休上班；false：法定节假日休息。")
    )
    note = serializers.CharField(max_length=60, required=False, allow_blank=True)


class WorkingDayCreateSerializer(WorkingDayInputSerializer):
    date = serializers.DateField()
    is_working_day = serializers.BooleanField(
        help_text=_("true：周末调休上班；false：法定节假日休息。")
    )
