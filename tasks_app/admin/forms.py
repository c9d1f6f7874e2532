"""The small forms of the workflow pages. They only parse input; the services decide.

Every form that changes a responsibility carries the `version` the page was rendered with, and
the service compares it (optimistic concurrency). Each form has its own id prefix (auto_id) so that
several can share a page and browser tests can address their fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.errors import StaleObject
from tasks_app.fingerprint import fingerprint
from tasks_app.models import Responsibility, Target

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; cleans to a list (possibly empty)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        cleaned = super().clean(data, initial)
        return [cleaned] if cleaned else []


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TransitionForm(VersionedForm):
    action = forms.CharField(max_length=32)
    reason = forms.CharField(required=False, max_length=2000)


class ExtensionRequestForm(VersionedForm):
    requested_due_on = forms.DateField(label=gettext_lazy("申请延至"), widget=DATE_INPUT)
    reason = forms.CharField(
        label=gettext_lazy("延期理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "extension_%s")
        super().__init__(*args, **kwargs)


class DeadlineForm(forms.Form):
    """A new official deadline; `version` only when one item is changed from its own page."""

    due_on = forms.DateField(label=gettext_lazy("新的完成时限"), widget=DATE_INPUT)
    reason = forms.CharField(
        label=gettext_lazy("调整理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "deadline_%s")
        super().__init__(*args, **kwargs)


def agency_field(queryset) -> forms.ModelChoiceField:
    """An agency picker searching the scoped Agency admin (admin autocomplete)."""
    return forms.ModelChoiceField(
        label=gettext_lazy("责任单位"),
        queryset=queryset,
        widget=AutocompleteSelect(Responsibility._meta.get_field("agency"), admin.site),
    )


class ReassignForm(VersionedForm):
    role = forms.ChoiceField(label=gettext_lazy("职责"), choices=Responsibility.Role.choices)
    reason = forms.CharField(
        label=gettext_lazy("调整理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, agencies, **kwargs):
        kwargs.setdefault("auto_id", "reassign_%s")
        super().__init__(*args, **kwargs)
        self.fields = {"agency": agency_field(agencies), **self.fields}


class AssignForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("职责"), choices=Responsibility.Role.choices)
    due_on = forms.DateField(
        label=gettext_lazy("完成时限"),
        required=False,
        widget=DATE_INPUT,
        help_text=gettext_lazy("不填则沿用任务的完成时限。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args, agencies, **kwargs):
        kwargs.setdefault("auto_id", "assign_%s")
        super().__init__(*args, **kwargs)
        self.fields = {"agency": agency_field(agencies), **self.fields}


class AssigneeField(forms.TypedMultipleChoiceField):
    """The agency's people as checkboxes. Which user may be named is the service's call (it says
    who and why), so any user number passes here; anything else is refused."""

    def valid_value(self, value) -> bool:
        return True


class AssigneesForm(VersionedForm):
    assignees = AssigneeField(
        label=gettext_lazy("经办人"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("催办提醒也会发给所选经办人。"),
    )

    def __init__(self, *args, users, **kwargs):
        kwargs.setdefault("auto_id", "assignees_%s")
        super().__init__(*args, **kwargs)
        self.fields["assignees"].choices = [(u.pk, person_label(u)) for u in users]


def person_label(user) -> str:
    """姓名（角色）, family name first as Chinese writes it; the username where no name is set."""
    name = f"{user.last_name}{user.first_name}" or user.username
    return _("%(name)s（%(role)s）") % {"name": name, "role": user.get_role_display()}


class SeenForm(forms.ModelForm):
    """The admin's edit form for a record without a version (the admin gives the model and the
    fields): it remembers the record as it was shown (its fingerprint, in a hidden field). If someone changed the record since, the form is refused with the user's input kept
    on the page ("changed by someone else, reload"); the service checks again under the row lock,
    for the save that races with this one. Without it, a form loaded before someone else's edit
    would write its stale values over that edit."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen"].initial = fingerprint(self.instance)

    def clean(self):
        cleaned = super().clean()
        # Still the record as loaded for this request: the form writes to it only after clean().
        if self.instance.pk and cleaned.get("seen") != fingerprint(self.instance):
            raise forms.ValidationError(str(StaleObject.default_message), code="stale")
        return cleaned


