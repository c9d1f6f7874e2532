"""Plans with their sections and numeric targets (with the latest reported progress)."""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, pgettext
from rest_framework import serializers

from tasks_app.models import Plan, Responsibility, Section, Target
from tasks_app.selectors import Colour

from .common import AgencyRefSerializer, EditSerializer


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "parent", "ref", "number", "title", "order"]
        read_only_fields = fields


class TargetSerializer(serializers.ModelSerializer):
    """A numeric target; `reported_*` is the latest value from the task's consolidated report."""

    reported_value = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        label=gettext_lazy("完成值"),
    )
    reported_items = serializers.JSONField(
        read_only=True, allow_null=True, label=gettext_lazy("已完成事项")
    )
    reported_at = serializers.DateTimeField(
        read_only=True, allow_null=True, label=gettext_lazy("报送时间")
    )

    class Meta:
        model = Target
        fields = [
            "id",
            "task",
            "ref",
            "description",
            "quantity",
            "quantity_max",
            "unit",
            "comparison",
            "year",
            "items",
            "phrase",
            "reported_value",
            "reported_items",
            "reported_at",
        ]
        read_only_fields = fields


_PLAN_FIELDS = [
    "id",
    "key",
    "title",
    "doc_number",
    "level",
    "issued_on",
    "period_start",
    "period_end",
    "coordinating_agency",
    "reporting_cycle",
    "report_due_day",
    "leader_approval_required",
    "progress_margin",
]


class PlanSerializer(serializers.ModelSerializer):
    coordinating_agency = AgencyRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Plan
        fields = _PLAN_FIELDS
        read_only_fields = fields


class PlanDetailSerializer(PlanSerializer):
    sections = SectionSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True, source="visible_targets")

    class Meta(PlanSerializer.Meta):
        fields = [*_PLAN_FIELDS, "sections", "targets"]
        read_only_fields = fields


class PlanSettingsSerializer(EditSerializer):
    """The reporting settings a plan's coordinators may change (all optional: only those sent
    change)."""

    reporting_cycle = serializers.ChoiceField(choices=Plan.ReportingCycle.choices, required=False)
    report_due_day = serializers.IntegerField(min_value=1, max_value=28, required=False)
    leader_approval_required = serializers.BooleanField(required=False)
    progress_margin = serializers.IntegerField(min_value=0, max_value=100, required=False)


def _join(values: list[str]) -> str:
    return pgettext("list separator", "、").join(values)


_listed = lazy(_join, str)  # the schema is generated in the language of the request


class CountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=format_lazy(
            gettext_lazy("按办理状态计数：{}"), _listed(Responsibility.Status.values)
        ),
    )
    by_colour = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=format_lazy(
            gettext_lazy("按红黄绿灯计数：{}"), _listed([c for c, _ in Colour.CHOICES])
        ),
    )
    report_missing = serializers.IntegerField(help_text=gettext_lazy("进展报告逾期未报。"))
    accept_overdue = serializers.IntegerField(help_text=gettext_lazy("超过签收时限未签收。"))


class AgencyCountsSerializer(serializers.Serializer):
    agency = serializers.IntegerField(source="agency_id")
    name = serializers.CharField()
    counts = CountsSerializer()


class PlanStatisticsSerializer(serializers.Serializer):
    """Counts over the responsibilities the caller may see (tasks_app.dashboard)."""

    plan = serializers.IntegerField()
    today = serializers.DateField()
    totals = CountsSerializer()
    pending_extensions = serializers.IntegerField()
    agencies = AgencyCountsSerializer(many=True)


class AssessmentRowSerializer(serializers.Serializer):
    agency = serializers.IntegerField(source="agency_id")
    name = serializers.CharField()
    total = serializers.IntegerField(help_text=gettext_lazy("承担事项。"))
    assessable = serializers.IntegerField(
        help_text=gettext_lazy("应办结：未中止，且已办结或已过原定时限。")
    )
    on_time = serializers.IntegerField(help_text=gettext_lazy("按原定时限（或无时限）办结。"))
    within_extension = serializers.IntegerField(
        help_text=gettext_lazy("超过原定时限、在批准延期后的时限内办结。")
    )
    completed_late = serializers.IntegerField(help_text=gettext_lazy("超过当时时限办结。"))
    overdue_open = serializers.IntegerField(help_text=gettext_lazy("已过时限仍未办结。"))
    on_time_rate = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("按期办结率（%），没有应办结事项时为 null。")
    )


class PlanAssessmentSerializer(serializers.Serializer):
    """考核 per agency, against the original deadlines (tasks_app.assessment)."""

    plan = serializers.IntegerField()
    today = serializers.DateField()
    agencies = AssessmentRowSerializer(many=True)


class MatrixCellSerializer(serializers.Serializer):
    agency = serializers.IntegerField()
    task = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Responsibility.Role.choices)
    colour = serializers.ChoiceField(choices=[c for c, _ in Colour.CHOICES])
    label = serializers.CharField(help_text=gettext_lazy("如“牵头（办理中·红灯）”。"))


class MatrixTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()


class PlanMatrixSerializer(serializers.Serializer):
    """The agency × task responsibility matrix (tasks_app.exports.plan_matrix)."""

    plan = serializers.IntegerField()
    tasks = MatrixTaskSerializer(many=True)
    agencies = AgencyRefSerializer(many=True)
    cells = MatrixCellSerializer(many=True)


class PlanImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=gettext_lazy("方案文件（纯文本，编码自动识别）。"))
    dry_run = serializers.BooleanField(
        default=False, help_text=gettext_lazy("只解析和检查，不写入。")
    )
    create_agencies = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy("无法识别的单位自动新建为“未核实”单位（否则导入失败）。"),
    )
    coordinator = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=120,
        help_text=gettext_lazy("督办单位名称（默认按文件识别，或江苏省发展和改革委员会）。"),
    )


class ImportCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    deleted = serializers.IntegerField()
    deleted_refs = serializers.ListField(child=serializers.CharField())


class ImportReportSerializer(serializers.Serializer):
    """What the import did (tasks_app.importing.report.ImportReport)."""

    plan_key = serializers.CharField()
    plan_title = serializers.CharField()
    doc_number = serializers.CharField()
    plan_id = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("试运行时为 null。"))
    plan_status = serializers.ChoiceField(choices=["created", "updated", "unchanged"])
    sections = ImportCountsSerializer()
    tasks = ImportCountsSerializer()
    responsibilities = ImportCountsSerializer()
    targets = ImportCountsSerializer()
    created_agencies = serializers.ListField(child=serializers.CharField())
    dry_run = serializers.BooleanField()
    summary = serializers.CharField()
