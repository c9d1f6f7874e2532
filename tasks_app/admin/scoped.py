"""The base of every admin page of the service: what a user sees comes from tasks_app.access.

Django's model permissions are not used: agency staff have none. Each admin names the access
function that scopes its rows (`scope`), and says which roles may add, change and delete.
An object outside the user's scope is "not found" (404) on every page — change, history, delete
and the custom views — never "exists but forbidden". The history page shows the service's own
audit trail (Event rows, scoped the same way) above the admin's LogEntry rows.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from tasks_app.access import can_use_service, is_administrator, is_coordinator
from tasks_app.errors import DomainError
from tasks_app.models import Event
from tasks_app.selectors import Colour, ColourRules

from .exportable import ExportableAdmin

HISTORY_EVENTS_SHOWN = 200


def colour_rules(request: HttpRequest) -> ColourRules:
    """The colour rules of this request (loads the working-day calendar once per request)."""
    rules = getattr(request, "_duban_colour_rules", None)
    if rules is None:
        rules = ColourRules.on()
        request._duban_colour_rules = rules
    return rules


def colour_badge(colour: str | None) -> str:
    """A coloured dot and its label, for an already computed colour (never computed here)."""
    if not colour:
        return "—"
    return format_html(
        '<span class="duban-colour duban-colour-{}" data-colour="{}">'
        '<span class="duban-dot"></span>{}</span>',
        colour,
        colour,
        Colour.LABELS.get(colour, colour),
    )


def is_coordinating(request: HttpRequest) -> bool:
    """Administrators and coordinators: the people who decide (the services check the plan)."""
    return is_administrator(request.user) or is_coordinator(request.user)


def report_error(request: HttpRequest, error: DomainError) -> None:
    """A service's refusal as an admin error message, field errors included."""
    messages.error(request, str(error.message))
    for problems in error.field_errors.values():
        for problem in problems:
            if str(problem) != str(error.message):
                messages.error(request, str(problem))


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back to the page the form was on (`next`), if it is on this site; else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def parse_version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


class NotFoundOutsideScope:
    """Mixed into every ModelAdmin of the service: an object's pages (change, history, delete and
    the custom views that use get_object) answer 404 for a row outside get_queryset, and for every
    row to a user who may not view the model at all. Django answers 403 for a row that exists and
    redirects for one that does not, before or after checking permissions depending on the page:
    either way the answer would tell that the row exists."""

    def get_object(self, request: HttpRequest, object_id: str, from_field=None) -> Model:
        found = None
        if self.has_view_or_change_permission(request):
            found = super().get_object(request, object_id, from_field)
        if found is None:
            raise Http404(_("没有找到该记录，或您无权查看。"))
        return found


class SavedThroughServices:
    """For a change page whose save_model calls a service: when the service refuses (a race past
    the form's checks), the user sees why on the same page and nothing is logged as changed."""

    def refuse(self, request: HttpRequest, error: DomainError) -> None:
        """Call from save_model with the service's refusal."""
        report_error(request, error)
        request._duban_refused = True

    def log_change(self, request: HttpRequest, obj, message):
        if getattr(request, "_duban_refused", False):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request: HttpRequest, obj):
        if getattr(request, "_duban_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


class AdministratorsOnly(NotFoundOutsideScope):
    """Mixed into the admins of Django's own models that only administrators manage (users,
    groups). Decided by role like every admin of the service — Django's model permissions would
    cost every admin page a permission query (the navigation asks each admin) for users who have
    none. To everyone else the rows do not exist: 403 on the list, 404 on a row's pages."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_administrator(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_administrator(request.user)


class ScopedAdmin(NotFoundOutsideScope, ExportableAdmin, admin.ModelAdmin):
    """Rows from `scope(user)`; permissions from the user's role; out of scope means 404.

    Subclasses set `scope` and override `may_add` / `may_change` / `may_delete` (role checks; the
    row itself is already known to be in scope when they receive it)."""

    scope: Callable[..., QuerySet] = None  # e.g. access.tasks_visible_to
    object_history_template = "admin/tasks_app/object_history.html"

    class Media:
        css = {"all": ["tasks_app/admin.css"]}

    # --- rows ---------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = type(self).scope(request.user)
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return queryset

    # --- permissions (roles, not Django model permissions) ------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.may_view(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.may_view(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.may_add(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.may_change(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.may_delete(request, obj)

    def may_view(self, request: HttpRequest) -> bool:
        return can_use_service(request.user)

    def may_add(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def may_change(self, request: HttpRequest, obj=None) -> bool:
        return is_administrator(request.user)

    def may_delete(self, request: HttpRequest, obj=None) -> bool:
        return is_administrator(request.user)

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletions go through the delete page, one by one
        return actions

    # --- history: our audit trail, scoped -----------------------------------------------------

    def history_events(self, request: HttpRequest, obj: Model) -> QuerySet[Event] | None:
        """The Events to show on `obj`'s history page (already scoped), or None for none."""
        return None

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        obj = self.get_object(request, object_id)
        events = self.history_events(request, obj)
        if events is not None:
            events = list(
                events.select_related("actor", "responsibility__agency", "task").order_by(
                    "-created_at", "-id"
                )[:HISTORY_EVENTS_SHOWN]
            )
        context = {"duban_events": events, "duban_events_limit": HISTORY_EVENTS_SHOWN}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    def render_change_form(self, request: HttpRequest, context: dict, *args, **kwargs):
        # The workflow forms drawn below the page (e.g. an agency autocomplete) bring their media.
        for key, value in list(context.items()):
            if key.startswith("duban_") and hasattr(value, "media"):
                context["media"] = context["media"] + value.media
        return super().render_change_form(request, context, *args, **kwargs)

    # --- helpers for custom views -------------------------------------------------------------

    def scoped_object_or_404(self, request: HttpRequest, pk) -> Model:
        return self.get_object(request, str(pk))

    def changelist_url(self) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    def change_url(self, obj: Model) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


class ReadOnlyScopedAdmin(ScopedAdmin):
    """A record (events, decisions): seen in scope, never added, changed or deleted here."""

    def may_add(self, request: HttpRequest) -> bool:
        return False

    def may_change(self, request: HttpRequest, obj=None) -> bool:
        return False

    def may_delete(self, request: HttpRequest, obj=None) -> bool:
        return False


class ScopedInline(admin.TabularInline):
    """An inline whose rows come from an access function and which only administrators edit.

    The formset filters the scoped rows to the parent object, so an inline never shows a row the
    user could not reach on its own page."""

    scope: Callable[..., QuerySet] | None = None
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        if self.scope is None:
            return super().get_queryset(request)
        return type(self).scope(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return can_use_service(request.user)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_administrator(request.user)


class ReadOnlyInline(ScopedInline):
    """Shown, never edited inline (changes go through services on the row's own page)."""

    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
