"""A progress report's content, checked before anything is written (reads only): the reporting
period, the narrative and percent, the values of the task's numeric targets, the attachments.
Every problem is collected, so the user sees them all at once (InvalidInput.field_errors)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _

from tasks_app import scheduling
from tasks_app.attachments import attachment_size, attachment_validate, original_name
from tasks_app.errors import InvalidInput
from tasks_app.models import Plan, Responsibility, Target

_VALUE_QUANTUM = Decimal("0.0001")  # ReportTargetValue.value has 4 decimal places
_VALUE_LIMIT = Decimal(10) ** 16  # and 20 digits

TargetValues = Mapping[int, tuple[Decimal, list[str]]]


@dataclass(frozen=True)
class Upload:
    file: IO[bytes]
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Filing:
    """A report's content, validated."""

    period_start: dt.date
    period_end: dt.date
    narrative: str
    percent: int
    values: dict[Target, tuple[Decimal, list[str]]]
    uploads: list[Upload]


def filing_clean(
    responsibility: Responsibility,
    *,
    narrative: str,
    percent: int,
    period_start: dt.date | None,
    target_values: TargetValues,
    attachments: list[IO[bytes]],
) -> Filing:
    """The validated filing, or InvalidInput listing every problem (field_errors)."""
    errors: dict[str, list[str]] = {}
    period = _clean_period(responsibility.task.plan, period_start, errors)
    narrative = (narrative or "").strip()
    if not narrative:
        errors.setdefault("narrative", []).append(_("请填写进展情况。"))
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        errors.setdefault("percent", []).append(_("完成比例须为0至100之间的整数。"))
    values = _clean_target_values(responsibility.task_id, target_values, errors)
    uploads = _clean_uploads(attachments, errors)
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], field_errors=errors)
    start, end = period
    return Filing(start, end, narrative, percent, values, uploads)


def _clean_period(
    plan: Plan, period_start: dt.date | None, errors: dict[str, list[str]]
) -> tuple[dt.date, dt.date]:
    """The reporting period to file for: the current one by default, or an earlier one (late)."""
    current = scheduling.reporting_period(cycle=plan.reporting_cycle, on=timezone.localdate())
    if period_start is None:
        return current
    period = scheduling.reporting_period(cycle=plan.reporting_cycle, on=period_start)
    if period[0] != period_start:
        errors.setdefault("period_start", []).append(
            _("报送期起始日期应为%(start)s。") % {"start": period[0].isoformat()}
        )
    elif period_start > current[0]:
        errors.setdefault("period_start", []).append(_("该报送期尚未开始，不能提前报送。"))
    return period


def _clean_target_values(
    task_id: int, target_values: TargetValues, errors: dict[str, list[str]]
) -> dict[Target, tuple[Decimal, list[str]]]:
    targets = Target.objects.in_bulk(list(target_values))
    cleaned: dict[Target, tuple[Decimal, list[str]]] = {}
    for target_id, entry in target_values.items():
        target = targets.get(target_id)
        if target is None or target.task_id != task_id:
            errors.setdefault("target_values", []).append(_("所填指标不属于该任务。"))
            continue
        value, items = entry
        problem = _value_problem(value) or _items_problem(items)
        if problem:
            errors.setdefault("target_values", []).append(
                _("%(label)s：%(error)s") % {"label": target.description, "error": problem}
            )
            continue
        cleaned[target] = (Decimal(value), [item.strip() for item in items if item.strip()])
    return cleaned


def _value_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return _("完成值须为数字。")
    value = Decimal(value)
    if not value.is_finite():
        return _("完成值须为数字。")
    if value < 0:
        return _("完成值不能为负数。")
    try:
        exact = value.quantize(_VALUE_QUANTUM) == value
    except InvalidOperation:
        exact = False
    if not exact or value >= _VALUE_LIMIT:
        return _("完成值最多保留4位小数且不超过16位整数。")
    return None


def _items_problem(items: object) -> str | None:
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        return _("具体名单须为名称列表。")
    return None


def _clean_uploads(attachments: list[IO[bytes]], errors: dict[str, list[str]]) -> list[Upload]:
    uploads = []
    for file in attachments:
        try:
            content_type = attachment_validate(file)
        except InvalidInput as error:
            errors.setdefault("attachments", []).append(str(error.message))
            continue
        uploads.append(Upload(file, original_name(file), content_type, attachment_size(file)))
    return uploads
