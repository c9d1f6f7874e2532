"""A small world for the API tests: one plan coordinated by C with tasks of agencies A and B, and
a second plan coordinated by D that C's coordinator must never see (C also coordinates a third,
empty plan without reminder rules). An administrator sees everything.

Markers (unique strings) are written on everything that is B's alone, so a test can assert that
no response to A's people contains them, whatever the endpoint.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from agencies.models import Agency, AgencyAlias, User
from tasks_app.api.tokens import access_token_create, access_token_revoke
from tasks_app.models import (
    AccessToken,
    Action,
    DeliveryAttempt,
    Event,
    ExtensionRequest,
    Plan,
    ProgressReport,
    ReminderDigest,
    ReminderEntry,
    ReminderPolicy,
    ReminderSweep,
    ReportAttachment,
    Responsibility,
    Target,
    Task,
    WorkingDayException,
)
from tests.factories import (
    AgencyFactory,
    PlanFactory,
    ProgressReportFactory,
    ResponsibilityFactory,
    SectionFactory,
    TargetFactory,
    TaskFactory,
    UserFactory,
)

S = Responsibility.Status
B_MARKERS = ("乙厅独有任务", "乙厅独有进展", "乙厅独有延期", "乙厅独有催办", "乙厅独有记录")
OTHER_PLAN_MARKER = "丁委独有方案"


@dataclass
class World:
    today: dt.date
    coordinating: Agency
    a: Agency
    b: Agency
    plan: Plan
    other_plan: Plan
    task_a: Task  # led by A
    task_ab: Task  # led by A, supported by B
    task_b: Task  # B's alone
    task_other: Task  # in the other plan, led by A
    resp_a: Responsibility
    resp_ab_lead: Responsibility
    resp_ab_support: Responsibility
    resp_b: Responsibility
    resp_other: Responsibility
    report_a: ProgressReport
    report_b: ProgressReport
    report_pending: ProgressReport  # A's staff filed it; waits for A's leader
    attachment_a: ReportAttachment
    extension_a: ExtensionRequest
    extension_b: ExtensionRequest
    completion_a: Responsibility  # task_a2: completion requested by A
    reminder_a: ReminderEntry
    reminder_b: ReminderEntry
    event_a: Event
    event_b: Event
    target_a: Target  # on task_a
    target_b: Target  # on task_b, B's alone
    spare_plan: Plan  # coordinated by C, no tasks, no reminder rules
    policy: ReminderPolicy  # the plan's reminder rules
    other_policy: ReminderPolicy  # the other plan's
    digest_a: ReminderDigest  # a failed email carrying reminder_a
    digest_b: ReminderDigest  # a failed email carrying reminder_b
    holiday: WorkingDayException  # a Wednesday off
    users: dict[str, User]
    tokens: dict[str, str]  # user key -> API secret
    calendar: dict[str, str]  # user key -> calendar secret
    token_ids: dict[str, int]

    def client(self, who: str) -> Client:
        """A client authenticated as `who` by API token ("anonymous": none; "revoked": a token
        that was revoked)."""
        if who == "anonymous":
            return Client()
        return Client(HTTP_AUTHORIZATION=f"Token {self.tokens[who]}")


def build_world() -> World:
    today = timezone.localdate()
    coordinating = AgencyFactory(name="江苏省发展和改革委员会", short_name="省发展改革委")
    a = AgencyFactory(name="江苏省甲厅", short_name="省甲厅")
    b = AgencyFactory(name="江苏省乙厅", short_name="省乙厅")
    AgencyAlias.objects.create(agency=a, name="甲厅")
    other_coordinating = AgencyFactory(name="江苏省丁委", short_name="省丁委")
    plan = PlanFactory(coordinating_agency=coordinating, title="未来产业三年行动方案")
    other_plan = PlanFactory(coordinating_agency=other_coordinating, title=OTHER_PLAN_MARKER)
    spare_plan = PlanFactory(coordinating_agency=coordinating, title="数字经济行动方案")
    section = SectionFactory(plan=plan)

    task_a = TaskFactory(plan=plan, section=section, title="甲厅牵头任务")
    task_ab = TaskFactory(plan=plan, section=section, title="甲厅牵头乙厅配合任务")
    task_b = TaskFactory(plan=plan, section=section, title="乙厅独有任务")
    task_a2 = TaskFactory(plan=plan, section=section, title="甲厅申请办结任务")
    task_other = TaskFactory(plan=other_plan, title=f"{OTHER_PLAN_MARKER}任务")
    late, soon = today - dt.timedelta(days=5), today + dt.timedelta(days=60)
    lead = Responsibility.Role.LEAD
    resp_a = ResponsibilityFactory(task=task_a, agency=a, role=lead, due_on=late)
    resp_ab_lead = ResponsibilityFactory(
        task=task_ab,
        agency=a,
        role=lead,
        due_on=soon,
        status=S.IN_PROGRESS,
        accepted_at=timezone.now(),
    )
    resp_ab_support = ResponsibilityFactory(
        task=task_ab,
        agency=b,
        role=Responsibility.Role.SUPPORTING,
        due_on=soon,
        status=S.IN_PROGRESS,
        accepted_at=timezone.now(),
    )
    resp_b = ResponsibilityFactory(
        task=task_b,
        agency=b,
        role=lead,
        due_on=late,
        status=S.IN_PROGRESS,
        accepted_at=timezone.now(),
    )
    completion_a = ResponsibilityFactory(
        task=task_a2,
        agency=a,
        role=lead,
        due_on=soon,
        status=S.COMPLETION_REQUESTED,
        accepted_at=timezone.now(),
    )
    resp_other = ResponsibilityFactory(task=task_other, agency=a, role=lead, due_on=soon)
    target_a = TargetFactory(task=task_a, plan=plan, description="甲厅指标")
    target_b = TargetFactory(task=task_b, plan=plan, description="乙厅独有任务指标")
    target_a.refresh_from_db()  # quantities as stored (Decimal), as every reader sees them
    target_b.refresh_from_db()
    policy = ReminderPolicy.objects.create(plan=plan, due_soon_offsets="10,3,1")
    other_policy = ReminderPolicy.objects.create(plan=other_plan, enabled=False)
    holiday = WorkingDayException.objects.create(
        date=dt.date(2031, 10, 1), is_working_day=False, note="国庆节"
    )

    report_a = ProgressReportFactory(responsibility=resp_ab_lead, narrative="甲厅进展")
    report_b = ProgressReportFactory(responsibility=resp_b, narrative="乙厅独有进展")
    ProgressReportFactory(responsibility=resp_ab_support, narrative="乙厅配合进展")
    report_pending = ProgressReportFactory(
        responsibility=completion_a,
        narrative="甲厅待审进展",
        status=ProgressReport.Status.PENDING_LEADER,
    )
    attachment_a = ReportAttachment(
        report=report_a, original_name="甲厅证明.pdf", content_type="application/pdf", size=9
    )
    attachment_a.file.save("evidence.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    attachment_a.save()
    extension_a = ExtensionRequest.objects.create(
        responsibility=resp_ab_lead,
        previous_due_on=soon,
        requested_due_on=soon + dt.timedelta(days=30),
        reason="甲厅延期理由",
    )
    extension_b = ExtensionRequest.objects.create(
        responsibility=resp_b,
        previous_due_on=late,
        requested_due_on=late + dt.timedelta(days=30),
        reason="乙厅独有延期",
    )
    sweep = ReminderSweep.objects.create(day=today, trigger=ReminderSweep.Trigger.COMMAND)
    reminder_a = _reminder(sweep, resp_a, "a@example.org", "甲厅催办")
    reminder_b = _reminder(sweep, resp_b, "b@example.org", "乙厅独有催办")
    digest_a = _failed_digest(sweep, "a@example.org", "催办通知：甲厅")
    digest_b = _failed_digest(sweep, "b@example.org", "催办通知：乙厅独有催办")
    event_a = Event.objects.create(
        plan=plan, task=task_a, responsibility=resp_a, action=Action.ASSIGN, reason="甲厅记录"
    )
    event_b = Event.objects.create(
        plan=plan, task=task_b, responsibility=resp_b, action=Action.ASSIGN, reason="乙厅独有记录"
    )

    users = {
        "staff_a": UserFactory(username="staff_a", agency=a, role=User.Role.STAFF),
        "leader_a": UserFactory(username="leader_a", agency=a, role=User.Role.LEADER),
        "staff_b": UserFactory(username="staff_b", agency=b, role=User.Role.STAFF),
        "coordinator": UserFactory(
            username="coordinator", agency=coordinating, role=User.Role.COORDINATOR
        ),
        "revoked": UserFactory(username="revoked", agency=a, role=User.Role.STAFF),
        "administrator": UserFactory(username="administrator", agency=None, is_superuser=True),
    }
    tokens, calendar, token_ids = {}, {}, {}
    for key, user in users.items():
        token, secret = access_token_create(user=user, kind=AccessToken.Kind.API, name="测试")
        tokens[key], token_ids[key] = secret, token.pk
        _cal, calendar[key] = access_token_create(user=user, kind=AccessToken.Kind.CALENDAR)
    for token in AccessToken.objects.filter(user=users["revoked"]):
        access_token_revoke(token=token)
    return World(**{k: v for k, v in locals().items() if k in World.__dataclass_fields__})


def _reminder(sweep, responsibility, recipient, note) -> ReminderEntry:
    return ReminderEntry.objects.create(
        sweep=sweep,
        day=sweep.day,
        responsibility=responsibility,
        kind="overdue",
        period=f"{sweep.day}",
        recipient=recipient,
        recipient_role="contact",
        grade="red",
        note=note,
    )


def _failed_digest(sweep, recipient, subject) -> ReminderDigest:
    digest = ReminderDigest.objects.create(
        sweep=sweep,
        recipient=recipient,
        day=sweep.day,
        status=ReminderDigest.Status.FAILED,
        attempts=1,
        subject=subject,
        body_text=subject,
        last_error="550 mailbox unavailable",
    )
    DeliveryAttempt.objects.create(
        digest=digest,
        number=1,
        started_at=timezone.now(),
        outcome=DeliveryAttempt.Outcome.PERMANENT,
        smtp_code=550,
        error="550 mailbox unavailable",
    )
    return digest


def grow(world: World, n: int, *, start: int = 0) -> None:
    """n more tasks led by A (supported by B), each with a report, an event, an extension, a
    target, a reminder in an email of its own, and a working-day exception (`start`: how many
    earlier calls made, so that a second call adds different ones)."""
    today = timezone.localdate()
    for i in range(start, start + n):
        task = TaskFactory(plan=world.plan)
        lead = ResponsibilityFactory(
            task=task,
            agency=world.a,
            due_on=today + dt.timedelta(days=i - 10),
            status=Responsibility.Status.COMPLETION_REQUESTED,
            accepted_at=timezone.now(),
        )
        ResponsibilityFactory(task=task, agency=world.b, role=Responsibility.Role.SUPPORTING)
        ProgressReportFactory(responsibility=lead, submitted_by=world.users["staff_a"])
        Event.objects.create(
            plan=world.plan,
            task=task,
            responsibility=lead,
            action="assign",
            actor=world.users["staff_a"],
        )
        ExtensionRequest.objects.create(
            responsibility=lead,
            previous_due_on=lead.due_on,
            requested_due_on=lead.due_on + dt.timedelta(days=9),
            reason="r",
            requested_by=world.users["staff_a"],
        )
        ReminderEntry.objects.create(
            sweep=world.reminder_a.sweep,
            day=today,
            responsibility=lead,
            kind="overdue",
            period=str(today),
            recipient=f"a{i}@example.org",
            recipient_role="contact",
            grade="red",
        )
        ReminderDigest.objects.create(
            sweep=world.reminder_a.sweep, recipient=f"a{i}@example.org", day=today, seq=i + 2
        )
        TargetFactory(task=task, plan=world.plan)
        WorkingDayException.objects.create(
            date=dt.date(2040, 1, 1) + dt.timedelta(days=7 * i),  # Sundays worked
            is_working_day=True,
        )
