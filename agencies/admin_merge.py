"""The agency list's "合并到其他单位" action: pick the target, see what moves, confirm.

One page in two steps, both POSTs back to the changelist (Django's intermediate-page pattern):
`step=confirm` shows the summary of agency_merge_preview, `step=merge` calls agency_merge.
Offered to administrators only (has_merge_permission); the service checks again.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.admin.scoped import report_error
from tasks_app.errors import DomainError

from .models import Agency
from .selectors import agency_merge_preview, agency_subtree_ids
from .services import agency_merge


class AgencyMergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label=gettext_lazy("合并到"),
        queryset=Agency.objects.none(),
        widget=AutocompleteSelect(Agency._meta.get_field("parent"), admin.site),
        help_text=gettext_lazy("保留的单位。一般把“未核实”的单位合并到已核实的单位。"),
        error_messages={
            "invalid_choice": gettext_lazy("不能合并到该单位（它自己或它的下级单位）。")
        },
    )

    def __init__(self, *args, source: Agency, **kwargs):
        kwargs.setdefault("auto_id", "merge_%s")
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Agency.objects.exclude(pk__in=agency_subtree_ids(source))


@admin.action(description=gettext_lazy("合并到其他单位"), permissions=["merge"])
def merge_into_agency(modeladmin, request: HttpRequest, queryset: QuerySet[Agency]):
    """Merge the one selected agency into another, after an intermediate page."""
    sources = list(queryset[:2])
    if len(sources) != 1:
        messages.error(request, _("请只选择一个要合并的单位。"))
        return None
    source = sources[0]
    step = request.POST.get("step", "")
    form = AgencyMergeForm(request.POST if step else None, source=source)
    if not form.is_valid():
        return _page(modeladmin, request, source=source, form=form)
    target = form.cleaned_data["target"]
    if step != "merge":
        preview = agency_merge_preview(source=source, target=target)
        return _page(modeladmin, request, source=source, form=form, preview=preview)
    source_name = source.name
    try:
        agency_merge(source=source, target=target, actor=request.user)
    except DomainError as error:
        report_error(request, error)
        return None
    modeladmin.log_change(request, target, _("合并了单位“%(source)s”") % {"source": source_name})
    messages.success(
        request,
        _("已将“%(source)s”合并到“%(target)s”。") % {"source": source_name, "target": target.name},
    )
    return None


def _page(modeladmin, request: HttpRequest, *, source: Agency, form, preview=None):
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": _("合并单位"),
        "source": source,
        "form": form,
        "preview": preview,
        "media": modeladmin.media + form.media,
        "action": "merge_into_agency",
    }
    return TemplateResponse(request, "admin/agencies/agency/merge.html", context)
