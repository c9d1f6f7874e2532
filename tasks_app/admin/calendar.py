"""The working-day calendar in the admin: every staff user may look, only superusers may edit."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.models import WorkingDayException
from tasks_app.working_days import WEEKDAY_NAMES, calendar_missing_years

from .exportable import ExportableAdmin


def calendar_warning(request: HttpRequest, today: dt.date) -> dict:
    """Template context for calendar_warning.html: the years whose holidays are missing, and
    where to enter them (for administrators, who may)."""
    missing = calendar_missing_years(today=today)
    url = reverse("admin:tasks_app_workingdayexception_changelist")
    return {
        "duban_calendar_missing": missing,
        "duban_calendar_url": url if missing and request.user.is_superuser else "",
    }


class YearFilter(admin.SimpleListFilter):
    """The years that have exceptions, newest first."""

    title = gettext_lazy("年份")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(str(day.year), _("%(year)s 年") % {"year": day.year}) for day in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


class WorkingDayExceptionForm(forms.ModelForm):
    """The model's own rules (WorkingDayException.clean): one record per date, and an exception
    must break the Monday–Friday rule."""

    class Meta:
        model = WorkingDayException
        fields = ["date", "is_working_day", "note"]


@admin.register(WorkingDayException)
class WorkingDayExceptionAdmin(ExportableAdmin, admin.ModelAdmin):
    form = WorkingDayExceptionForm
    list_display = ["date", "weekday", "is_working_day", "note"]
    list_filter = [YearFilter, "is_working_day"]
    search_fields = ["note"]
    date_hierarchy = "date"
    ordering = ["-date"]
    list_per_page = 100

    @admin.display(description=gettext_lazy("星期"), ordering="date")
    def weekday(self, obj: WorkingDayException) -> str:
        return WEEKDAY_NAMES[obj.date.weekday()]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser
