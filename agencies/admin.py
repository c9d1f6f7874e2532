"""Agencies, their names and reminder desks, and users, in the admin.

Administrators edit agencies and users, and merge one agency into another (admin_merge).
Coordinators see every agency (they assign tasks to them); agency staff and leaders see only their
own agency. Users are for administrators only.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from tasks_app.access import agencies_visible_to, events_visible_to, is_administrator
from tasks_app.admin.exportable import ExportableAdmin
from tasks_app.admin.scoped import AdministratorsOnly, ScopedAdmin, ScopedInline

from .admin_merge import merge_into_agency
from .models import Agency, AgencyAlias, ReminderContact, User


class AgencyAliasInline(ScopedInline):
    model = AgencyAlias


class ReminderContactInline(ScopedInline):
    model = ReminderContact


@admin.register(Agency)
class AgencyAdmin(ScopedAdmin):
    scope = agencies_visible_to
    list_display = ["name", "short_name", "kind", "level", "parent", "verified"]
    list_filter = ["kind", "level", "verified"]
    search_fields = ["name", "short_name", "aliases__name"]
    autocomplete_fields = ["parent"]
    inlines = [AgencyAliasInline, ReminderContactInline]
    list_select_related = ["parent"]
    ordering = ["order", "id"]
    actions = [merge_into_agency]

    def has_merge_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def history_events(self, request: HttpRequest, obj: Agency):
        return events_visible_to(request.user).filter(responsibility__agency=obj)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AdministratorsOnly, DjangoGroupAdmin):
    """Django's, for administrators (the service decides by role, not by group)."""


@admin.register(User)
class UserAdmin(AdministratorsOnly, ExportableAdmin, DjangoUserAdmin):
    """Administrators only; to everyone else users do not exist here (403 on the list, 404 on a
    user's pages)."""

    list_display = ["username", "last_name", "first_name", "agency", "role", "is_active"]
    list_filter = ["role", "is_active", "is_superuser"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (gettext_lazy("单位与角色"), {"fields": ("agency", "role")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (gettext_lazy("单位与角色"), {"fields": ("agency", "role")}),
    )

    def get_queryset(self, request: HttpRequest):
        users = super().get_queryset(request)
        return users if is_administrator(request.user) else users.none()
