"""The reminder email's wording, resolved once per batch: the grades' titles and colours, why an
item is in the email (by rule), the sentences around the items, dates, and the admin URL of an
item — in the service's language (LANGUAGE_CODE), whoever's request or worker renders."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from tasks_app.models import Grade, ReminderKind, Responsibility

GRADE_STYLE = {
    Grade.RED: {
        "colour": "#c0392b",
        "title": gettext_lazy("红色督办"),
        "hint": gettext_lazy("已逾期或已升级督办，请立即办理"),
    },
    Grade.YELLOW: {
        "colour": "#b7860b",
        "title": gettext_lazy("黄色预警"),
        "hint": gettext_lazy("未按时签收、报送，进度滞后或被退回，请抓紧办理"),
    },
    Grade.BLUE: {
        "colour": "#2563a6",
        "title": gettext_lazy("蓝色提示"),
        "hint": gettext_lazy("临近完成时限或报送时间"),
    },
}
KIND_LABELS = dict(ReminderKind.choices)

# Why an entry is in the email, by rule; {anchor} and {days} come from the ledger's period.
REASONS = {
    ReminderKind.ACCEPT: gettext_lazy("交办（{anchor}）后已满{days}个工作日，尚未签收"),
    ReminderKind.DUE_SOON: gettext_lazy("距完成时限（{anchor}）还有{days}个工作日"),
    ReminderKind.OVERDUE: gettext_lazy("已超过完成时限（{anchor}），逾期第{days}个工作日"),
    ReminderKind.REPORT_DUE: gettext_lazy("本期进展应于{anchor}前报送，还有{days}个工作日"),
    ReminderKind.REPORT_LATE: gettext_lazy("本期进展应于{anchor}前报送，已逾期{days}个工作日"),
    ReminderKind.BEHIND: gettext_lazy("已报完成比例自{anchor}起落后于序时进度"),
    ReminderKind.RETURNED: gettext_lazy("进展报告或办结申请已被退回，请按意见整改后重新报送"),
    ReminderKind.ESCALATION: gettext_lazy(
        "已升级督办：逾期或多次催办未处理，已抄送单位分管领导和督办员"
    ),
    ReminderKind.MANUAL: gettext_lazy("督办员催办，请尽快办理并反馈"),
}


def _texts() -> dict[str, str]:
    """The email's wording (the templates hold only its layout)."""
    return {
        "lang": pgettext("HTML lang attribute", "zh-CN"),
        "title": _("督查督办提醒"),
        "hello": _("您好："),
        "greeting": _("%(name)s："),
        "manual_html": _("督办员就以下事项向您发出催办通知，请及时办理。"),
        "manual_text": _("督办员就以下事项向您发出催办通知，请登录督查督办系统及时办理。"),
        "footer": _("此邮件由督查督办系统自动发送，请勿直接回复。同一天内的提醒合并为一封邮件。"),
        "login": _("登录系统"),
        "manual_subject": _("催办通知"),
        "note": _("督办员留言：%(note)s"),
        "meta": _("%(plan)s ｜ %(agency)s（%(role)s）｜ %(status)s"),
        "meta_due": _("｜ 完成时限 %(due)s"),
        "item_heading": _("%(title)s（%(meta)s）"),
        "item_action": _("%(reasons)s。办理：%(url)s"),
        "separator": pgettext("list separator", "；"),
        # Date formats (Django's `date` filter syntax): the body's date, the subject's.
        "date": pgettext("email date", "Y年n月j日"),
        "subject_date": pgettext("email subject date", "n月j日"),
    }


def _counted_texts(n: int) -> dict[str, str]:
    """The wording that names a number of items, for n of them (plural forms vary)."""
    return {
        "subject": ngettext(
            "【%(prefix)s】督查督办：%(count)s项事项需要您办理（%(day)s）",
            "【%(prefix)s】督查督办：%(count)s项事项需要您办理（%(day)s）",
            n,
        ),
        "intro_html": ngettext(
            "截至%(date_text)s，以下 <strong>%(n)s</strong> 项事项需要您关注，请及时办理。",
            "截至%(date_text)s，以下 <strong>%(n)s</strong> 项事项需要您关注，请及时办理。",
            n,
        ),
        "intro_text": ngettext(
            "截至%(date_text)s，以下%(n)s项事项需要您关注，请登录督查督办系统及时办理。",
            "截至%(date_text)s，以下%(n)s项事项需要您关注，请登录督查督办系统及时办理。",
            n,
        ),
        "section_html": ngettext("%(title)s（%(n)s项）%(hint)s", "%(title)s（%(n)s项）%(hint)s", n),
        "section_text": ngettext(
            "【%(title)s】%(hint)s（%(n)s项）", "【%(title)s】%(hint)s（%(n)s项）", n
        ),
    }


class Labels:
    """Choice labels, the email's wording and the admin URL, resolved once per batch of emails,
    not once per item (translation lookups, template translation tags and URL reversing would
    otherwise dominate rendering time); in the service's language (LANGUAGE_CODE), whoever's
    request or worker renders the emails."""

    def __init__(self) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self.role = {value: str(label) for value, label in Responsibility.Role.choices}
            self.status = {value: str(label) for value, label in Responsibility.Status.choices}
            self.reasons = {kind: str(text) for kind, text in REASONS.items()}
            self.grades = {
                grade: {key: str(value) for key, value in style.items()}
                for grade, style in GRADE_STYLE.items()
            }
            self.texts = _texts()
        self.url_parts, self.url_by_task = _url_pattern()
        self._counted: dict[int, dict[str, str]] = {}
        self._dates: dict[dt.date, tuple[str, str]] = {}

    def counted(self, n: int) -> dict[str, str]:
        """The wording for n items (see _counted_texts)."""
        if n not in self._counted:
            with translation.override(settings.LANGUAGE_CODE):
                self._counted[n] = _counted_texts(n)
        return self._counted[n]

    def dates(self, day: dt.date) -> tuple[str, str]:
        """The day as the body and as the subject write it."""
        if day not in self._dates:
            with translation.override(settings.LANGUAGE_CODE):  # month names
                self._dates[day] = (
                    dateformat.format(day, self.texts["date"]),
                    dateformat.format(day, self.texts["subject_date"]),
                )
        return self._dates[day]

    def url(self, item: dict) -> str:
        if self.url_parts is None:
            return f"{settings.SITE_URL}{reverse('admin:index')}"
        prefix, suffix = self.url_parts
        return f"{prefix}{item['task_id'] if self.url_by_task else item['pk']}{suffix}"


_SENTINEL = "987654321"


def _url_pattern() -> tuple[tuple[str, str] | None, bool]:
    """The item's page in the admin, as (prefix, suffix) around the id; the task's page if
    responsibilities have no admin page."""
    for name, by_task in (
        ("admin:tasks_app_responsibility_change", False),
        ("admin:tasks_app_task_change", True),
    ):
        try:
            url = settings.SITE_URL + reverse(name, args=[_SENTINEL])
        except NoReverseMatch:
            continue
        prefix, suffix = url.split(_SENTINEL)
        return (prefix, suffix), by_task
    return None, False
