"""Bulk actions for coordinators. Each calls the same service, row by row, as the single-item
pages do, so the permission and state checks are the services'; it reports what succeeded and,
row by row, what was refused and why.

The rows come from the changelist's scoped queryset (Django's response_action filters
get_queryset()), so a coordinator can never act on an item outside the plans they coordinate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.errors import DomainError
from tasks_app.models import ExtensionRequest, Responsibility
from tasks_app.reminders.manual import NOTE_MAX_LENGTH, reminders_send_now
from tasks_app.services.coordination import responsibility_deadline_set
from tasks_app.services.workflow import extension_decide

from .forms import DeadlineForm, form_errors

MAX_FAILURES_LISTED = 20


def run_each(
    request: HttpRequest,
    rows: Iterable,
    call: Callable[[object], object],
    *,
    label: Callable[[object], str],
    done: str,
) -> None:
    """Call `call(row)` for every row; one message for the successes, one per refusal."""
    succeeded, failures = 0, []
    for row in rows:
        try:
            call(row)
        except DomainError as error:
            failures.append(_("%(item)s：%(error)s") % {"item": label(row), "error": error.message})
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, done % {"count": succeeded})
    for failure in failures[:MAX_FAILURES_LISTED]:
        messages.error(request, failure)
    if len(failures) > MAX_FAILURES_LISTED:
        messages.error(
            request,
            _("另有%(count)s项未能处理。") % {"count": len(failures) - MAX_FAILURES_LISTED},
        )


def _item_label(responsibility: Responsibility) -> str:
    return _("%(task)s（%(agency)s）") % {
        "task": responsibility.task,
        "agency": responsibility.agency,
    }


@admin.action(description=gettext_lazy("设置完成时限"), permissions=["coordinate"])
def set_deadline(modeladmin, request: HttpRequest, queryset: QuerySet[Responsibility]):
    """Ask for the date and a reason on an intermediate page, then set it on every row."""
    applying = request.POST.get("apply") == "yes"
    form = DeadlineForm(request.POST if applying else None)
    if applying and form.is_valid():
        rows = queryset.select_related("task", "agency").order_by("task__order", "order", "id")
        due_on, reason = form.cleaned_data["due_on"], form.cleaned_data["reason"]
        run_each(
            request,
            rows,
            lambda r: responsibility_deadline_set(
                responsibility_id=r.pk, actor=request.user, due_on=due_on, reason=reason
            ),
            label=_item_label,
            done=_("已调整%(count)s项的完成时限。"),
        )
        return None
    if applying:
        for problem in form_errors(form):
            messages.error(request, problem)
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": _("设置完成时限"),
        "items": queryset.select_related("task", "agency").order_by("task__order", "order"),
        "action": "set_deadline",
        "form": form,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/tasks_app/responsibility/set_deadline.html", context)


def approve_pending(request: HttpRequest, extensions: QuerySet[ExtensionRequest]) -> None:
    """Approve each pending request in `extensions` through extension_decide."""
    rows = extensions.select_related("responsibility__task", "responsibility__agency").order_by(
        "requested_at"
    )
    run_each(
        request,
        rows,
        lambda e: extension_decide(extension_id=e.pk, actor=request.user, approve=True),
        label=lambda e: _item_label(e.responsibility),
        done=_("已批准%(count)s项延期申请。"),
    )


@admin.action(description=gettext_lazy("批准延期"), permissions=["coordinate"])
def approve_extensions(modeladmin, request: HttpRequest, queryset: QuerySet[Responsibility]):
    """Approve the pending extension request of each selected item (items without one are
    named in a warning)."""
    pending = ExtensionRequest.objects.filter(
        responsibility__in=queryset.values("pk"), status=ExtensionRequest.Status.PENDING
    )
    without = queryset.exclude(pk__in=pending.values("responsibility_id")).count()
    approve_pending(request, pending)
    if without:
        messages.warning(
            request, _("所选事项中有%(count)s项没有待审批的延期申请。") % {"count": without}
        )


@admin.action(description=gettext_lazy("立即催办"), permissions=["coordinate"])
def remind_now(modeladmin, request: HttpRequest, queryset: QuerySet[Responsibility]):
    """Ask for an optional note, then remind the selected items' agencies now (manual 催办).
    For the responsibility changelist, whose `has_coordinate_permission` shows it to
    coordinators; the service checks each item's plan."""
    if request.POST.get("apply") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": _("立即催办"),
            "items": queryset.select_related("task", "agency"),
            "action": "remind_now",
            "select_across": request.POST.get("select_across", "0"),
            "note_max_length": NOTE_MAX_LENGTH,
        }
        return TemplateResponse(request, "reminders/admin/remind_now.html", context)
    try:
        result = reminders_send_now(
            responsibility_ids=list(queryset.values_list("pk", flat=True)),
            actor=request.user,
            note=request.POST.get("note", ""),
        )
    except DomainError as error:
        modeladmin.message_user(request, str(error.message), messages.ERROR)
        return None
    counts = {
        "items": len(result.reminded),
        "emails": len(result.digest_ids),
        "skipped": result.skipped_final,
    }
    text = _("已对 %(items)s 项事项发出催办，共 %(emails)s 封邮件。") % counts
    if result.skipped_final:
        text += _("另有 %(skipped)s 项已办结或中止，未催办。") % counts
    if not result.digest_ids:
        text = (
            _("已记录对 %(items)s 项事项的催办，但责任单位没有可用的催办联系人或经办人邮箱。")
            % counts
        )
    modeladmin.message_user(
        request, text, messages.SUCCESS if result.digest_ids else messages.WARNING
    )
    return None


@admin.action(description=gettext_lazy("批准延期"), permissions=["coordinate"])
def approve_selected_extensions(modeladmin, request: HttpRequest, queryset):
    """On the extension request list: approve the selected requests."""
    approve_pending(request, queryset)
