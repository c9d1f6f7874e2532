"""Reminders in the admin: the reminder log, the emails with their delivery attempts and a preview
of the next sweep. The per-plan rules and the sweeps are in reminder_settings.py, the "立即催办"
action in bulk_actions.py.

Every list and page is scoped by tasks_app.reminders.selectors (which asks tasks_app.access).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.access import (
    can_use_service,
    is_administrator,
    is_coordinator,
    responsibilities_visible_to,
)
from tasks_app.models import (
    DeliveryAttempt,
    Grade,
    ReminderDigest,
    ReminderEntry,
)
from tasks_app.reminders.delivery import digests_requeue
from tasks_app.reminders.rendering import entry_line, rows_for
from tasks_app.reminders.selectors import (
    reminder_digests_counted,
    reminder_entries_visible_to,
)
from tasks_app.reminders.sweep import reminders_sweep_run

from .exportable import ExportableAdmin
from .scoped import NotFoundOutsideScope

GRADE_COLOURS = {Grade.RED: "#c0392b", Grade.YELLOW: "#b7860b", Grade.BLUE: "#2563a6"}
STATUS_COLOURS = {
    ReminderDigest.Status.SENT: "#2e7d32",
    ReminderDigest.Status.FAILED: "#c0392b",
    ReminderDigest.Status.RETRY: "#b7860b",
}


class ReadOnlyLogAdmin(NotFoundOutsideScope, ExportableAdmin, admin.ModelAdmin):
    """A log: visible to the people of the service (scoped by get_queryset), never edited; a row
    outside the user's scope is "not found" (404), never "exists but forbidden"."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_use_service(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return can_use_service(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class DeliveryStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("发送状态")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return ReminderDigest.Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(digest_status=self.value()) if self.value() else queryset


def _badge(text: str, colour: str | None):
    if not colour:
        return text
    return format_html('<span style="color:{};font-weight:bold;">{}</span>', colour, text)


# --- The reminder log ------------------------------------------------------------------------


@admin.register(ReminderEntry)
class ReminderEntryAdmin(ReadOnlyLogAdmin):
    list_display = [
        "day",
        "kind",
        "grade_badge",
        "item",
        "agency",
        "recipient",
        "recipient_role",
        "delivery_status",
        "created_at",
    ]
    list_filter = ["kind", "grade", "recipient_role", DeliveryStatusFilter, "day"]
    search_fields = [
        "recipient",
        "recipient_name",
        "responsibility__task__title",
        "responsibility__agency__name",
        "responsibility__agency__short_name",
    ]
    list_select_related = ["responsibility__task", "responsibility__agency"]
    date_hierarchy = "day"
    fields = [
        "day",
        "kind",
        "period",
        "grade",
        "responsibility_link",
        "recipient",
        "recipient_name",
        "recipient_role",
        "note",
        "digest_link",
        "created_at",
    ]
    readonly_fields = fields
    change_list_template = "reminders/admin/entry_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReminderEntry]:
        digest = ReminderDigest.objects.filter(
            sweep_id=OuterRef("sweep_id"), recipient=OuterRef("recipient")
        ).order_by()
        return (
            reminder_entries_visible_to(request.user)
            .select_related("responsibility__task", "responsibility__agency")
            .annotate(
                digest_pk=Subquery(digest.values("pk")[:1]),
                digest_status=Subquery(digest.values("status")[:1]),
            )
        )

    @admin.display(description=gettext_lazy("等级"), ordering="grade")
    def grade_badge(self, entry: ReminderEntry):
        return _badge(entry.get_grade_display(), GRADE_COLOURS.get(entry.grade))

    @admin.display(description=gettext_lazy("事项"), ordering="responsibility__task__order")
    def item(self, entry: ReminderEntry) -> str:
        return str(entry.responsibility.task)

    @admin.display(description=gettext_lazy("责任单位"), ordering="responsibility__agency__order")
    def agency(self, entry: ReminderEntry) -> str:
        return str(entry.responsibility.agency)

    @admin.display(description=gettext_lazy("发送状态"), ordering="digest_status")
    def delivery_status(self, entry: ReminderEntry):
        if entry.digest_status is None:
            return "—"
        label = ReminderDigest.Status(entry.digest_status).label
        return _badge(label, STATUS_COLOURS.get(entry.digest_status))

    @admin.display(description=gettext_lazy("责任分工"))
    def responsibility_link(self, entry: ReminderEntry):
        url = reverse("admin:tasks_app_responsibility_change", args=[entry.responsibility_id])
        return format_html('<a href="{}">{}</a>', url, entry.responsibility.task)

    @admin.display(description=gettext_lazy("邮件"))
    def digest_link(self, entry: ReminderEntry):
        if entry.digest_pk is None:
            return "—"
        url = reverse("admin:tasks_app_reminderdigest_change", args=[entry.digest_pk])
        return format_html(
            '<a href="{}">{}</a>',
            url,
            _("查看邮件（%(status)s）") % {"status": entry.digest_status},
        )

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", preview, name="tasks_app_reminderentry_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest):
        """What the next sweep would send (a dry run, rolled back), for what the user may see."""
        if not can_use_service(request.user):
            return HttpResponseRedirect(reverse("admin:index"))
        day = _preview_day(request.GET.get("date"))
        only = None if is_administrator(request.user) else responsibilities_visible_to(request.user)
        result = reminders_sweep_run(day=day, dry_run=True, enqueue=False, preview_for=only)
        shown = request.GET.get("recipient") or (
            result.preview[0].recipient if result.preview else None
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("催办预览：%(day)s") % {"day": f"{day:%Y-%m-%d}"},
            "day": day,
            "result": result,
            "previews": result.preview,
            "shown": next((p for p in result.preview if p.recipient == shown), None),
        }
        return TemplateResponse(request, "reminders/admin/preview.html", context)


