"""导入方案文件 in the admin: a coordinator uploads a plan document, sees what the import would do
(试导入, nothing saved), then imports it — the same parser and writer as `manage.py import_plan`
and `POST /api/v1/plans/import/`: all of the document or nothing, and a clear message in Chinese
when it cannot be imported. Coordinators and administrators."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.errors import DomainError
from tasks_app.importing import MAX_DOCUMENT_BYTES
from tasks_app.importing.parser import parse_plan
from tasks_app.importing.writer import plan_import

from .scoped import is_coordinating


class PlanImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("方案文件"),
        help_text=gettext_lazy("纯文本（.txt），UTF-8、GBK 等编码均可，不超过 5 MB。"),
    )
    create_agencies = forms.BooleanField(
        label=gettext_lazy("自动新建文件中未登记的单位"),
        required=False,
        help_text=gettext_lazy("新建的单位标为“未核实”，请导入后在“单位”中核对或合并。"),
    )
    coordinator = forms.CharField(
        label=gettext_lazy("督办单位"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("留空则按文件的发文单位确定。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("文件过大：不能超过 5 MB。"))
        return upload


def plan_import_view(model_admin):
    def view(request: HttpRequest) -> HttpResponse:
        if not is_coordinating(request):
            raise PermissionDenied
        form = PlanImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            dry_run = "apply" not in request.POST
            try:
                report = _import(form, dry_run=dry_run)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                if not dry_run:
                    messages.success(request, report.summary())
                    url = reverse("admin:tasks_app_plan_change", args=[report.plan_id])
                    return HttpResponseRedirect(url)
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": _("导入方案文件"),
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/tasks_app/plan/import.html", context)

    return view


def _import(form: PlanImportForm, *, dry_run: bool):
    upload = form.cleaned_data["file"]
    parsed = parse_plan(upload.read(), source_name=upload.name or "")
    return plan_import(
        parsed,
        create_agencies=form.cleaned_data["create_agencies"],
        dry_run=dry_run,
        coordinator_name=form.cleaned_data["coordinator"].strip() or None,
    )
