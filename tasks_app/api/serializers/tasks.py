"""Tasks and responsibilities, with the traffic-light colour, deadlines and the actions the caller
may take now.

The list shapes are on the hot path (50 tasks × their responsibilities per page), so they build
their dicts directly; the declared fields are what the OpenAPI schema shows and must match.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tasks_app.models import Responsibility, Task
from tasks_app.selectors import Colour, days_left
from tasks_app.services.workflow import TRANSITIONS, available_actions

from ..selectors import days_overdue, worst_colour
from .common import AgencyRefSerializer, EditSerializer, person_name
from .plans import TargetSerializer

COLOURS = [c for c, _ in Colour.CHOICES]


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


_DATETIME = serializers.DateTimeField()  # for its formatting (settings, time zone)


def _datetime(value: dt.datetime | None) -> str | None:
    return _DATETIME.to_representation(value) if value is not None else None


class ResponsibilityBriefSerializer(serializers.Serializer):
    """An agency's part in a task, as shown inside the task."""

    id = serializers.IntegerField()
    agency = AgencyRefSerializer()
    role = serializers.ChoiceField(choices=Responsibility.Role.choices)
    status = serializers.ChoiceField(choices=Responsibility.Status.choices)
    due_on = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("当前完成时限（含已批准的延期）。")
    )
    original_due_on = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("用于考核的原定时限。")
    )
    colour = serializers.ChoiceField(choices=COLOURS)
    days_left = serializers.IntegerField(
        allow_null=True,
        help_text=gettext_lazy("距完成时限的天数，负数为已逾期天数；无时限为 null。"),
    )
    progress_percent = serializers.IntegerField()
    last_reported_at = serializers.DateTimeField(allow_null=True)
    next_report_due_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField(help_text=gettext_lazy("乐观并发版本，与 ETag 对应。"))
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(TRANSITIONS)),
        help_text=gettext_lazy("当前用户现在可以执行的流转操作。"),
    )

    def to_representation(self, r: Responsibility) -> dict:
        user = self.context["request"].user
        today = self.context["today"]
        agency = r.agency
        return {
            "id": r.pk,
            "agency": {"id": agency.pk, "name": agency.name, "short_name": agency.short_name},
            "role": r.role,
            "status": r.status,
            "due_on": _date(r.due_on),
            "original_due_on": _date(r.original_due_on),
            "colour": r.colour,
            "days_left": days_left(r, today),
            "progress_percent": r.progress_percent,
            "last_reported_at": _datetime(r.last_reported_at),
            "next_report_due_on": _date(r.next_report_due_on),
            "version": r.version,
            "actions": available_actions(user=user, responsibility=r),
        }


class TaskSerializer(serializers.Serializer):
    """A task with the responsibilities on it that the caller may see."""

    id = serializers.IntegerField()
    plan = serializers.IntegerField()
    section = serializers.IntegerField(allow_null=True)
    parent = serializers.IntegerField(allow_null=True)
    ref = serializers.CharField()
    number = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Task.Kind.choices)
    due_on = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("任务的完成时限（方案规定）。")
    )
    colour = serializers.ChoiceField(
        choices=COLOURS,
        allow_null=True,
        label=gettext_lazy("红黄绿灯"),
        help_text=gettext_lazy("可见责任分工中最差的颜色；无分工为 null。"),
    )
    days_overdue = serializers.IntegerField(
        label=gettext_lazy("逾期天数"),
        help_text=gettext_lazy("未办结分工中最早逾期的天数，未逾期为 0。"),
    )
    responsibilities = ResponsibilityBriefSerializer(many=True, label=gettext_lazy("责任单位"))

    def to_representation(self, task: Task) -> dict:
        brief = ResponsibilityBriefSerializer(context=self.context)
        responsibilities = task.visible_responsibilities
        for r in responsibilities:
            r.task = task  # available_actions reads task.plan (selected with the task)
        return {
            "id": task.pk,
            "plan": task.plan_id,
            "section": task.section_id,
            "parent": task.parent_id,
            "ref": task.ref,
            "number": task.number,
            "title": task.title,
            "kind": task.kind,
            "due_on": _date(task.due_on),
            "colour": worst_colour(responsibilities),
            "days_overdue": days_overdue(responsibilities, self.context["today"]),
            "responsibilities": [brief.to_representation(r) for r in responsibilities],
        }


class TaskDetailSerializer(TaskSerializer):
    text = serializers.CharField()
    targets = TargetSerializer(many=True)

    def to_representation(self, task: Task) -> dict:
        data = super().to_representation(task)
        data["text"] = task.text
        data["targets"] = TargetSerializer(task.visible_targets, many=True).data
        return data


class TaskUpdateSerializer(EditSerializer):
    """What the plan's coordinator may change on a task (all optional: only those sent change),
    and why — the reason is kept with the 修改任务 event."""

    title = serializers.CharField(max_length=255, required=False)
    text = serializers.CharField(required=False)
    kind = serializers.ChoiceField(choices=Task.Kind.choices, required=False)
    due_on = serializers.DateField(
        required=False, allow_null=True, help_text=gettext_lazy("方案规定的完成时限；null 为不限。")
    )
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text=gettext_lazy("修改说明。")
    )


class TaskRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    number = serializers.CharField()
    title = serializers.CharField()


class PersonRefSerializer(serializers.Serializer):
    """A user named inside another record: the number to refer to them by, and the name."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ResponsibilitySerializer(serializers.ModelSerializer):
    """A responsibility on its own (list and detail; the detail carries its ETag)."""

    task = TaskRefSerializer(read_only=True)
    agency = AgencyRefSerializer(read_only=True)
    colour = serializers.ChoiceField(
        choices=COLOURS, read_only=True, label=gettext_lazy("红黄绿灯")
    )
    days_left = serializers.SerializerMethodField(label=gettext_lazy("剩余/逾期天数"))
    actions = serializers.SerializerMethodField()
    assignees = serializers.SerializerMethodField(
        label=gettext_lazy("经办人"), help_text=gettext_lazy("经办人（催办提醒也发给他们）。")
    )

    class Meta:
        model = Responsibility
        fields = [
            "id",
            "task",
            "agency",
            "role",
            "focus",
            "status",
            "assigned_at",
            "accepted_at",
            "completed_at",
            "completed_late",
            "due_on",
            "original_due_on",
            "colour",
            "days_left",
            "progress_percent",
            "last_reported_at",
            "next_report_due_on",
            "behind_schedule_on",
            "escalated_at",
            "assignees",
            "version",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_left(self, r: Responsibility) -> int | None:
        return days_left(r, self.context["today"])

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(list(TRANSITIONS))))
    def get_actions(self, r: Responsibility) -> list[str]:
        return available_actions(user=self.context["request"].user, responsibility=r)

    @extend_schema_field(PersonRefSerializer(many=True))
    def get_assignees(self, r: Responsibility) -> list[dict]:
        return [{"id": u.pk, "name": person_name(u)} for u in r.assignees.all()]
