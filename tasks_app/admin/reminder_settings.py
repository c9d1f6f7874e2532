"""The reminders' settings in the admin: per-plan rules (coordinators of the plan, administrators)
and the record of sweeps (administrators)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tasks_app.access import is_administrator, is_coordinator, plans_visible_to
from tasks_app.models import ReminderPolicy, ReminderSweep
from tasks_app.reminders.selectors import can_edit_reminder_policy, reminder_policies_visible_to

from .exportable import ExportableAdmin
from .reminders import ReadOnlyLogAdmin
from .scoped import NotFoundOutsideScope

# --- Sweeps (administrators) ----------------------------------------------------------------


@admin.register(ReminderSweep)
class ReminderSweepAdmin(ReadOnlyLogAdmin):
    list_display = [
        "day",
        "trigger",
        "actor",
        "started_at",
        "finished_at",
        "entries_created",
        "digests_created",
        "escalated",
    ]
    list_filter = ["trigger"]
    date_hierarchy = "day"
    fields = [*list_display, "counts"]
    readonly_fields = fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_administrator(request.user)


# --- Per-plan rules -------------------------------------------------------------------------


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(NotFoundOutsideScope, ExportableAdmin, admin.ModelAdmin):
    list_display = [
        "plan",
        "enabled",
        "due_soon_offsets",
        "overdue_every",
        "accept_within",
        "report_due_offsets",
        "escalate_after_overdue",
        "escalate_after_reminders",
        "updated_at",
    ]
    list_select_related = ["plan"]
    search_fields = ["plan__title"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReminderPolicy]:
        return reminder_policies_visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "plan":
            # Coordinators see exactly the plans they coordinate, administrators every plan.
            kwargs["queryset"] = plans_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @staticmethod
    def _may(request: HttpRequest, plan) -> bool:
        return can_edit_reminder_policy(request.user, plan)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user) or is_coordinator(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return self._may(request, obj.plan)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_change_permission(request, obj)
