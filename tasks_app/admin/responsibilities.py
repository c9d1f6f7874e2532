"""The responsibility list — "我的任务", the agency staff's start page — and its change page.

Nothing here writes a workflow field: the row buttons and the page's forms post to the views in
responsibility_views, which call the services. The list's colour comes from the annotated
`colour` (selectors.with_colour), rendered as a badge; the buttons are exactly what
services.workflow.available_actions allows the user on that row.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.access import events_visible_to, is_agency_member, responsibilities_visible_to
from tasks_app.models import Responsibility
from tasks_app.selectors import days_left, with_colour

from .assessment import assessment_export_view, assessment_view
from .bulk_actions import approve_extensions, remind_now, set_deadline
from .dashboard import dashboard_view
from .exporting import responsibilities_export
from .filters import RESPONSIBILITY_FILTERS
from .responsibility_list import ResponsibilityChangeList
from .responsibility_page import change_page_context, row_actions
from .responsibility_views import ResponsibilityViews
from .scoped import ScopedAdmin, colour_badge, colour_rules, is_coordinating


@admin.register(Responsibility)
class ResponsibilityAdmin(ResponsibilityViews, ScopedAdmin):
    scope = responsibilities_visible_to
    list_filter = RESPONSIBILITY_FILTERS
    search_fields = ["task__title", "task__text", "task__number"]
    search_help_text = gettext_lazy("按任务标题或内容搜索")
    list_select_related = ["task__plan", "task__section", "agency"]
    # Worst colour first, then the nearest deadline (colour_rank is an annotation: get_ordering).
    default_ordering = ("colour_rank", "due_on", "task__plan_id", "task__order", "id")
    list_per_page = 50
    # The paginator's count (of the filtered list) is shown; the count of everything visible
    # without the filters is a second full scan that the page does not need.
    show_full_result_count = False
    actions = [set_deadline, approve_extensions, remind_now]
    change_list_template = "admin/tasks_app/responsibility/change_list.html"
    change_form_template = "admin/tasks_app/responsibility/change_form.html"
    fieldsets = [
        (
            gettext_lazy("任务"),
            {"fields": ["task_heading", "plan_title", "section_title", "task_text"]},
        ),
        (
            gettext_lazy("本单位承办情况"),
            {
                "fields": [
                    "agency",
                    "role",
                    "status",
                    "colour_display",
                    "due_on",
                    "original_due_on",
                    "days_display",
                    "assigned_at",
                    "accepted_at",
                    "progress_percent",
                    "last_reported_at",
                    "next_report_due_on",
                    "completed_at",
                    "completed_late",
                ]
            },
        ),
    ]
    readonly_fields = [
        "task_heading",
        "plan_title",
        "section_title",
        "task_text",
        "colour_display",
        "days_display",
    ]

    # --- rows ---------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest):
        own_agency_only = getattr(request, "duban_own_agency_only", False)  # see the ChangeList
        scoped = responsibilities_visible_to(
            request.user, own_agency_only=own_agency_only
        ).select_related("task__plan", "task__section", "agency")
        return with_colour(scoped, colour_rules(request)).order_by(*self.default_ordering)

    def get_changelist(self, request: HttpRequest, **kwargs):
        return ResponsibilityChangeList

    def get_ordering(self, request: HttpRequest):
        return self.default_ordering

    def today(self, request: HttpRequest):
        return colour_rules(request).today

    # --- permissions: read-only pages; changes only through the workflow views ----------------

    def may_add(self, request: HttpRequest) -> bool:
        return False

    def may_change(self, request: HttpRequest, obj=None) -> bool:
        return False

    def may_delete(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_coordinate_permission(self, request: HttpRequest) -> bool:
        return is_coordinating(request)

    # --- the list -------------------------------------------------------------------------------

    def get_list_display(self, request: HttpRequest):
        # What a desk acts on first — colour, deadline, status and the buttons — comes before
        # the context, so the buttons stay on screen beside the navigation and the filters.
        return [
            "task_heading",
            "colour_display",
            "due_on",
            "days_display",
            "status",
            self._buttons_column(request),
            "last_report",
            "role",
            "agency",
            "plan_short",
        ]

    def _buttons_column(self, request: HttpRequest):
        """The row's workflow buttons, which submit the row's form (ResponsibilityChangeList.
        row_forms). format_html, not a template: a template render per row cost twice as much."""
        user = request.user
        placeholder = _("理由（退回、中止须填写）")

        @admin.display(description=gettext_lazy("操作"))
        def buttons(obj: Responsibility) -> str:
            actions = row_actions(user, obj)
            if not actions:
                return "—"
            html = format_html_join(
                "",
                '<button type="submit" form="row-{0}" name="action" value="{1}" id="act-{0}-{1}"'
                ' class="button duban-action duban-action-{1}">{2}</button>',
                ((obj.pk, a["action"], a["label"]) for a in actions),
            )
            if any(a["needs_reason"] for a in actions):
                html += format_html(
                    '<input type="text" form="row-{0}" name="reason" id="reason-{0}"'
                    ' class="duban-reason" maxlength="2000" placeholder="{1}">',
                    obj.pk,
                    placeholder,
                )
            return format_html(
                '<div class="duban-row-actions" data-responsibility="{}">{}</div>', obj.pk, html
            )

        return buttons

    @admin.display(description=gettext_lazy("任务"), ordering="task__order")
    def task_heading(self, obj: Responsibility) -> str:
        return str(obj.task)

    @admin.display(description=gettext_lazy("规划方案"), ordering="task__plan__title")
    def plan_short(self, obj: Responsibility) -> str:
        title = obj.task.plan.title
        return format_html('<span title="{}">{}</span>', title, _truncate(title, 16))

    @admin.display(description=gettext_lazy("规划方案"))
    def plan_title(self, obj: Responsibility) -> str:
        return obj.task.plan.title

    @admin.display(description=gettext_lazy("章节"))
    def section_title(self, obj: Responsibility) -> str:
        return str(obj.task.section) if obj.task.section else "—"

    @admin.display(description=gettext_lazy("任务内容"))
    def task_text(self, obj: Responsibility) -> str:
        return format_html('<div class="duban-task-text">{}</div>', obj.task.text)

    @admin.display(description=gettext_lazy("红黄绿灯"), ordering="colour_rank")
    def colour_display(self, obj: Responsibility) -> str:
        return colour_badge(getattr(obj, "colour", None))

    @admin.display(description=gettext_lazy("剩余/逾期"), ordering="due_on")
    def days_display(self, obj: Responsibility) -> str:
        if not obj.is_open:
            return "—"
        days = days_left(obj, timezone.localdate())
        if days is None:
            return "—"
        if days < 0:
            return format_html(
                '<span class="duban-overdue">{}</span>', _("逾期%(n)s天") % {"n": -days}
            )
        return _("剩余%(n)s天") % {"n": days}

    @admin.display(description=gettext_lazy("最近报送"), ordering="last_reported_at")
    def last_report(self, obj: Responsibility) -> str:
        if obj.last_reported_at is None:
            return "—"
        return f"{timezone.localdate(obj.last_reported_at):%Y-%m-%d}"

    def export_content(self, request: HttpRequest, rows, fmt: str):
        return responsibilities_export(request, rows, fmt)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        title = _("我的任务") if is_agency_member(request.user) else _("责任分工")
        context = {
            "title": title,
            "duban_dashboard": is_coordinating(request),
        }
        return super().changelist_view(request, {**context, **(extra_context or {})})

    # --- the change page ------------------------------------------------------------------------

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        context = {**change_page_context(request, obj), "title": str(obj.task)}
        return super().change_view(
            request, object_id, form_url, {**context, **(extra_context or {})}
        )

    def history_events(self, request: HttpRequest, obj: Responsibility):
        return events_visible_to(request.user).filter(responsibility=obj)

    def extra_urls(self) -> list:
        return [
            path(
                "dashboard/",
                self.admin_site.admin_view(dashboard_view(self)),
                name="tasks_app_dashboard",
            ),
            path(
                "assessment/",
                self.admin_site.admin_view(assessment_view(self)),
                name="tasks_app_assessment",
            ),
            path(
                "assessment/export/<str:fmt>/",
                self.admin_site.admin_view(assessment_export_view(self)),
                name="tasks_app_assessment_export",
            ),
        ]


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
