"""Tasks and their targets in the admin.

Coordinators see their plans' tasks with the responsibilities and targets inline (read-only);
they hand a task to another agency with the 交办 form (responsibility_assign), and change
deadlines and agencies on the responsibility's own page (responsibility_deadline_set /
responsibility_reassign). Edits of a task's title, text, kind and deadline go through
services.tasks.task_update (a CHANGE_TASK event), target edits through services.targets.
target_update (a CHANGE_TARGET event). Administrators may also add and delete.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tasks_app.access import (
    agencies_visible_to,
    can_coordinate_plan,
    events_visible_to,
    is_administrator,
    plans_visible_to,
    responsibilities_visible_to,
    targets_visible_to,
    tasks_visible_to,
)
from tasks_app.errors import DomainError
from tasks_app.models import Action, Responsibility, Section, Target, Task
from tasks_app.selectors import Colour, tasks_with_state
from tasks_app.selectors_reports import targets_with_progress
from tasks_app.services.coordination import responsibility_assign
from tasks_app.services.targets import target_update
from tasks_app.services.tasks import EDITABLE_FIELDS, task_update

from .filters import plan_filter
from .forms import AssignForm, TargetForm, TaskForm, form_errors
from .scoped import (
    ReadOnlyInline,
    SavedThroughServices,
    ScopedAdmin,
    colour_badge,
    colour_rules,
    is_coordinating,
    redirect_back,
    report_error,
)

COLOUR_BY_RANK = {rank: colour for colour, rank in Colour.RANK.items()}


class ResponsibilityInline(ReadOnlyInline):
    model = Responsibility
    scope = responsibilities_visible_to
    fields = ["agency", "role", "status", "due_on", "accepted_at", "last_reported_at"]
    verbose_name_plural = gettext_lazy("责任单位（调整时限或单位请打开该条责任分工）")


class TargetInline(ReadOnlyInline):
    model = Target
    fk_name = "task"
    scope = targets_visible_to
    fields = ["description", "quantity", "unit", "comparison", "year"]


@admin.register(Task)
class TaskAdmin(SavedThroughServices, ScopedAdmin):
    scope = tasks_visible_to
    list_display = [
        "__str__",
        "plan_short",
        "section",
        "kind",
        "due_on",
        "lead",
        "lead_status",
        "colour",
    ]
    list_filter = [plan_filter("plan_id"), "kind"]
    search_fields = ["title", "text", "number"]
    list_select_related = ["plan", "section"]
    ordering = ["plan_id", "order", "id"]
    inlines = [ResponsibilityInline, TargetInline]
    autocomplete_fields = ["parent"]
    change_form_template = "admin/tasks_app/task/change_form.html"
    fields = [
        "plan",
        "section",
        "parent",
        "ref",
        "number",
        "title",
        "text",
        "kind",
        "due_on",
        "order",
    ]
    coordinator_fields = EDITABLE_FIELDS
    form = TaskForm
    export_colours = {"colour": lambda task: COLOUR_BY_RANK.get(task.colour_rank)}

    def get_queryset(self, request: HttpRequest):
        lead = Responsibility.objects.filter(task_id=OuterRef("pk"), role=Responsibility.Role.LEAD)
        tasks = tasks_with_state(tasks_visible_to(request.user), colour_rules(request))
        return tasks.annotate(
            lead_short_name=Subquery(lead.values("agency__short_name")[:1]),
            lead_name=Subquery(lead.values("agency__name")[:1]),
        ).order_by(*self.ordering)

    def may_change(self, request: HttpRequest, obj=None) -> bool:
        if obj is None:
            return is_coordinating(request)
        return can_coordinate_plan(request.user, obj.plan)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if is_administrator(request.user):
            return []
        return [f for f in self.fields if f not in self.coordinator_fields]

    def get_fields(self, request: HttpRequest, obj=None):
        if obj is not None and self.may_change(request, obj):
            # Why, for the CHANGE_TASK event; and the task as it was shown (see SeenForm).
            return [*self.fields, "change_reason", "seen"]
        return self.fields

    # --- edits: through task_update, so that each is an event -----------------------------------

    def save_model(self, request: HttpRequest, obj: Task, form, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        edited = [name for name in form.changed_data if name in self.coordinator_fields]
        try:
            task_update(
                task_id=obj.pk,
                actor=request.user,
                changes={name: form.cleaned_data[name] for name in edited},
                reason=form.cleaned_data.get("change_reason", ""),
                seen=form.cleaned_data.get("seen"),
            )
        except DomainError as error:  # the form validated already: only a race gets here
            self.refuse(request, error)
            return
        # Administrators only: the task's place in the plan (kept in the admin's own log).
        placed = [name for name in form.changed_data if name in self.fields and name not in edited]
        if placed:
            obj.save(update_fields=placed)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "plan":
            kwargs["queryset"] = plans_visible_to(request.user)
        elif db_field.name == "section":
            kwargs["queryset"] = Section.objects.filter(plan__in=plans_visible_to(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("规划方案"), ordering="plan__title")
    def plan_short(self, task: Task) -> str:
        return task.plan.title[:16]

    @admin.display(description=gettext_lazy("牵头单位"))
    def lead(self, task: Task) -> str:
        return task.lead_short_name or task.lead_name or _("待明确")

    @admin.display(description=gettext_lazy("牵头单位办理状态"), ordering="lead_status")
    def lead_status(self, task: Task) -> str:
        if task.lead_status is None:
            return "—"
        return Responsibility.Status(task.lead_status).label

    @admin.display(description=gettext_lazy("红黄绿灯"), ordering="colour_rank")
    def colour(self, task: Task) -> str:
        return colour_badge(COLOUR_BY_RANK.get(task.colour_rank))

    def history_events(self, request: HttpRequest, obj: Task):
        return events_visible_to(request.user).filter(task=obj)

    # --- 交办: hand the task to one more agency ------------------------------------------------

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        task = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if can_coordinate_plan(request.user, task.plan):
            context["duban_assign_form"] = AssignForm(agencies=agencies_visible_to(request.user))
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self):
        assign = self.admin_site.admin_view(require_POST(self.assign_view))
        return [
            path("<int:pk>/assign/", assign, name="tasks_app_task_assign"),
            *super().get_urls(),
        ]

    def assign_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = self.scoped_object_or_404(request, pk)
        form = AssignForm(request.POST, agencies=agencies_visible_to(request.user))
        if not form.is_valid():
            for problem in form_errors(form):
                messages.error(request, problem)
            return redirect_back(request, self.change_url(task))
        try:
            responsibility_assign(
                task_id=task.pk,
                actor=request.user,
                agency_id=form.cleaned_data["agency"].pk,
                role=form.cleaned_data["role"],
                due_on=form.cleaned_data["due_on"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            report_error(request, error)
        else:
            messages.success(
                request,
                _("已交办%(agency)s（%(role)s）。")
                % {
                    "agency": form.cleaned_data["agency"],
                    "role": Responsibility.Role(form.cleaned_data["role"]).label,
                },
            )
        return redirect_back(request, self.change_url(task))


@admin.register(Target)
class TargetAdmin(SavedThroughServices, ScopedAdmin):
    scope = targets_visible_to
    list_display = [
        "description",
        "quantity_display",
        "comparison",
        "year",
        "reported",
        "plan",
        "task",
    ]
    list_filter = [plan_filter("plan_id"), "year", "comparison"]
    search_fields = ["description", "phrase"]
    list_select_related = ["plan", "task"]
    ordering = ["plan_id", "order", "id"]
    fields = [
        "plan",
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
        "order",
    ]
    coordinator_fields = (
        "description",
        "quantity",
        "quantity_max",
        "unit",
        "comparison",
        "year",
        "items",
        "phrase",
    )

    form = TargetForm

    def get_fields(self, request: HttpRequest, obj=None):
        if obj is not None and self.may_change(request, obj):
            return [*self.fields, "seen"]  # the target as it was shown (see SeenForm)
        return self.fields

    def get_queryset(self, request: HttpRequest):
        return targets_with_progress(targets_visible_to(request.user)).order_by(*self.ordering)

    def may_change(self, request: HttpRequest, obj=None) -> bool:
        if obj is None:
            return is_coordinating(request)
        return can_coordinate_plan(request.user, obj.plan)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if is_administrator(request.user) and obj is None:
            return []
        return [f for f in self.fields if f not in self.coordinator_fields]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "plan":
            kwargs["queryset"] = plans_visible_to(request.user)
        elif db_field.name == "task":
            kwargs["queryset"] = tasks_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("目标值"), ordering="quantity")
    def quantity_display(self, target: Target) -> str:
        return f"{target.quantity.normalize():f}{target.unit}"

    @admin.display(description=gettext_lazy("最新报送"), ordering="reported_value")
    def reported(self, target: Target) -> str:
        if target.reported_value is None:
            return "—"
        return format_html(
            '<span class="duban-reported">{}{}</span>',
            f"{target.reported_value.normalize():f}",
            target.unit,
        )

    def save_model(self, request: HttpRequest, obj: Target, form, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in self.coordinator_fields
        }
        try:
            target_update(
                target_id=obj.pk, actor=request.user, seen=form.cleaned_data.get("seen"), **changes
            )
        except DomainError as error:  # the form validated already: only a race gets here
            self.refuse(request, error)

    def history_events(self, request: HttpRequest, obj: Target):
        return events_visible_to(request.user).filter(
            action=Action.CHANGE_TARGET, data__target=obj.pk
        )
