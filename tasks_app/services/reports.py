"""Progress reports (进展反馈): filing, the agency leader's approval, and return by the coordinator.

Each service follows services.workflow: lock the responsibility (then the report), check the
caller's capacity, the state and `version`, validate everything before writing, then write the
change, the responsibility's derived dates and an Event in one transaction.

Rules (see the README):
- Staff or the leader of the responsible agency file one report per period, once the task is
  accepted and while it is open (办理中, 待领导审核, 待审核); not before 签收, not once completed
  or suspended.
- Filing again for the same period replaces the report's text, percent and target values and
  adds attachments: always allowed while the report is returned or awaiting the leader; a report
  already submitted may be corrected until its period ends, after that only the coordinator can
  reopen it (by returning it).
- With plan.leader_approval_required a report filed by staff waits for the agency leader; one
  filed by the leader is submitted at once.
- The responsibility's progress_percent is that of its latest non-returned report (by period),
  and next_report_due_on the earliest of: the due date of every returned period, and the due
  date of the period after the latest non-returned report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

from django.core.files import File
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from tasks_app import scheduling
from tasks_app.access import Capacity, capacities
from tasks_app.attachments import (
    stored_name,
)
from tasks_app.errors import InvalidInput, StaleObject, TransitionNotAllowed
from tasks_app.models import (
    Action,
    Plan,
    ProgressReport,
    ReportAttachment,
    ReportTargetValue,
    Responsibility,
    Target,
)
from tasks_app.services.guards import (
    COORDINATOR,
    LEADER,
    STAFF,
    capacity_require,
    event_record,
    responsibility_locked,
    schedule_refresh,
    version_check,
)
from tasks_app.services.report_filing import Filing, TargetValues, Upload, filing_clean

S = Responsibility.Status
RS = ProgressReport.Status

# Accepted and still open: the agency is working on it and owes reports.
REPORTABLE = frozenset({S.IN_PROGRESS, S.LEADER_REVIEW, S.COMPLETION_REQUESTED})
RETURNABLE = frozenset({RS.SUBMITTED, RS.PENDING_LEADER})


def progress_report_submit(
    *,
    responsibility_id: int,
    actor: User,
    narrative: str,
    percent: int,
    period_start: dt.date | None = None,
    target_values: TargetValues | None = None,
    attachments: Iterable[IO[bytes]] = (),
    expected_version: int | None = None,
    expected_report_version: int | None = None,
) -> ProgressReport:
    """File (or re-file) the responsibility's report for a period, default the current one.

    `expected_version` is the responsibility's, `expected_report_version` the period's existing
    report's. Raises a DomainError and writes nothing (no rows, no files) on any error."""
    written: list[str] = []
    try:
        with transaction.atomic():
            return _submit(
                responsibility_id=responsibility_id,
                actor=actor,
                narrative=narrative,
                percent=percent,
                period_start=period_start,
                target_values=target_values or {},
                attachments=list(attachments),
                expected_version=expected_version,
                expected_report_version=expected_report_version,
                written=written,
            )
    except BaseException:
        _delete_files(written)
        raise


def _submit(
    *,
    responsibility_id: int,
    actor: User,
    narrative: str,
    percent: int,
    period_start: dt.date | None,
    target_values: TargetValues,
    attachments: list[IO[bytes]],
    expected_version: int | None,
    expected_report_version: int | None,
    written: list[str],
) -> ProgressReport:
    responsibility = responsibility_locked(responsibility_id)
    version_check(responsibility, expected_version)
    held = capacity_require(actor, responsibility, STAFF)
    _check_reportable(responsibility)
    filing = filing_clean(
        responsibility,
        narrative=narrative,
        percent=percent,
        period_start=period_start,
        target_values=target_values,
        attachments=attachments,
    )
    report = (
        ProgressReport.objects.select_for_update()
        .filter(responsibility=responsibility, period_start=filing.period_start)
        .first()
    )
    refiled = report is not None
    if report is not None:
        _check_report_version(report, expected_report_version)
        _check_correctable(report)
    plan = responsibility.task.plan
    needs_leader = plan.leader_approval_required and Capacity.OWN_LEADER not in held
    report = _save_report(
        report,
        responsibility=responsibility,
        filing=filing,
        actor=actor,
        status=RS.PENDING_LEADER if needs_leader else RS.SUBMITTED,
    )
    _save_target_values(report, filing.values)
    _save_attachments(report, filing.uploads, actor=actor, written=written)
    _sync_responsibility(responsibility)
    responsibility.last_reported_at = report.submitted_at
    responsibility.version += 1
    responsibility.save()
    event_record(
        responsibility,
        actor=actor,
        action=Action.REPORT,
        from_status=responsibility.status,
        data={**_event_data(report), "refiled": refiled},
    )
    return report


