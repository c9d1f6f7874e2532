"""Progress reports (进展反馈): filing, leader approval, return, re-filing, and what is refused."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import User
from tasks_app.errors import InvalidInput, PermissionDenied, StaleObject, TransitionNotAllowed
from tasks_app.models import (
    Action,
    Event,
    ProgressReport,
    ReportAttachment,
    ReportTargetValue,
    Responsibility,
)
from tasks_app.services import reports
from tests.factories import (
    AgencyFactory,
    PlanFactory,
    ResponsibilityFactory,
    TargetFactory,
    TaskFactory,
    UserFactory,
)

S = Responsibility.Status
RS = ProgressReport.Status
pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 5, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
Q2 = (dt.date(2024, 4, 1), dt.date(2024, 6, 30))  # the quarter containing NOW
Q2_DUE = dt.date(2024, 6, 25)  # report_due_day 25 of the period's last month
Q3_DUE = dt.date(2024, 9, 25)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world():
    """A quarterly plan coordinated by C; a task led by A and supported by B, both accepted."""
    coordinating = AgencyFactory(short_name="省发展改革委")
    plan = PlanFactory(coordinating_agency=coordinating)
    task = TaskFactory(plan=plan)
    a, b = AgencyFactory(), AgencyFactory()
    accepted = {"status": S.IN_PROGRESS, "accepted_at": NOW, "next_report_due_on": Q2_DUE}

    class W:
        pass

    w = W()
    w.plan, w.task = plan, task
    w.lead = ResponsibilityFactory(task=task, agency=a, role=Responsibility.Role.LEAD, **accepted)
    w.support = ResponsibilityFactory(
        task=task, agency=b, role=Responsibility.Role.SUPPORTING, **accepted
    )
    w.target = TargetFactory(task=task)
    w.other_target = TargetFactory(task=TaskFactory(plan=plan))
    w.staff_a = UserFactory(agency=a, role=User.Role.STAFF)
    w.leader_a = UserFactory(agency=a, role=User.Role.LEADER)
    w.staff_b = UserFactory(agency=b, role=User.Role.STAFF)
    w.leader_b = UserFactory(agency=b, role=User.Role.LEADER)
    w.coordinator = UserFactory(agency=coordinating, role=User.Role.COORDINATOR)
    w.other_coordinator = UserFactory(role=User.Role.COORDINATOR)
    w.admin = UserFactory(agency=None, is_superuser=True)
    return w


def _pdf(name="进展材料.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def _snapshot(responsibility, media):
    """Everything a refused call must leave as it was."""
    responsibility.refresh_from_db()
    return {
        "responsibility": (
            responsibility.status,
            responsibility.progress_percent,
            responsibility.last_reported_at,
            responsibility.next_report_due_on,
            responsibility.behind_schedule_on,
            responsibility.version,
        ),
        "reports": list(
            ProgressReport.objects.order_by("pk").values_list(
                "pk", "status", "percent", "narrative", "version", "return_reason"
            )
        ),
        "values": list(ReportTargetValue.objects.order_by("pk").values_list("pk", "value")),
        "attachments": ReportAttachment.objects.count(),
        "events": Event.objects.count(),
        "files": _files(media),
    }


def _submit(world, *, actor=None, responsibility=None, **kwargs):
    kwargs.setdefault("narrative", "已建成概念验证中心7个。")
    kwargs.setdefault("percent", 30)
    return reports.progress_report_submit(
        responsibility_id=(responsibility or world.lead).pk,
        actor=actor or world.staff_a,
        **kwargs,
    )


# --- Filing ----------------------------------------------------------------------------------


def test_submit_files_the_current_period_and_updates_the_responsibility(world):
    before = world.lead.version

    report = _submit(
        world,
        target_values={world.target.pk: (Decimal(7), ["南京中心", " 苏州中心 ", ""])},
        expected_version=before,
    )

    assert (report.period_start, report.period_end) == Q2
    assert (report.status, report.percent, report.narrative) == (
        RS.SUBMITTED,
        30,
        "已建成概念验证中心7个。",
    )
    assert (report.submitted_by, report.submitted_at, report.version) == (world.staff_a, NOW, 1)
    assert report.is_consolidated is True
    value = ReportTargetValue.objects.get(report=report)
    assert (value.target, value.value, value.items) == (world.target, 7, ["南京中心", "苏州中心"])
    lead = Responsibility.objects.get(pk=world.lead.pk)
    assert lead.progress_percent == 30
    assert lead.last_reported_at == NOW
    assert lead.next_report_due_on == Q3_DUE
    # 2024-01-01 + 1095 days × (30 + 15)% + 1 day
    assert lead.behind_schedule_on == dt.date(2025, 5, 8)
    assert lead.version == before + 1
    event = Event.objects.get()
    assert (event.action, event.actor, event.responsibility, event.task, event.plan) == (
        Action.REPORT,
        world.staff_a,
        world.lead,
        world.task,
        world.plan,
    )
    assert (event.from_status, event.to_status) == (S.IN_PROGRESS, S.IN_PROGRESS)
    assert event.data == {
        "report": report.pk,
        "period_start": "2024-04-01",
        "period_end": "2024-06-30",
        "percent": 30,
        "report_status": RS.SUBMITTED,
        "refiled": False,
    }


def test_supporting_agency_report_is_not_the_consolidated_one(world):
    report = _submit(world, actor=world.staff_b, responsibility=world.support)

    assert report.is_consolidated is False
    assert report.status == RS.SUBMITTED


def test_submit_stores_the_attachment_under_a_random_name(world, media):
    report = _submit(world, attachments=[_pdf("../../材料.pdf")])

    attachment = ReportAttachment.objects.get(report=report)
    assert attachment.file.name.startswith("reports/2024/05/")
    assert attachment.file.name.endswith(".pdf")
    assert "材料" not in attachment.file.name
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "材料.pdf",
        "application/pdf",
        len(PDF),
    )
    assert (attachment.uploaded_by, attachment.uploaded_at) == (world.staff_a, NOW)
    assert _files(media) == [media / attachment.file.name]
    assert (media / attachment.file.name).read_bytes() == PDF


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.LEADER_REVIEW, S.COMPLETION_REQUESTED])
def test_accepted_open_responsibility_can_report(world, status):
    Responsibility.objects.filter(pk=world.lead.pk).update(status=status)

    report = _submit(world)

    assert report.status == RS.SUBMITTED
    assert Responsibility.objects.get(pk=world.lead.pk).status == status


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (S.ASSIGNED, "该事项尚未签收，请先签收再报送进展。"),
        (S.COMPLETED, "当前状态为“已办结”，不能报送进展。"),
        (S.SUSPENDED, "当前状态为“已中止”，不能报送进展。"),
    ],
)
def test_responsibility_not_in_progress_cannot_report(world, media, status, message):
    Responsibility.objects.filter(pk=world.lead.pk).update(status=status)
    before = _snapshot(world.lead, media)

    with pytest.raises(TransitionNotAllowed) as refused:
        _submit(world, attachments=[_pdf()])

    assert str(refused.value.message) == message
    assert _snapshot(world.lead, media) == before


@pytest.mark.parametrize("actor", ["staff_b", "leader_b", "coordinator", "admin"])
def test_only_the_responsible_agency_files_its_report(world, media, actor):
    before = _snapshot(world.lead, media)

    with pytest.raises(PermissionDenied):
        _submit(world, actor=getattr(world, actor), attachments=[_pdf()])

    assert _snapshot(world.lead, media) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"percent": 101}, "percent"),
        ({"percent": -1}, "percent"),
        ({"percent": True}, "percent"),
        ({"narrative": "  "}, "narrative"),
        ({"period_start": dt.date(2024, 4, 2)}, "period_start"),
        ({"period_start": dt.date(2024, 7, 1)}, "period_start"),
        ({"target": "other", "value": Decimal(1)}, "target_values"),
        ({"value": Decimal(-1)}, "target_values"),
        ({"value": Decimal("1.00001")}, "target_values"),
        ({"value": Decimal("NaN")}, "target_values"),
        ({"value": 1.5}, "target_values"),
        ({"items": "南京中心"}, "target_values"),
        ({"attachment": SimpleUploadedFile("a.exe", b"MZ\x90\x00" + b"\0" * 60)}, "attachments"),
    ],
)
def test_invalid_report_is_refused_and_writes_nothing(world, media, change, field):
    change = dict(change)
    target = world.other_target if change.pop("target", None) == "other" else world.target
    value = change.pop("value", Decimal(7))
    items = change.pop("items", ["南京中心"])
    attachments = [_pdf(), change.pop("attachment", _pdf("第二份.pdf"))]
    before = _snapshot(world.lead, media)

    with pytest.raises(InvalidInput) as refused:
        _submit(
            world,
            target_values={target.pk: (value, items)},
            attachments=attachments,
            **change,
        )

    assert list(refused.value.field_errors) == [field]
    assert _snapshot(world.lead, media) == before


def test_every_problem_is_reported_at_once(world):
    with pytest.raises(InvalidInput) as refused:
        _submit(
            world,
            narrative="",
            percent=120,
            target_values={world.other_target.pk: (Decimal(1), [])},
        )

    assert refused.value.field_errors == {
        "narrative": ["请填写进展情况。"],
        "percent": ["完成比例须为0至100之间的整数。"],
        "target_values": ["所填指标不属于该任务。"],
    }
    assert str(refused.value.message) == "请填写进展情况。"


def test_nothing_is_left_behind_when_the_transaction_fails_after_files_are_written(
    world, media, monkeypatch
):
    before = _snapshot(world.lead, media)

    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reports, "event_record", fail)
    with pytest.raises(RuntimeError):
        _submit(world, attachments=[_pdf(), _pdf("第二份.pdf")])

    assert _snapshot(world.lead, media) == before


# --- Leader approval ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("approval_required", "actor", "expected"),
    [
        (False, "staff_a", RS.SUBMITTED),
        (False, "leader_a", RS.SUBMITTED),
        (True, "staff_a", RS.PENDING_LEADER),
        (True, "leader_a", RS.SUBMITTED),
    ],
)
def test_leader_approval_setting_decides_the_first_status(
    world, approval_required, actor, expected
):
    world.plan.leader_approval_required = approval_required
    world.plan.save()

    report = _submit(world, actor=getattr(world, actor))

    assert report.status == expected
    assert Event.objects.get().data["report_status"] == expected


def test_leader_approves_a_pending_report(world):
    world.plan.leader_approval_required = True
    world.plan.save()
    report = _submit(world)
    version_before = world.lead.__class__.objects.get(pk=world.lead.pk).version

    approved = reports.progress_report_leader_approve(
        report_id=report.pk, actor=world.leader_a, expected_version=1
    )

    assert (approved.status, approved.version) == (RS.SUBMITTED, 2)
    assert ProgressReport.objects.get(pk=report.pk).status == RS.SUBMITTED
    event = Event.objects.filter(action=Action.APPROVE_REPORT).get()
    assert (event.actor, event.responsibility, event.data["report_status"]) == (
        world.leader_a,
        world.lead,
        RS.SUBMITTED,
    )
    # Approval changes the report, not the responsibility.
    assert Responsibility.objects.get(pk=world.lead.pk).version == version_before


@pytest.mark.parametrize("actor", ["staff_a", "leader_b", "coordinator"])
def test_only_the_agency_leader_approves(world, media, actor):
    world.plan.leader_approval_required = True
    world.plan.save()
    report = _submit(world)
    before = _snapshot(world.lead, media)

    with pytest.raises(PermissionDenied):
        reports.progress_report_leader_approve(report_id=report.pk, actor=getattr(world, actor))

    assert _snapshot(world.lead, media) == before


def test_a_submitted_report_needs_no_approval(world, media):
    report = _submit(world)
    before = _snapshot(world.lead, media)

    with pytest.raises(TransitionNotAllowed) as refused:
        reports.progress_report_leader_approve(report_id=report.pk, actor=world.leader_a)

    assert str(refused.value.message) == "该进展报告当前为“已报送”，无需领导审核。"
    assert _snapshot(world.lead, media) == before


# --- Return and re-filing ----------------------------------------------------------------------


def test_coordinator_returns_a_report_and_the_period_is_due_again(world):
    report = _submit(world)
    version = Responsibility.objects.get(pk=world.lead.pk).version

    returned = reports.progress_report_return(
        report_id=report.pk, actor=world.coordinator, reason=" 数据口径不一致 ", expected_version=1
    )

    assert (returned.status, returned.version) == (RS.RETURNED, 2)
    assert (returned.returned_by, returned.returned_at, returned.return_reason) == (
        world.coordinator,
        NOW,
        "数据口径不一致",
    )
    lead = Responsibility.objects.get(pk=world.lead.pk)
    assert lead.next_report_due_on == Q2_DUE
    assert lead.progress_percent == 0
    assert lead.last_reported_at == NOW  # when it was filed; the return is an event
    assert lead.version == version + 1
    event = Event.objects.filter(action=Action.RETURN_REPORT).get()
    assert (event.actor, event.reason, event.data["report_status"]) == (
        world.coordinator,
        "数据口径不一致",
        RS.RETURNED,
    )


def test_pending_report_can_be_returned_by_the_coordinator(world):
    world.plan.leader_approval_required = True
    world.plan.save()
    report = _submit(world)

    returned = reports.progress_report_return(
        report_id=report.pk, actor=world.admin, reason="请补充材料"
    )

    assert returned.status == RS.RETURNED


def test_returned_report_is_refiled_in_place(world, clock):
    first = _submit(world, percent=40, target_values={world.target.pk: (Decimal(9), ["甲", "乙"])})
    reports.progress_report_return(report_id=first.pk, actor=world.coordinator, reason="数字有误")
    clock.shift(dt.timedelta(hours=2))

    refiled = _submit(
        world,
        percent=35,
        narrative="更正后：已建成7个。",
        target_values={world.target.pk: (Decimal(7), ["甲"])},
        attachments=[_pdf()],
        expected_report_version=2,
    )

    assert refiled.pk == first.pk
    assert ProgressReport.objects.count() == 1
    assert (refiled.status, refiled.percent, refiled.narrative, refiled.version) == (
        RS.SUBMITTED,
        35,
        "更正后：已建成7个。",
        3,
    )
    assert refiled.submitted_at == NOW + dt.timedelta(hours=2)
    assert refiled.return_reason == "数字有误"  # kept for the reviewer
    assert list(refiled.target_values.values_list("target", "value", "items")) == [
        (world.target.pk, Decimal(7), ["甲"])
    ]
    lead = Responsibility.objects.get(pk=world.lead.pk)
    assert (lead.progress_percent, lead.next_report_due_on) == (35, Q3_DUE)
    assert lead.last_reported_at == NOW + dt.timedelta(hours=2)
    assert Event.objects.filter(action=Action.REPORT).order_by("pk").last().data["refiled"] is True


@pytest.mark.parametrize("actor", ["staff_a", "leader_a", "other_coordinator"])
def test_only_the_plans_coordinator_returns_a_report(world, media, actor):
    report = _submit(world)
    before = _snapshot(world.lead, media)

    with pytest.raises(PermissionDenied):
        reports.progress_report_return(
            report_id=report.pk, actor=getattr(world, actor), reason="请补充"
        )

    assert _snapshot(world.lead, media) == before


def test_return_needs_a_reason(world, media):
    report = _submit(world)
    before = _snapshot(world.lead, media)

    with pytest.raises(InvalidInput) as refused:
        reports.progress_report_return(report_id=report.pk, actor=world.coordinator, reason="  ")

    assert refused.value.field_errors == {"reason": ["请填写理由。"]}
    assert _snapshot(world.lead, media) == before


def test_a_returned_report_cannot_be_returned_again(world, media):
    report = _submit(world)
    reports.progress_report_return(report_id=report.pk, actor=world.coordinator, reason="请补充")
    before = _snapshot(world.lead, media)

    with pytest.raises(TransitionNotAllowed) as refused:
        reports.progress_report_return(report_id=report.pk, actor=world.coordinator, reason="再退")

    assert str(refused.value.message) == "该进展报告当前为“已退回”，不能退回。"
    assert _snapshot(world.lead, media) == before


def test_submitted_report_can_be_corrected_while_its_period_lasts(world):
    first = _submit(world, target_values={world.target.pk: (Decimal(7), [])})

    corrected = _submit(world, percent=32, target_values={})

    assert (corrected.pk, corrected.percent, corrected.version) == (first.pk, 32, 2)
    assert ReportTargetValue.objects.count() == 0
    assert Responsibility.objects.get(pk=world.lead.pk).progress_percent == 32


def test_submitted_report_cannot_be_changed_after_its_period(world, media, clock):
    _submit(world)
    clock.move_to(dt.datetime(2024, 7, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    before = _snapshot(world.lead, media)

    with pytest.raises(TransitionNotAllowed) as refused:
        _submit(world, period_start=Q2[0], percent=50)

    assert "报送期已结束" in str(refused.value.message)
    assert _snapshot(world.lead, media) == before


def test_late_report_for_an_earlier_period_keeps_the_latest_progress(world):
    _submit(world, percent=30)

    late = _submit(world, percent=10, period_start=dt.date(2024, 1, 1))

    assert (late.period_start, late.period_end) == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    lead = Responsibility.objects.get(pk=world.lead.pk)
    assert (lead.progress_percent, lead.next_report_due_on) == (30, Q3_DUE)


def test_returning_an_earlier_period_makes_it_due_again(world):
    earlier = _submit(world, percent=10, period_start=dt.date(2024, 1, 1))
    _submit(world, percent=30)

    reports.progress_report_return(report_id=earlier.pk, actor=world.coordinator, reason="补充")

    lead = Responsibility.objects.get(pk=world.lead.pk)
    assert (lead.progress_percent, lead.next_report_due_on) == (30, dt.date(2024, 3, 25))


def test_cannot_return_a_report_of_a_completed_responsibility(world, media):
    report = _submit(world)
    Responsibility.objects.filter(pk=world.lead.pk).update(status=S.COMPLETED)
    before = _snapshot(world.lead, media)

    with pytest.raises(TransitionNotAllowed):
        reports.progress_report_return(report_id=report.pk, actor=world.coordinator, reason="补充")

    assert _snapshot(world.lead, media) == before


# --- Concurrency -------------------------------------------------------------------------------


def test_stale_responsibility_version_is_refused(world, media):
    before = _snapshot(world.lead, media)

    with pytest.raises(StaleObject):
        _submit(world, expected_version=world.lead.version - 1, attachments=[_pdf()])

    assert _snapshot(world.lead, media) == before


def test_stale_report_version_is_refused_when_refiling(world, media):
    report = _submit(world)
    reports.progress_report_return(report_id=report.pk, actor=world.coordinator, reason="补充")
    before = _snapshot(world.lead, media)

    with pytest.raises(StaleObject):
        _submit(world, expected_report_version=1)

    assert _snapshot(world.lead, media) == before


@pytest.mark.parametrize("service", ["return", "approve"])
def test_stale_report_version_is_refused_when_deciding(world, media, service):
    world.plan.leader_approval_required = True
    world.plan.save()
    report = _submit(world)
    _submit(world, percent=31)  # someone re-filed meanwhile: version 2
    before = _snapshot(world.lead, media)

    with pytest.raises(StaleObject):
        if service == "return":
            reports.progress_report_return(
                report_id=report.pk, actor=world.coordinator, reason="补充", expected_version=1
            )
        else:
            reports.progress_report_leader_approve(
                report_id=report.pk, actor=world.leader_a, expected_version=1
            )

    assert _snapshot(world.lead, media) == before


def test_unknown_report_is_a_clear_error(world):
    with pytest.raises(InvalidInput) as refused:
        reports.progress_report_return(report_id=999999, actor=world.coordinator, reason="补充")

    assert str(refused.value.message) == "该进展报告不存在或已被删除。"


# --- Buttons -----------------------------------------------------------------------------------


def test_available_report_actions_follow_status_and_capacity(world):
    world.plan.leader_approval_required = True
    world.plan.save()
    report = ProgressReport.objects.select_related("responsibility__task__plan").get(
        pk=_submit(world).pk
    )

    assert reports.available_report_actions(user=world.leader_a, report=report) == [
        Action.APPROVE_REPORT
    ]
    assert reports.available_report_actions(user=world.coordinator, report=report) == [
        Action.RETURN_REPORT
    ]
    assert reports.available_report_actions(user=world.staff_a, report=report) == []
    assert reports.available_report_actions(user=world.staff_b, report=report) == []
