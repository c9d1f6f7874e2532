"""The official working-day calendar: exceptions to the Monday–Friday rule."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class WorkingDayException(models.Model):
    """A day that breaks the weekday rule: a public holiday on a weekday, or a 调休 working weekend."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(
        _("是否工作日"), help_text=_("勾选：周末调休上班；不勾选：法定节假日休息。")
    )
    note = models.CharField(_("说明"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = pgettext_lazy("plural", "节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("上班") if self.is_working_day else _("休息")
        return f"{self.date:%Y-%m-%d} {kind} {self.note}".strip()
