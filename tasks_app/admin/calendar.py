"""The working-day calendar in the admin: every staff user may look, only superusers may edit."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.models import WorkingDayException
from tasks_app.working_days import WEEKDAY_NAMES

from .exportable import ExportableAdmin


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
    class Meta:
        model = WorkingDayException
        fields = ["date", "is_working_day", "note"]

    def clean(self) -> dict:
        # An exception that agrees with the Monday–Friday rule does nothing; it is almost always
        # the checkbox ticked the wrong way round, which would silently leave the holiday out.
        data = super().clean()
        day, working = data.get("date"), data.get("is_working_day")
        if day is None or working is None:
            return data
        name = WEEKDAY_NAMES[day.weekday()]
        if day.weekday() < 5 and working:
            raise forms.ValidationError(
                _("%(day)s 是%(weekday)s，本来就是工作日。登记法定节假日请不要勾选“是否工作日”。")
                % {"day": f"{day:%Y-%m-%d}", "weekday": name}
            )
        if day.weekday() >= 5 and not working:
            raise forms.ValidationError(
                _("%(day)s 是%(weekday)s，本来就休息。登记周末调休上班请勾选“是否工作日”。")
                % {"day": f"{day:%Y-%m-%d}", "weekday": name}
            )
        return data


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
