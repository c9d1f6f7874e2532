"""List filters. Their choices come from tasks_app.access (a staff user's plan filter lists only
the plans they can see), and the colour filters use the one colour expression of selectors.

Parameter names are short and stable (`plan`, `agency`, `status`, `colour`, `report`, …): the
coordinator's start page links to the filtered lists with them, and exports take the same ones.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from agencies.models import Agency
from tasks_app.access import is_agency_member, plans_visible_to, responsibilities_visible_to
from tasks_app.models import Responsibility, Section
from tasks_app.selectors import Colour, acceptance_overdue, colour_filter

from .scoped import colour_rules

S = Responsibility.Status


class ChoiceFilter(admin.SimpleListFilter):
    """A filter over fixed choices; `filter_for(value)` gives the condition."""

    options: tuple = ()

    def lookups(self, request, model_admin):
        return [(str(value), label) for value, label in self.options]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None or value not in {str(v) for v, _label in self.options}:
            return queryset
        return queryset.filter(self.filter_for(request, value))

    def filter_for(self, request: HttpRequest, value: str) -> Q:
        raise NotImplementedError


class ScopeFilter(admin.SimpleListFilter):
    """Agency staff start with their own agency's items ("我的任务"); on tasks their agency leads
    they can switch to the other agencies' items too."""

    title = gettext_lazy("范围")
    parameter_name = "scope"
    OWN, PARTNERS, ALL = "own", "partners", "all"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.request = request
        if self.parameter_name not in self.used_parameters and is_agency_member(request.user):
            self.used_parameters[self.parameter_name] = self.OWN

    @classmethod
    def own_only(cls, request: HttpRequest) -> bool:
        """Whether queryset() keeps only the user's own agency's items (staff's default view)."""
        return is_agency_member(request.user) and request.GET.get(cls.parameter_name) not in (
            cls.PARTNERS,
            cls.ALL,
        )

    def lookups(self, request, model_admin):
        if not is_agency_member(request.user):
            return []
        return [
            (self.OWN, _("本单位承办")),
            (self.PARTNERS, _("本单位牵头任务的其他单位")),
            (self.ALL, _("全部")),
        ]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        user = request.user
        if not is_agency_member(user):
            return queryset
        if self.value() == self.PARTNERS:
            return queryset.exclude(agency_id=user.agency_id)
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(agency_id=user.agency_id)


class PlanFilter(admin.SimpleListFilter):
    title = gettext_lazy("规划方案")
    parameter_name = "plan"
    field_path = "task__plan_id"

    def lookups(self, request, model_admin):
        plans = plans_visible_to(request.user).order_by("-issued_on", "id")
        return [(str(pk), title) for pk, title in plans.values_list("pk", "title")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{self.field_path: int(value)})
        return queryset


class SectionFilter(admin.SimpleListFilter):
    """Shown once a plan is chosen; a top-level section includes its sub-sections."""

    title = gettext_lazy("章节")
    parameter_name = "section"

    def lookups(self, request, model_admin):
        plan = request.GET.get(PlanFilter.parameter_name, "")
        if not plan.isdigit():
            return []
        sections = Section.objects.filter(
            plan_id=int(plan), plan__in=plans_visible_to(request.user)
        ).order_by("order")
        return [(str(s.pk), str(s)) for s in sections]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            pk = int(value)
            return queryset.filter(Q(task__section_id=pk) | Q(task__section__parent_id=pk))
        return queryset


class AgencyFilter(admin.SimpleListFilter):
    """The agencies of the responsibilities the user can see. Not shown while the scope filter
    keeps only the user's own agency's items: every row is theirs, there is nothing to choose."""

    title = gettext_lazy("责任单位")
    parameter_name = "agency"
    field_path = "agency_id"

    def lookups(self, request, model_admin):
        if ScopeFilter.own_only(request):
            return []
        visible = responsibilities_visible_to(request.user).filter(agency_id=OuterRef("pk"))
        agencies = Agency.objects.filter(Exists(visible)).order_by("order", "id")
        return [(str(a.pk), str(a)) for a in agencies]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{self.field_path: int(value)})
        return queryset


class RoleFilter(ChoiceFilter):
    title = gettext_lazy("职责")
    parameter_name = "role"
    options = tuple(Responsibility.Role.choices)

    def filter_for(self, request, value):
        return Q(role=value)


class StatusFilter(ChoiceFilter):
    title = gettext_lazy("办理状态")
    parameter_name = "status"
    options = tuple(Responsibility.Status.choices)

    def filter_for(self, request, value):
        return Q(status=value)


class ColourFilter(ChoiceFilter):
    title = gettext_lazy("红黄绿灯")
    parameter_name = "colour"
    options = Colour.CHOICES

    def filter_for(self, request, value):
        return colour_filter(colour_rules(request), value)


class DueWithinFilter(ChoiceFilter):
    """Open items due from today to N calendar days ahead (not yet overdue)."""

    title = gettext_lazy("临近完成时限")
    parameter_name = "due_within"
    options = tuple((n, n) for n in (7, 15, 30, 60))

    def lookups(self, request, model_admin):
        return [(str(n), _("%(n)s天内到期") % {"n": n}) for n, _n in self.options]

    def filter_for(self, request, value):
        today = colour_rules(request).today
        return Q(
            status__in=Responsibility.OPEN_STATUSES,
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=int(value)),
        )


class ReportFilter(ChoiceFilter):
    """Open items whose progress report is overdue (next_report_due_on has passed)."""

    title = gettext_lazy("进展报送")
    parameter_name = "report"
    MISSING = "missing"
    options = ((MISSING, gettext_lazy("逾期未报送")),)

    def filter_for(self, request, value):
        today = colour_rules(request).today
        return Q(status__in=Responsibility.OPEN_STATUSES, next_report_due_on__lt=today)


class AcceptanceFilter(ChoiceFilter):
    title = pgettext_lazy("filter", "签收")
    parameter_name = "accept"
    OVERDUE, PENDING = "overdue", "pending"
    options = ((PENDING, gettext_lazy("待签收")), (OVERDUE, gettext_lazy("签收超时")))

    def filter_for(self, request, value):
        if value == self.OVERDUE:
            return acceptance_overdue(colour_rules(request))
        return Q(status=S.ASSIGNED)


class EscalationFilter(ChoiceFilter):
    """Open items the reminder sweep escalated to 督办 (leader and coordinator copied)."""

    title = gettext_lazy("督办升级")
    parameter_name = "escalated"
    YES = "yes"
    options = ((YES, gettext_lazy("已升级督办")),)

    def filter_for(self, request, value):
        return Q(escalated_at__isnull=False) & ~Q(status__in=Responsibility.FINAL_STATUSES)


RESPONSIBILITY_FILTERS = [
    ScopeFilter,
    PlanFilter,
    SectionFilter,
    AgencyFilter,
    RoleFilter,
    StatusFilter,
    ColourFilter,
    DueWithinFilter,
    ReportFilter,
    AcceptanceFilter,
    EscalationFilter,
]


def plan_filter(path: str) -> type[PlanFilter]:
    """The plan filter for a model that reaches the plan through `path` (e.g. "plan_id")."""
    return type(f"PlanFilter_{path}", (PlanFilter,), {"field_path": path})
