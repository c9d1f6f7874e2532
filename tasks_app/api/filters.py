"""Query filters for the lists (django-filter). Invalid values give 400 with field_errors.

Filters about a responsibility (agency, role, status, colour, overdue, due dates, report missing)
select, on the task list, the tasks that have at least one responsibility visible to the caller
meeting all of them (tasks_app.api.selectors.tasks_matching).
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field

from agencies.models import Agency
from tasks_app.models import (
    Action,
    Event,
    ExtensionRequest,
    ProgressReport,
    ReminderDigest,
    ReminderEntry,
    ReminderPolicy,
    Responsibility,
    Target,
    Task,
    WorkingDayException,
)
from tasks_app.models.reminders import Grade, ReminderKind
from tasks_app.selectors import Colour

from .selectors import ResponsibilityCriteria, colour_rules, tasks_matching

MAX_ID = 2**63 - 1
# Real UTC offsets lie within ±14 hours; the database refuses anything beyond ±15:59.
MAX_UTC_OFFSET = dt.timedelta(hours=14)


class BoundedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time with a real UTC offset and a year the database can store."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        offset = value.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError(_("时区偏移超出范围（应在 -14:00 到 +14:00 之间）。"))
        if not 1900 <= value.year <= 9998:
            raise forms.ValidationError(_("年份超出范围（应在 1900 到 9998 之间）。"))
        return value


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 9999})
class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class SearchFilter(django_filters.CharFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("method", "search")
        super().__init__(*args, **kwargs)


class ResponsibilityFilterFields(django_filters.FilterSet):
    """The conditions on one responsibility (see the module docstring)."""

    agency = IdFilter(help_text=gettext_lazy("责任单位 id。"))
    role = django_filters.ChoiceFilter(
        choices=Responsibility.Role.choices, help_text=gettext_lazy("职责。")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Responsibility.Status.choices, help_text=gettext_lazy("办理状态（可重复）。")
    )
    colour = django_filters.ChoiceFilter(
        choices=Colour.CHOICES, help_text=gettext_lazy("红黄绿灯。")
    )
    overdue = django_filters.BooleanFilter(help_text=gettext_lazy("是否逾期（未办结且已过时限）。"))
    due_before = django_filters.DateFilter(help_text=gettext_lazy("时限不晚于该日（含）。"))
    due_after = django_filters.DateFilter(help_text=gettext_lazy("时限不早于该日（含）。"))
    report_missing = django_filters.BooleanFilter(
        help_text=gettext_lazy("本期进展报告是否逾期未报。")
    )

    def criteria(self) -> ResponsibilityCriteria:
        data = self.form.cleaned_data
        return ResponsibilityCriteria(
            agency=data.get("agency"),
            role=data.get("role") or None,
            statuses=tuple(data.get("status") or ()),
            colour=data.get("colour") or None,
            overdue=data.get("overdue"),
            due_before=data.get("due_before"),
            due_after=data.get("due_after"),
            report_missing=data.get("report_missing"),
        )


class TaskFilter(ResponsibilityFilterFields):
    plan = IdFilter(field_name="plan_id", help_text=gettext_lazy("规划方案 id。"))
    section = IdFilter(field_name="section_id", help_text=gettext_lazy("章节 id（含其下级章节）。"))
    q = SearchFilter(help_text=gettext_lazy("在编号、标题和任务内容中查找（中文按字匹配）。"))

    class Meta:
        model = Task
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Task]) -> QuerySet[Task]:
        data = self.form.cleaned_data
        if data.get("plan") is not None:
            queryset = queryset.filter(plan_id=data["plan"])
        if data.get("section") is not None:
            section = data["section"]  # a heading and the headings under it, as in the admin
            queryset = queryset.filter(Q(section_id=section) | Q(section__parent_id=section))
        if data.get("q"):
            queryset = self.search(queryset, "q", data["q"])
        user = self.request.user
        return tasks_matching(queryset, user, colour_rules(self.request), self.criteria())

    def search(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        value = value.strip()
        return queryset.filter(
            Q(number=value) | Q(title__icontains=value) | Q(text__icontains=value)
        )


class ResponsibilityFilter(ResponsibilityFilterFields):
    plan = IdFilter(field_name="task__plan_id", help_text=gettext_lazy("规划方案 id。"))
    task = IdFilter(field_name="task_id", help_text=gettext_lazy("任务 id。"))
    q = SearchFilter(help_text=gettext_lazy("在任务编号、标题和单位名称中查找。"))

    class Meta:
        model = Responsibility
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Responsibility]) -> QuerySet[Responsibility]:
        data = self.form.cleaned_data
        if data.get("plan") is not None:
            queryset = queryset.filter(task__plan_id=data["plan"])
        if data.get("task") is not None:
            queryset = queryset.filter(task_id=data["task"])
        if data.get("q"):
            queryset = self.search(queryset, "q", data["q"])
        return queryset.filter(self.criteria().q(colour_rules(self.request)))

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(task__number=value)
            | Q(task__title__icontains=value)
            | Q(agency__name__icontains=value)
            | Q(agency__short_name__icontains=value)
        )


class AgencyFilter(django_filters.FilterSet):
    q = SearchFilter(help_text=gettext_lazy("按名称、简称或别名查找。"))
    level = django_filters.ChoiceFilter(choices=Agency.Level.choices)
    kind = django_filters.ChoiceFilter(choices=Agency.Kind.choices)

    class Meta:
        model = Agency
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value)
            | Q(short_name__icontains=value)
            | Q(aliases__name__icontains=value)
        ).distinct()


class ReportFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="responsibility__task__plan_id")
    task = IdFilter(field_name="responsibility__task_id")
    responsibility = IdFilter(field_name="responsibility_id")
    agency = IdFilter(field_name="responsibility__agency_id")
    status = django_filters.ChoiceFilter(choices=ProgressReport.Status.choices)
    period_start = django_filters.DateFilter()

    class Meta:
        model = ProgressReport
        fields: list[str] = []


class ExtensionRequestFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="responsibility__task__plan_id")
    task = IdFilter(field_name="responsibility__task_id")
    responsibility = IdFilter(field_name="responsibility_id")
    agency = IdFilter(field_name="responsibility__agency_id")
    status = django_filters.ChoiceFilter(choices=ExtensionRequest.Status.choices)

    class Meta:
        model = ExtensionRequest
        fields: list[str] = []


class CompletionRequestFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="task__plan_id")
    task = IdFilter(field_name="task_id")
    agency = IdFilter(field_name="agency_id")

    class Meta:
        model = Responsibility
        fields: list[str] = []


class EventFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    task = IdFilter(field_name="task_id")
    responsibility = IdFilter(field_name="responsibility_id")
    action = django_filters.ChoiceFilter(choices=Action.choices)
    since = BoundedIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = BoundedIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Event
        fields: list[str] = []


class ReminderEntryFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="responsibility__task__plan_id")
    task = IdFilter(field_name="responsibility__task_id")
    agency = IdFilter(field_name="responsibility__agency_id")
    kind = django_filters.ChoiceFilter(choices=ReminderKind.choices)
    grade = django_filters.ChoiceFilter(choices=Grade.choices)
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = ReminderEntry
        fields: list[str] = []


class TargetFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id", help_text=gettext_lazy("规划方案 id。"))
    task = IdFilter(field_name="task_id", help_text=gettext_lazy("任务 id。"))
    year = YearFilter(help_text=gettext_lazy("目标年度。"))

    class Meta:
        model = Target
        fields: list[str] = []


class ReminderPolicyFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id", help_text=gettext_lazy("规划方案 id。"))

    class Meta:
        model = ReminderPolicy
        fields: list[str] = []


class ReminderDigestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReminderDigest.Status.choices)
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte")
    q = SearchFilter(help_text=gettext_lazy("按收件人邮箱、姓名或邮件主题查找。"))

    class Meta:
        model = ReminderDigest
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(recipient__icontains=value)
            | Q(recipient_name__icontains=value)
            | Q(subject__icontains=value)
        )


class WorkingDayFilter(django_filters.FilterSet):
    year = YearFilter(field_name="date__year", help_text=gettext_lazy("年份。"))
    is_working_day = django_filters.BooleanFilter(
        help_text=gettext_lazy("true：调休上班日；false：节假日。")
    )

    class Meta:
        model = WorkingDayException
        fields: list[str] = []