@transaction.atomic
def progress_report_leader_approve(
    *, report_id: int, actor: User, expected_version: int | None = None
) -> ProgressReport:
    """The agency leader passes a staff member's report on to the coordinator."""
    report = _locked_report(report_id)
    _check_report_version(report, expected_version)
    responsibility = report.responsibility
    capacity_require(actor, responsibility, LEADER)
    if report.status != RS.PENDING_LEADER:
        raise TransitionNotAllowed(
            _("该进展报告当前为“%(status)s”，无需领导审核。")
            % {"status": report.get_status_display()}
        )
    report.status = RS.SUBMITTED
    report.version += 1
    report.save(update_fields=["status", "version"])
    event_record(
        responsibility,
        actor=actor,
        action=Action.APPROVE_REPORT,
        from_status=responsibility.status,
        data=_event_data(report),
    )
    return report


@transaction.atomic
def progress_report_return(
    *, report_id: int, actor: User, reason: str, expected_version: int | None = None
) -> ProgressReport:
    """The coordinator sends a report back for rework; the period shows as due (or late) again."""
    report = _locked_report(report_id)
    _check_report_version(report, expected_version)
    responsibility = report.responsibility
    capacity_require(actor, responsibility, COORDINATOR)
    if report.status not in RETURNABLE:
        raise TransitionNotAllowed(
            _("该进展报告当前为“%(status)s”，不能退回。") % {"status": report.get_status_display()}
        )
    if responsibility.status not in REPORTABLE:
        raise TransitionNotAllowed(
            _("该事项当前为“%(status)s”，不能退回进展报告。")
            % {"status": responsibility.get_status_display()}
        )
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            _("退回进展报告须填写理由。"), field_errors={"reason": [_("请填写理由。")]}
        )
    report.status = RS.RETURNED
    report.returned_by = actor
    report.returned_at = timezone.now()
    report.return_reason = reason
    report.version += 1
    report.save()
    _sync_responsibility(responsibility)
    responsibility.version += 1
    responsibility.save()
    event_record(
        responsibility,
        actor=actor,
        action=Action.RETURN_REPORT,
        from_status=responsibility.status,
        reason=reason,
        data=_event_data(report),
    )
    return report


def available_report_actions(*, user: User, report: ProgressReport) -> list[str]:
    """What `user` may do with `report` now (for buttons, not a guarantee). Needs
    report.responsibility.task.plan loaded."""
    held = capacities(user, report.responsibility)
    actions = []
    if report.status == RS.PENDING_LEADER and Capacity.OWN_LEADER in held:
        actions.append(Action.APPROVE_REPORT)
    if (
        report.status in RETURNABLE
        and report.responsibility.status in REPORTABLE
        and Capacity.COORDINATOR in held
    ):
        actions.append(Action.RETURN_REPORT)
    return actions


# --- Checks ------------------------------------------------------------------------------------


def _locked_report(report_id: int) -> ProgressReport:
    """The report, locked after its responsibility (always in that order: no deadlocks)."""
    reports = ProgressReport.objects.filter(pk=report_id)
    responsibility_id = reports.values_list("responsibility_id", flat=True).first()
    report = None
    if responsibility_id is not None:
        responsibility = responsibility_locked(responsibility_id)
        report = reports.select_for_update().first()
    if report is None:
        raise InvalidInput(_("该进展报告不存在或已被删除。"))
    report.responsibility = responsibility
    return report


def _check_report_version(report: ProgressReport, expected_version: int | None) -> None:
    if expected_version is not None and report.version != expected_version:
        raise StaleObject()


def _check_reportable(responsibility: Responsibility) -> None:
    if responsibility.status == S.ASSIGNED:
        raise TransitionNotAllowed(_("该事项尚未签收，请先签收再报送进展。"))
    if responsibility.status not in REPORTABLE:
        raise TransitionNotAllowed(
            _("当前状态为“%(status)s”，不能报送进展。")
            % {"status": responsibility.get_status_display()}
        )


