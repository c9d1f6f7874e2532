"""API and calendar tokens in the admin: administrators see every token and can revoke any (say
a system is retired or a secret leaked). Secrets are never shown; tokens are made through the
API (POST /api/v1/tokens/, /api/v1/calendar/feed/).

Registered by `from tasks_app.api import admin` in tasks_app/admin/__init__.py.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.access import is_administrator
from tasks_app.admin.scoped import NotFoundOutsideScope
from tasks_app.models import AccessToken

from .tokens import access_token_revoke


@admin.register(AccessToken)
class AccessTokenAdmin(NotFoundOutsideScope, admin.ModelAdmin):
    list_display = ["prefix", "user", "kind", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "name", "prefix"]
    list_select_related = ["user"]
    fields = list_display
    readonly_fields = list_display
    actions = ["revoke"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_administrator(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    @admin.action(description=gettext_lazy("吊销所选令牌（立即失效）"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[AccessToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            access_token_revoke(token=token)
        messages.success(request, _("所选令牌已吊销。"))
