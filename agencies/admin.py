"""Agencies, their names and reminder desks, and users, in the admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Agency, AgencyAlias, ReminderContact, User


class AgencyAliasInline(admin.TabularInline):
    model = AgencyAlias
    extra = 0


class ReminderContactInline(admin.TabularInline):
    model = ReminderContact
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "level", "parent", "verified"]
    list_filter = ["kind", "level", "verified"]
    search_fields = ["name", "short_name", "aliases__name"]
    autocomplete_fields = ["parent"]
    inlines = [AgencyAliasInline, ReminderContactInline]
    list_select_related = ["parent"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "last_name", "first_name", "agency", "role", "is_active"]
    list_filter = ["role", "is_active", "is_superuser"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("单位与角色"), {"fields": ("agency", "role")}),
    )