def _check_correctable(report: ProgressReport) -> None:
    """A submitted report can be corrected while its period lasts; later only after a return."""
    if report.status == RS.SUBMITTED and timezone.localdate() > report.period_end:
        raise TransitionNotAllowed(
            _("本期进展报告已报送且报送期已结束，不能再修改；如需更正，请联系督办员退回。")
        )


# --- Writes ------------------------------------------------------------------------------------


def _save_report(
    report: ProgressReport | None,
    *,
    responsibility: Responsibility,
    filing: Filing,
    actor: User,
    status: str,
) -> ProgressReport:
    if report is None:
        report = ProgressReport(responsibility=responsibility, version=0)
    report.responsibility = responsibility
    report.period_start = filing.period_start
    report.period_end = filing.period_end
    report.narrative = filing.narrative
    report.percent = filing.percent
    report.status = status
    report.submitted_by = actor
    report.submitted_at = timezone.now()
    report.version += 1
    report.save()
    return report


def _save_target_values(
    report: ProgressReport, values: dict[Target, tuple[Decimal, list[str]]]
) -> None:
    """The filing is the whole report: values not given again are removed."""
    report.target_values.exclude(target__in=list(values)).delete()
    for target, (value, items) in values.items():
        ReportTargetValue.objects.update_or_create(
            report=report, target=target, defaults={"value": value, "items": items}
        )


def _save_attachments(
    report: ProgressReport, uploads: list[Upload], *, actor: User, written: list[str]
) -> None:
    """Store each file under a random name; `written` lets the caller remove them on rollback."""
    for upload in uploads:
        attachment = ReportAttachment(
            report=report,
            original_name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        content = upload.file if isinstance(upload.file, File) else File(upload.file)
        attachment.file.save(stored_name(upload.content_type), content, save=False)
        written.append(attachment.file.name)
        attachment.save()


def _delete_files(names: list[str]) -> None:
    storage = ReportAttachment._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def _sync_responsibility(responsibility: Responsibility) -> None:
    """Derive reported progress, the next report date and the schedule from the reports."""
    rows = list(
        responsibility.reports.order_by("period_start").values_list(
            "period_start", "status", "percent"
        )
    )
    _derive(responsibility, rows)


def _derive(responsibility: Responsibility, rows: list[tuple[dt.date, str, int]]) -> None:
    """The derived fields from the reports' (period_start, status, percent), oldest first."""
    plan = responsibility.task.plan
    filed = [(start, percent) for start, status, percent in rows if status != RS.RETURNED]
    dues = [
        scheduling.report_due_date(
            cycle=plan.reporting_cycle, due_day=plan.report_due_day, period_start=start
        )
        for start, status, _percent in rows
        if status == RS.RETURNED
    ]
    if filed:
        dues.append(scheduling.report_due_after_filing(plan=plan, period_start=filed[-1][0]))
    responsibility.progress_percent = filed[-1][1] if filed else 0
    if dues:
        responsibility.next_report_due_on = min(dues)
    schedule_refresh(responsibility)


def plan_schedules_refresh(*, plan: Plan) -> int:
    """After a plan's reporting settings changed (cycle, due day, margin): every accepted, open
    responsibility's next report date and 序时进度 date, recomputed from its reports under the
    new settings — as filing them now would. A fixed number of queries; returns how many."""
    reports = ProgressReport.objects.order_by("period_start").only(
        "responsibility_id", "period_start", "status", "percent"
    )
    items = list(
        Responsibility.objects.filter(task__plan=plan, status__in=REPORTABLE)
        .select_related("task__plan")
        .prefetch_related(Prefetch("reports", queryset=reports))
    )
    for item in items:
        item.task.plan = plan  # the settings as just changed
        rows = [(r.period_start, r.status, r.percent) for r in item.reports.all()]
        if rows:
            _derive(item, rows)
        else:
            starting = timezone.localdate(item.accepted_at or item.assigned_at)
            item.next_report_due_on = scheduling.first_report_due(plan=plan, starting=starting)
            schedule_refresh(item)
    fields = ["progress_percent", "next_report_due_on", "behind_schedule_on"]
    Responsibility.objects.bulk_update(items, fields, batch_size=500)
    return len(items)


def _event_data(report: ProgressReport) -> dict:
    return {
        "report": report.pk,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "percent": report.percent,
        "report_status": report.status,
    }