def _preview_day(value: str | None) -> dt.date:
    """The requested date, else the next working day after today (tomorrow's sweep)."""
    from tasks_app.working_days import WorkingCalendar

    if value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    return WorkingCalendar.load().next_working_day(timezone.localdate())


# --- The emails -----------------------------------------------------------------------------


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "finished_at", "outcome", "smtp_code", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return can_use_service(request.user)


@admin.register(ReminderDigest)
class ReminderDigestAdmin(ReadOnlyLogAdmin):
    list_display = [
        "day",
        "recipient",
        "recipient_name",
        "status_badge",
        "attempts",
        "sent_at",
        "item_count",
        "last_error_short",
    ]
    list_filter = ["status", "day"]
    search_fields = ["recipient", "recipient_name", "subject"]
    date_hierarchy = "day"
    inlines = [DeliveryAttemptInline]
    actions = ["requeue"]
    fields = [
        "recipient",
        "recipient_name",
        "day",
        "seq",
        "status",
        "attempts",
        "sent_at",
        "next_attempt_at",
        "last_error",
        "message_id",
        "items",
        "subject",
        "rendered_html",
        "body_text",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReminderDigest]:
        return reminder_digests_counted(request.user)

    @admin.display(description=gettext_lazy("发送状态"), ordering="status")
    def status_badge(self, digest: ReminderDigest):
        return _badge(digest.get_status_display(), STATUS_COLOURS.get(digest.status))

    @admin.display(description=gettext_lazy("提醒条数"), ordering="item_count")
    def item_count(self, digest: ReminderDigest) -> int:
        return digest.item_count

    @admin.display(description=gettext_lazy("所含提醒"))
    def items(self, digest: ReminderDigest):
        lines = [entry_line(row) for row in rows_for(digest.entries)]
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines))

    @admin.display(description=gettext_lazy("最近错误"))
    def last_error_short(self, digest: ReminderDigest) -> str:
        return (digest.last_error[:60] + "…") if len(digest.last_error) > 60 else digest.last_error

    @admin.display(description=gettext_lazy("邮件内容（HTML）"))
    def rendered_html(self, digest: ReminderDigest):
        if not digest.body_html:
            return _("尚未生成（发送时生成）。")
        return format_html(
            '<iframe sandbox="" srcdoc="{}" style="width:100%;height:480px;border:1px solid #ccc;">'
            "</iframe>",
            digest.body_html,
        )

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user) or is_coordinator(request.user)

    @admin.action(
        description=gettext_lazy("重新发送所选失败邮件（邮件服务器恢复后）"),
        permissions=["requeue"],
    )
    def requeue(self, request: HttpRequest, queryset: QuerySet[ReminderDigest]):
        count = digests_requeue(digest_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, _("已重新排队 %(count)s 封邮件。") % {"count": count}, messages.SUCCESS
        )
