"""Plans in the admin: everyone sees the plans they are involved in; a plan's coordinators edit its
reporting settings; administrators edit everything. The plan page links to the agency × task
responsibility matrix (Excel, CSV) for a circular (通报)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.access import (
    can_coordinate_plan,
    events_visible_to,
    is_administrator,
    plans_visible_to,
)
from tasks_app.errors import DomainError
from tasks_app.models import Plan, PlanIssuer, Section
from tasks_app.services.plans import plan_settings_update

from .exporting import matrix_view
from .forms import PlanForm
from .plan_import import plan_import_view
from .scoped import SavedThroughServices, ScopedAdmin, ScopedInline, is_coordinating


class PlanIssuerInline(ScopedInline):
    model = PlanIssuer
    autocomplete_fields = ["agency"]


class SectionInline(ScopedInline):
    model = Section
    fields = ["number", "title", "parent", "order"]
    show_change_link = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Section.objects.filter(plan__in=plans_visible_to(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Plan)
class PlanAdmin(SavedThroughServices, ScopedAdmin):
    scope = plans_visible_to
    list_display = [
        "title",
        "doc_number",
        "issued_on",
        "level",
        "period_end",
        "coordinating_agency",
        "reporting_cycle",
        "matrix_links",
    ]
    list_filter = ["level", "reporting_cycle"]
    search_fields = ["title", "doc_number", "key"]
    list_select_related = ["coordinating_agency"]
    ordering = ["-issued_on", "id"]
    inlines = [PlanIssuerInline, SectionInline]
    autocomplete_fields = ["coordinating_agency"]
    change_form_template = "admin/tasks_app/plan/change_form.html"
    form = PlanForm
    reporting_fields = (
        "reporting_cycle",
        "report_due_day",
        "leader_approval_required",
        "progress_margin",
    )
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "key",
                    "title",
                    "doc_number",
                    "issued_on",
                    "level",
                    "period_start",
                    "period_end",
                    "coordinating_agency",
                ]
            },
        ),
        (gettext_lazy("进展报送与审核"), {"fields": list(reporting_fields)}),
        (
            gettext_lazy("来源"),
            {
                "classes": ["collapse"],
                "fields": ["source_name", "source_encoding", "source_hash", "source_text"],
            },
        ),
    ]

    def may_change(self, request: HttpRequest, obj=None) -> bool:
        if obj is None:
            return is_coordinating(request)
        return can_coordinate_plan(request.user, obj)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and self.may_change(request, obj):
            # The plan as it was shown (see SeenForm), so a stale page cannot undo an edit.
            name, options = fieldsets[1]
            fieldsets = [fieldsets[0], (name, {**options, "fields": [*options["fields"], "seen"]})]
            fieldsets += list(self.fieldsets[2:])
        return fieldsets

    def changelist_view(self, request: HttpRequest, extra_context=None):
        tools = []
        if is_coordinating(request):
            url = reverse("admin:tasks_app_plan_import")
            tools.append(("duban-plan-import-link", _("导入方案文件"), url))
        return super().changelist_view(request, {"duban_tools": tools, **(extra_context or {})})

    # --- edits: the reporting settings through plan_settings_update ----------------------------

    def save_model(self, request: HttpRequest, obj: Plan, form, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        reporting = [name for name in form.changed_data if name in self.reporting_fields]
        try:
            plan_settings_update(
                plan_id=obj.pk,
                actor=request.user,
                seen=form.cleaned_data.get("seen"),
                log=False,  # the admin records the change in its history itself
                **{name: form.cleaned_data[name] for name in reporting},
            )
        except DomainError as error:  # the form validated already: only a race gets here
            self.refuse(request, error)
            return
        # Administrators only: the plan's identity (kept in the admin's own log).
        others = [
            name
            for name in form.changed_data
            if name not in self.reporting_fields and name != "seen"
        ]
        if others:
            obj.save(update_fields=others)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        always = ["source_hash", "source_encoding", "source_name"]
        if is_administrator(request.user):
            return always
        every = [f for _name, options in self.fieldsets for f in options["fields"]]
        return [f for f in every if f not in self.reporting_fields]

    @admin.display(description=gettext_lazy("责任矩阵"))
    def matrix_links(self, plan: Plan) -> str:
        return format_html(
            '<a class="duban-matrix-xlsx" href="{}">Excel</a> · '
            '<a class="duban-matrix-csv" href="{}">CSV</a>',
            reverse("admin:tasks_app_plan_matrix", args=[plan.pk, "xlsx"]),
            reverse("admin:tasks_app_plan_matrix", args=[plan.pk, "csv"]),
        )

    def history_events(self, request: HttpRequest, obj: Plan):
        return events_visible_to(request.user).filter(plan=obj)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(plan_import_view(self)),
                name="tasks_app_plan_import",
            ),
            path(
                "<int:pk>/matrix/<str:fmt>/",
                self.admin_site.admin_view(matrix_view(self)),
                name="tasks_app_plan_matrix",
            ),
            *super().get_urls(),
        ]