class TaskForm(SeenForm):
    """The task's own fields, and why they were changed (kept with the event, not on the task)."""

    change_reason = forms.CharField(
        label=gettext_lazy("修改说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=gettext_lazy("记入办理记录。"),
    )


class PlanForm(SeenForm):
    """The plan page's form (fields: PlanAdmin.fieldsets)."""


class TargetForm(SeenForm):
    """The target page's form (fields: TargetAdmin.fields)."""


class ExtensionDecisionForm(forms.Form):
    APPROVE, REFUSE = "approve", "refuse"
    decision = forms.ChoiceField(
        choices=((APPROVE, gettext_lazy("批准延期")), (REFUSE, gettext_lazy("不予延期")))
    )
    note = forms.CharField(
        label=gettext_lazy("审批意见"), required=False, max_length=2000, widget=forms.Textarea
    )


class ReportReturnForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("退回理由"), required=False, max_length=2000)
    report_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class ReportForm(VersionedForm):
    """This period's report: narrative, percent, a value and item names per task target, files."""

    period_start = forms.ChoiceField(label=gettext_lazy("报送期"))
    narrative = forms.CharField(
        label=gettext_lazy("进展情况"), widget=forms.Textarea(attrs={"rows": 6})
    )
    percent = forms.IntegerField(label=gettext_lazy("完成比例(%)"), min_value=0, max_value=100)
    attachments = MultipleFileField(
        label=gettext_lazy("佐证材料"),
        required=False,
        help_text=gettext_lazy("可选择多个文件：PDF、图片、Word、Excel。"),
    )
    report_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, periods: list[tuple[dt.date, str]], targets: list[Target], **kwargs):
        kwargs.setdefault("auto_id", "report_%s")
        super().__init__(*args, **kwargs)
        self.fields["period_start"].choices = [(d.isoformat(), label) for d, label in periods]
        self.targets = targets
        for target in targets:
            self.fields[f"target_{target.pk}_value"] = forms.DecimalField(
                label=_("%(target)s 完成值（目标%(quantity)s%(unit)s）")
                % {
                    "target": target.description,
                    "quantity": f"{target.quantity.normalize():f}",
                    "unit": target.unit,
                },
                required=False,
                min_value=0,
                max_digits=20,
                decimal_places=4,
            )
            self.fields[f"target_{target.pk}_items"] = forms.CharField(
                label=_("%(target)s 具体名单（每行一个）") % {"target": target.description},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def target_rows(self):
        """(target, value field, items field) for the template."""
        return [
            (t, self[f"target_{t.pk}_value"], self[f"target_{t.pk}_items"]) for t in self.targets
        ]

    def clean(self):
        data = super().clean()
        for target in self.targets:
            value = data.get(f"target_{target.pk}_value")
            items = data.get(f"target_{target.pk}_items") or ""
            if value is None and items.strip():
                self.add_error(f"target_{target.pk}_value", _("填写具体名单时请同时填写完成值。"))
        return data

    def target_values(self) -> dict[int, tuple[Decimal, list[str]]]:
        values = {}
        for target in self.targets:
            value = self.cleaned_data.get(f"target_{target.pk}_value")
            if value is None:
                continue
            items = self.cleaned_data.get(f"target_{target.pk}_items") or ""
            values[target.pk] = (
                value,
                [line.strip() for line in items.splitlines() if line.strip()],
            )
        return values

    def period(self) -> dt.date:
        return dt.date.fromisoformat(self.cleaned_data["period_start"])


def form_errors(form: forms.Form) -> list[str]:
    """Every error of a bound form as "label：message", for admin messages."""
    problems = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            problems.append(
                _("%(label)s：%(error)s") % {"label": label, "error": error}
                if label
                else str(error)
            )
    return problems
