"""Who may call the API at all. What each may see or do is decided by tasks_app.access (querysets)
and the services (actions); these classes only turn away people outside the service."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from tasks_app.access import can_use_service, is_administrator, is_coordinator

from .errors import AdministratorsOnly, CoordinatorsOnly


class UsesService(BasePermission):
    """Administrators, coordinators, and staff or leaders of an agency."""

    def has_permission(self, request, view) -> bool:
        return can_use_service(request.user)


class CoordinatorOrAdministrator(BasePermission):
    """Coordinators and administrators only (imports, the reminders log)."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if not (is_administrator(request.user) or is_coordinator(request.user)):
            raise CoordinatorsOnly()
        return True


class ReadOrAdministrator(BasePermission):
    """Everyone of the service reads; only administrators write (the working-day calendar)."""

    def has_permission(self, request, view) -> bool:
        if not can_use_service(request.user):
            return False
        if request.method in SAFE_METHODS or is_administrator(request.user):
            return True
        raise AdministratorsOnly()
