"""The official working-day calendar: exceptions to the Monday–Friday rule."""

from django.core.exceptions import ValidationError
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

    def clean(self) -> None:
        # An exception that agrees with the Monday–Friday rule does nothing; it is almost always
        # the checkbox ticked the wrong way round, which would silently leave the holiday out.
        from tasks_app.working_days import WEEKDAY_NAMES

        if self.date is None or self.is_working_day is None:
            return
        day, name = self.date, WEEKDAY_NAMES[self.date.weekday()]
        if day.weekday() < 5 and self.is_working_day:
            raise ValidationError(
                _("%(day)s 是%(weekday)s，本来就是工作日。登记法定节假日请不要勾选“是否工作日”。")
                % {"day": f"{day:%Y-%m-%d}", "weekday": name}
            )
        if day.weekday() >= 5 and not self.is_working_day:
            raise ValidationError(
                _("%(day)s 是%(weekday)s，本来就休息。登记周末调休上班请勾选“是否工作日”。")
                % {"day": f"{day:%Y-%m-%d}", "weekday": name}
            )
