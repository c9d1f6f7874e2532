"""The audit trail (办理记录) and extension requests (延期申请) in the admin.

Events are never added, changed or deleted here — not even by administrators. Extension requests
are created by agencies on the responsibility page and decided here by the plan's coordinator,
one by one (approve / refuse with a note) or in bulk ("批准延期"), through extension_decide.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tasks_app.access import (
    Capacity,
    capacities,
    events_visible_to,
    extension_requests_visible_to,
)
from tasks_app.errors import DomainError
from tasks_app.models import Event, ExtensionRequest
from tasks_app.services.workflow import extension_decide

from .bulk_actions import approve_selected_extensions
from .filters import ChoiceFilter, plan_filter
from .forms import ExtensionDecisionForm
from .scoped import ReadOnlyScopedAdmin, is_coordinating, redirect_back, report_error


@admin.register(Event)
class EventAdmin(ReadOnlyScopedAdmin):
    scope = events_visible_to
    list_display = ["created_at", "task", "agency", "action", "transition", "actor", "reason_short"]
    list_filter = [plan_filter("plan_id"), "action"]
    search_fields = ["task__title", "reason"]
    list_select_related = ["task", "responsibility__agency", "actor"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "plan",
        "task",
        "responsibility",
        "actor",
        "action",
        "from_status",
        "to_status",
        "reason",
        "data",
    ]

    def get_queryset(self, request: HttpRequest):
        return (
            events_visible_to(request.user)
            .select_related(*self.list_select_related)
            .order_by(*self.ordering)
        )

    @admin.display(description=gettext_lazy("单位"))
    def agency(self, event: Event) -> str:
        return str(event.responsibility.agency) if event.responsibility_id else "—"

    @admin.display(description=gettext_lazy("状态变化"))
    def transition(self, event: Event) -> str:
        if not event.from_status and not event.to_status:
            return "—"
        if event.from_status == event.to_status:
            return event.get_to_status_display()
        return f"{event.get_from_status_display() or '—'} → {event.get_to_status_display()}"

    @admin.display(description=gettext_lazy("理由/说明"))
    def reason_short(self, event: Event) -> str:
        return event.reason if len(event.reason) <= 40 else event.reason[:39] + "…"


class ExtensionStatusFilter(ChoiceFilter):
    title = gettext_lazy("审批状态")
    parameter_name = "status"
    options = tuple(ExtensionRequest.Status.choices)

    def filter_for(self, request, value):
        return Q(status=value)


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyScopedAdmin):
    scope = extension_requests_visible_to
    list_display = [
        "item",
        "agency",
        "previous_due_on",
        "requested_due_on",
        "reason_short",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
    ]
    list_filter = [ExtensionStatusFilter, plan_filter("responsibility__task__plan_id")]
    search_fields = ["responsibility__task__title", "reason"]
    list_select_related = [
        "responsibility__task__plan",
        "responsibility__agency",
        "requested_by",
        "decided_by",
    ]
    ordering = ["-requested_at", "-id"]
    actions = [approve_selected_extensions]
    change_form_template = "admin/tasks_app/extensionrequest/change_form.html"
    fields = [
        "responsibility",
        "previous_due_on",
        "requested_due_on",
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]

    def get_queryset(self, request: HttpRequest):
        return (
            extension_requests_visible_to(request.user)
            .select_related(*self.list_select_related)
            .order_by(*self.ordering)
        )

    def has_coordinate_permission(self, request: HttpRequest) -> bool:
        return is_coordinating(request)

    @admin.display(description=gettext_lazy("任务"), ordering="responsibility__task__order")
    def item(self, request_row: ExtensionRequest) -> str:
        return str(request_row.responsibility.task)

    @admin.display(description=gettext_lazy("申请单位"))
    def agency(self, request_row: ExtensionRequest) -> str:
        return str(request_row.responsibility.agency)

    @admin.display(description=gettext_lazy("延期理由"))
    def reason_short(self, request_row: ExtensionRequest) -> str:
        reason = request_row.reason
        return reason if len(reason) <= 40 else reason[:39] + "…"

    def history_events(self, request: HttpRequest, obj: ExtensionRequest):
        return events_visible_to(request.user).filter(
            responsibility_id=obj.responsibility_id,
            action__in=["request_extension", "approve_extension", "refuse_extension"],
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        extension = self.get_object(request, object_id)
        may_decide = (
            extension.status == ExtensionRequest.Status.PENDING
            and Capacity.COORDINATOR in capacities(request.user, extension.responsibility)
        )
        context = {
            "duban_decision_form": ExtensionDecisionForm(auto_id="decide_%s")
            if may_decide
            else None,
            "duban_responsibility_url": reverse(
                "admin:tasks_app_responsibility_change", args=[extension.responsibility_id]
            ),
        }
        return super().change_view(
            request, object_id, form_url, {**context, **(extra_context or {})}
        )

    def get_urls(self):
        decide = self.admin_site.admin_view(require_POST(self.decide_view))
        return [
            path("<int:pk>/decide/", decide, name="tasks_app_extensionrequest_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        extension = self.scoped_object_or_404(request, pk)
        form = ExtensionDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择批准或不予延期。"))
            return redirect_back(request, self.change_url(extension))
        approve = form.cleaned_data["decision"] == ExtensionDecisionForm.APPROVE
        try:
            extension_decide(
                extension_id=extension.pk,
                actor=request.user,
                approve=approve,
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            report_error(request, error)
        else:
            messages.success(request, _("已批准延期。") if approve else _("已不予延期。"))
        return redirect_back(request, self.change_url(extension))
