"""The POST endpoints behind the buttons and forms of the responsibility pages.

Each one finds the object through the admin's scoped queryset (404 outside the user's scope),
parses its form, calls exactly one service, and redirects back with a message. A DomainError
becomes an error message carrying the service's own text, and nothing is saved; a stale `version`
gives the service's "该事项已被他人修改，请刷新页面后重试。".
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks_app.access import agencies_visible_to, attachments_visible_to, reports_visible_to
from tasks_app.errors import DomainError
from tasks_app.models import Action, Responsibility
from tasks_app.services.coordination import (
    responsibility_assignees_set,
    responsibility_deadline_set,
    responsibility_reassign,
)
from tasks_app.services.reports import (
    progress_report_leader_approve,
    progress_report_return,
    progress_report_submit,
)
from tasks_app.services.workflow import extension_request_create, responsibility_transition

from .forms import (
    AssigneesForm,
    DeadlineForm,
    ExtensionRequestForm,
    ReassignForm,
    ReportForm,
    ReportReturnForm,
    TransitionForm,
    form_errors,
)
from .responsibility_page import report_periods, stash_draft
from .scoped import redirect_back, report_error


def _refuse(request: HttpRequest, problems: list[str]) -> None:
    for problem in problems:
        messages.error(request, problem)


class ResponsibilityViews:
    """Mixed into ResponsibilityAdmin: custom URLs and their views."""

    def get_urls(self):
        def view(func):
            return self.admin_site.admin_view(require_POST(func))

        name = "tasks_app_responsibility"
        return [
            path("<int:pk>/transition/", view(self.transition_view), name=f"{name}_transition"),
            path("<int:pk>/report/", view(self.report_view), name=f"{name}_report"),
            path("<int:pk>/extension/", view(self.extension_view), name=f"{name}_extension"),
            path("<int:pk>/deadline/", view(self.deadline_view), name=f"{name}_deadline"),
            path("<int:pk>/reassign/", view(self.reassign_view), name=f"{name}_reassign"),
            path("<int:pk>/assignees/", view(self.assignees_view), name=f"{name}_assignees"),
            path(
                "report/<int:report_id>/approve/",
                view(self.report_approve_view),
                name="tasks_app_report_approve",
            ),
            path(
                "report/<int:report_id>/return/",
                view(self.report_return_view),
                name="tasks_app_report_return",
            ),
            path(
                "attachment/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="tasks_app_report_attachment",
            ),
            *self.extra_urls(),
            *super().get_urls(),
        ]

    def extra_urls(self) -> list:
        return []

    def _back(self, request: HttpRequest, responsibility: Responsibility):
        return redirect_back(request, self.change_url(responsibility))

    # --- transitions (the row buttons and the change page's buttons) -------------------------

    def transition_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        responsibility = self.scoped_object_or_404(request, pk)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            _refuse(request, form_errors(form))
            return self._back(request, responsibility)
        action = form.cleaned_data["action"]
        try:
            responsibility_transition(
                responsibility_id=responsibility.pk,
                action=action,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as error:
            report_error(request, error)
        else:
            label = Action(action).label if action in Action.values else action
            messages.success(
                request,
                _("已%(action)s：%(task)s") % {"action": label, "task": responsibility.task},
            )
        return self._back(request, responsibility)

    # --- progress report ------------------------------------------------------------------------

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        responsibility = self.scoped_object_or_404(request, pk)
        targets = list(responsibility.task.targets.order_by("order", "id"))
        form = ReportForm(
            request.POST,
            request.FILES,
            periods=report_periods(responsibility, self.today(request)),
            targets=targets,
        )
        if not form.is_valid():
            _refuse(request, form_errors(form))
            stash_draft(request, "report", responsibility.pk)
            return self._back(request, responsibility)
        data = form.cleaned_data
        try:
            progress_report_submit(
                responsibility_id=responsibility.pk,
                actor=request.user,
                narrative=data["narrative"],
                percent=data["percent"],
                period_start=form.period(),
                target_values=form.target_values(),
                attachments=data["attachments"],
                expected_version=data["version"],
                expected_report_version=data.get("report_version"),
            )
        except DomainError as error:
            report_error(request, error)
            stash_draft(request, "report", responsibility.pk)
        else:
            messages.success(request, _("进展报告已保存。"))
        return self._back(request, responsibility)

    def report_approve_view(self, request: HttpRequest, report_id: int) -> HttpResponse:
        report = self._report_or_404(request, report_id)
        form = ReportReturnForm(request.POST)
        form.is_valid()
        try:
            progress_report_leader_approve(
                report_id=report.pk,
                actor=request.user,
                expected_version=form.cleaned_data.get("report_version"),
            )
        except DomainError as error:
            report_error(request, error)
        else:
            messages.success(request, _("进展报告已审核通过，报送督办员。"))
        return self._back(request, report.responsibility)

    def report_return_view(self, request: HttpRequest, report_id: int) -> HttpResponse:
        report = self._report_or_404(request, report_id)
        form = ReportReturnForm(request.POST)
        form.is_valid()
        try:
            progress_report_return(
                report_id=report.pk,
                actor=request.user,
                reason=form.cleaned_data.get("reason", ""),
                expected_version=form.cleaned_data.get("report_version"),
            )
        except DomainError as error:
            report_error(request, error)
        else:
            messages.success(request, _("进展报告已退回。"))
        return self._back(request, report.responsibility)

    def _report_or_404(self, request: HttpRequest, report_id: int):
        report = (
            reports_visible_to(request.user)
            .select_related("responsibility__task")
            .filter(pk=report_id)
            .first()
        )
        if report is None:
            raise Http404(_("没有找到该进展报告，或您无权查看。"))
        return report

    def attachment_view(self, request: HttpRequest, attachment_id: int) -> FileResponse:
        attachment = attachments_visible_to(request.user).filter(pk=attachment_id).first()
        if attachment is None:
            raise Http404(_("没有找到该附件，或您无权查看。"))
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )

    # --- 经办人 ------------------------------------------------------------------------------------

    def assignees_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        responsibility = self.scoped_object_or_404(request, pk)
        form = AssigneesForm(request.POST, users=())  # the service judges who may be named
        if not form.is_valid():
            _refuse(request, form_errors(form))
            return self._back(request, responsibility)
        try:
            responsibility_assignees_set(
                responsibility_id=responsibility.pk,
                user_ids=form.cleaned_data["assignees"],
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as error:
            report_error(request, error)
        else:
            messages.success(request, _("经办人已更新。"))
        return self._back(request, responsibility)

    # --- extension request, deadline, reassignment ----------------------------------------------

    def extension_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        responsibility = self.scoped_object_or_404(request, pk)
        form = ExtensionRequestForm(request.POST)
        if not form.is_valid():
            _refuse(request, form_errors(form))
            stash_draft(request, "extension", responsibility.pk)
            return self._back(request, responsibility)
        try:
            extension_request_create(
                responsibility_id=responsibility.pk,
                actor=request.user,
                requested_due_on=form.cleaned_data["requested_due_on"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as error:
            report_error(request, error)
            stash_draft(request, "extension", responsibility.pk)
        else:
            messages.success(request, _("延期申请已提交，等待督办员审批。"))
        return self._back(request, responsibility)

    def deadline_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        responsibility = self.scoped_object_or_404(request, pk)
        form = DeadlineForm(request.POST)
        if not form.is_valid():
            _refuse(request, form_errors(form))
            return self._back(request, responsibility)
        try:
            responsibility_deadline_set(
                responsibility_id=responsibility.pk,
                actor=request.user,
                due_on=form.cleaned_data["due_on"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as error:
            report_error(request, error)
        else:
            messages.success(request, _("完成时限已调整。"))
        return self._back(request, responsibility)

    def reassign_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        responsibility = self.scoped_object_or_404(request, pk)
        form = ReassignForm(request.POST, agencies=agencies_visible_to(request.user))
        if not form.is_valid():
            _refuse(request, form_errors(form))
            return self._back(request, responsibility)
        try:
            responsibility_reassign(
                responsibility_id=responsibility.pk,
                actor=request.user,
                agency_id=form.cleaned_data["agency"].pk,
                role=form.cleaned_data["role"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as error:
            report_error(request, error)
            return self._back(request, responsibility)
        messages.success(request, _("责任单位已调整。"))
        # The item may now be outside the user's scope: back to the list, not to a 404.
        if not self.get_queryset(request).filter(pk=responsibility.pk).exists():
            return HttpResponseRedirect(reverse("admin:tasks_app_responsibility_changelist"))
        return self._back(request, responsibility)
