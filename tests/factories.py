"""Factories for tests: small, explicit worlds instead of large fixtures."""

import datetime as dt

import factory
from django.utils import timezone

from agencies.models import Agency, ReminderContact, User
from tasks_app.models import Plan, Responsibility, Section, Target, Task


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"江苏省测试厅{n}")
    short_name = factory.Sequence(lambda n: f"省测试厅{n}")
    kind = Agency.Kind.DEPARTMENT
    level = Agency.Level.PROVINCE


class ReminderContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderContact

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    email = factory.Sequence(lambda n: f"desk{n}@example.org")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    agency = factory.SubFactory(AgencyFactory)
    role = User.Role.STAFF
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    key = factory.Sequence(lambda n: f"测试文号〔2024〕{n}号")
    title = factory.Sequence(lambda n: f"测试行动方案{n}")
    doc_number = factory.LazyAttribute(lambda p: p.key)
    level = Plan.Level.PROVINCE
    coordinating_agency = factory.SubFactory(AgencyFactory)
    issued_on = dt.date(2024, 2, 27)
    period_start = 2024
    period_end = 2026


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    plan = factory.SubFactory(PlanFactory)
    ref = factory.Sequence(lambda n: f"s{n}")
    number = "一"
    title = "科技创新攻关行动"
    order = factory.Sequence(lambda n: n)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    plan = factory.SubFactory(PlanFactory)
    section = None
    ref = factory.Sequence(lambda n: f"t{n}")
    number = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"推动测试任务{n}")
    text = factory.LazyAttribute(lambda t: f"{t.title}。加快推进相关工作。")
    order = factory.Sequence(lambda n: n)
    due_on = dt.date(2026, 12, 31)


class ResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Responsibility

    task = factory.SubFactory(TaskFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Responsibility.Role.LEAD
    due_on = factory.LazyAttribute(lambda r: r.task.due_on)
    original_due_on = factory.LazyAttribute(lambda r: r.due_on)
    assigned_at = factory.LazyFunction(timezone.now)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    task = factory.SubFactory(TaskFactory)
    plan = factory.LazyAttribute(lambda t: t.task.plan)
    ref = factory.Sequence(lambda n: f"target{n}")
    description = "概念验证中心、中小试基地"
    quantity = 20
    unit = "个"
    year = 2026


# Progress reports (进展反馈)
from tasks_app.models import ProgressReport  # noqa: E402


class ProgressReportFactory(factory.django.DjangoModelFactory):
    """A submitted report for the period starting 2024-04-01 (quarterly plans)."""

    class Meta:
        model = ProgressReport

    responsibility = factory.SubFactory(ResponsibilityFactory)
    period_start = dt.date(2024, 4, 1)
    period_end = dt.date(2024, 6, 30)
    narrative = "按计划推进，已完成阶段性工作。"
    percent = 30
    status = ProgressReport.Status.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


# The admin tests' world (tests/test_admin_*.py, tests/test_exports.py)
from dataclasses import dataclass  # noqa: E402


@dataclass
class AdminWorld:
    """Agencies A (甲) and B (乙) on plan P, coordinated by C; B also on plan Q, coordinated by D.
    Every text that belongs to B (or to Q) carries a marker the tests look for in A's pages."""

    plan: Plan
    other_plan: Plan
    task_a: Task
    task_b: Task
    task_q: Task
    resp_a: Responsibility
    resp_b: Responsibility
    resp_q: Responsibility
    target_a: Target
    target_b: Target
    staff_a: User
    staff_b: User
    leader_a: User
    coordinator: User
    other_coordinator: User
    admin: User
    inactive: User

    B_MARKERS = ("乙厅独有的任务", "省乙厅", "乙指标", "乙厅报告正文")
    Q_MARKERS = ("丙市独有的任务",)
    A_MARKERS = ("甲厅牵头的任务", "省甲厅", "甲指标", "甲厅报告正文")

    def populate(self) -> None:
        """Accepted items with an extension request, a report with an attachment and a target
        value each (A and B), all through the services; needs MEDIA_ROOT pointing somewhere."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from tasks_app.services.reports import progress_report_submit
        from tasks_app.services.workflow import extension_request_create, responsibility_transition

        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        for resp, staff, name, target in (
            (self.resp_a, self.staff_a, "甲厅", self.target_a),
            (self.resp_b, self.staff_b, "乙厅", self.target_b),
        ):
            responsibility_transition(responsibility_id=resp.pk, action="accept", actor=staff)
            extension_request_create(
                responsibility_id=resp.pk,
                actor=staff,
                requested_due_on=resp.due_on + dt.timedelta(days=90),
                reason=f"{name}申请延期的理由",
            )
            progress_report_submit(
                responsibility_id=resp.pk,
                actor=staff,
                narrative=f"{name}报告正文",
                percent=40,
                target_values={target.pk: (7, [f"{name}中心一"])},
                attachments=[SimpleUploadedFile(f"{name}材料.pdf", pdf, "application/pdf")],
            )
            resp.refresh_from_db()


def admin_world() -> AdminWorld:
    c = AgencyFactory(name="江苏省督办厅", short_name="省督办厅")
    d = AgencyFactory(name="苏州市督办局", short_name="市督办局")
    a = AgencyFactory(name="江苏省甲厅", short_name="省甲厅")
    b = AgencyFactory(name="江苏省乙厅", short_name="省乙厅")
    plan = PlanFactory(coordinating_agency=c, title="共同行动方案")
    other_plan = PlanFactory(coordinating_agency=d, title="市级行动方案")
    task_a = TaskFactory(plan=plan, number="1", title="甲厅牵头的任务", order=1)
    task_b = TaskFactory(plan=plan, number="2", title="乙厅独有的任务", order=2)
    task_q = TaskFactory(plan=other_plan, number="1", title="丙市独有的任务", order=1)
    lead = Responsibility.Role.LEAD
    return AdminWorld(
        plan=plan,
        other_plan=other_plan,
        task_a=task_a,
        task_b=task_b,
        task_q=task_q,
        resp_a=ResponsibilityFactory(task=task_a, agency=a, role=lead),
        resp_b=ResponsibilityFactory(task=task_b, agency=b, role=lead),
        resp_q=ResponsibilityFactory(task=task_q, agency=b, role=lead),
        target_a=TargetFactory(task=task_a, description="甲指标"),
        target_b=TargetFactory(task=task_b, description="乙指标"),
        staff_a=UserFactory(username="staff_a", agency=a, role=User.Role.STAFF),
        staff_b=UserFactory(username="staff_b", agency=b, role=User.Role.STAFF),
        leader_a=UserFactory(username="leader_a", agency=a, role=User.Role.LEADER),
        coordinator=UserFactory(username="coordinator", agency=c, role=User.Role.COORDINATOR),
        other_coordinator=UserFactory(
            username="other_coordinator", agency=d, role=User.Role.COORDINATOR
        ),
        admin=UserFactory(username="administrator", agency=None, is_superuser=True),
        inactive=UserFactory(username="inactive_a", agency=a, is_active=False),
    )
