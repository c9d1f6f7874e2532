"""导入方案文件 in the admin: a coordinator uploads a plan document, sees what the import would do
(试导入, nothing saved), then imports it — the same parser and writer as `manage.py import_plan`
and `POST /api/v1/plans/import/`: all of the document or nothing, and a clear message in Chinese
when it cannot be imported. Coordinators and administrators."""

from __future__ import annotations

import base64
import hashlib

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


SESSION_KEY = "duban_plan_import"
# Kept in the session between the dry run and 导入 up to this size (the real plans are 18-25 KB);
# a larger document is chosen again.
REMEMBERED_BYTES = 1024 * 1024


def plan_import_view(model_admin):
    def view(request: HttpRequest) -> HttpResponse:
        if not is_coordinating(request):
            raise PermissionDenied
        if request.method == "POST" and "confirm" in request.POST:
            return _confirm(request)
        form = PlanImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            dry_run = "apply" not in request.POST
            document = _document(form)
            try:
                report = _import(document, dry_run=dry_run)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                if not dry_run:
                    return _imported(request, report)
                if document["size"] <= REMEMBERED_BYTES:  # to import without choosing it again
                    request.session[SESSION_KEY] = document
                else:
                    request.session.pop(SESSION_KEY, None)
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": _("导入方案文件"),
            "form": form,
            "report": report,
            "confirm_token": request.session.get(SESSION_KEY, {}).get("sha256") if report else "",
        }
        return TemplateResponse(request, "admin/tasks_app/plan/import.html", context)

    return view


def _document(form: PlanImportForm) -> dict:
    """The upload and the options, as the session keeps them between the dry run and 导入."""
    upload = form.cleaned_data["file"]
    data = upload.read()
    return {
        "name": upload.name or "",
        "text": base64.b64encode(data).decode("ascii"),
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "create_agencies": form.cleaned_data["create_agencies"],
        "coordinator": form.cleaned_data["coordinator"].strip(),
    }


def _import(document: dict, *, dry_run: bool):
    parsed = parse_plan(base64.b64decode(document["text"]), source_name=document["name"])
    return plan_import(
        parsed,
        create_agencies=document["create_agencies"],
        dry_run=dry_run,
        coordinator_name=document["coordinator"] or None,
    )


def _confirm(request: HttpRequest) -> HttpResponse:
    """导入 after a dry run: the document the dry run read, if it is still the one the page
    showed (the session keeps one; another tab's dry run replaces it)."""
    document = request.session.get(SESSION_KEY)
    if not document or document["sha256"] != request.POST.get("confirm"):
        messages.error(request, _("试导入的文件已不在，请重新选择文件。"))
        return HttpResponseRedirect(request.path)
    try:
        report = _import(document, dry_run=False)
    except DomainError as error:  # the database changed since the dry run
        messages.error(request, str(error.message))
        return HttpResponseRedirect(request.path)
    del request.session[SESSION_KEY]
    return _imported(request, report)


def _imported(request: HttpRequest, report) -> HttpResponse:
    messages.success(request, report.summary())
    return HttpResponseRedirect(reverse("admin:tasks_app_plan_change", args=[report.plan_id]))
