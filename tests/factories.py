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
