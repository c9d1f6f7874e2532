"""Synthetic plans, tasks and responsibilities at scale, for benches and demos (never production).

One generator of rows (`rows`), two ways to write them (`writing`): PostgreSQL gets them through
`COPY … FROM STDIN`, SQLite through `executemany` in chunks, so both hold the same data for the
same arguments. Each responsibility is drawn from a scenario (`scenarios`) relative to `today`;
`behind_schedule_on` and `next_report_due_on` come from the functions the workflow services use.

A batch is named by its prefix: plan keys `<prefix>|0001`, …, users `<prefix>-staff-<agency id>`,
`<prefix>-leader-<agency id>` and `<prefix>-coordinator`. Generating into a prefix that is already
in the database is refused (`PrefixInUse`); another prefix appends another batch. There is no
"replace": deleting a million tasks through the ORM's cascade is slower than a fresh database,
which is what the benches use.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import time
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, ReminderContact, User
from agencies.resolver import AgencyResolver
from tasks_app import scheduling
from tasks_app.errors import InvalidInput
from tasks_app.models import Plan, Section, Task

from . import rows, vocabulary, writing
from .scenarios import PlanContext

PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
DEFAULT_COORDINATOR = "江苏省发展和改革委员会"
SECTIONS_PER_PLAN = 4
MIN_AGENCIES = 3  # a lead and up to two supporting agencies, all different


class PrefixInUse(InvalidInput):
    code = "synthetic_prefix_in_use"


@dataclass(frozen=True)
class SyntheticSpec:
    tasks: int
    agencies: int = 60
    plans: int = 10
    seed: int = 1
    prefix: str = "synthetic"
    today: dt.date | None = None
    coordinator_agency: str | None = None
    users: bool = True


@dataclass
class SyntheticResult:
    prefix: str
    today: dt.date
    plans: int = 0
    tasks: int = 0
    responsibilities: int = 0
    targets: int = 0
    extension_requests: int = 0
    assignee_links: int = 0
    agencies_used: int = 0
    agencies_created: int = 0
    users: int = 0
    coordinator_username: str = ""
    seconds: float = 0.0


def synthetic_generate(spec: SyntheticSpec) -> SyntheticResult:
    """Create one batch of synthetic plans, tasks, responsibilities (and users) in one transaction.

    Raises PrefixInUse when the batch's prefix is already in the database, InvalidInput for
    arguments that cannot work."""
    _validate(spec)
    started = time.perf_counter()
    result = SyntheticResult(prefix=spec.prefix, today=spec.today or timezone.localdate())
    tables = rows.Tables.build()
    with transaction.atomic():
        if Plan.objects.filter(key__startswith=f"{spec.prefix}|").exists():
            raise PrefixInUse(
                f"前缀“{spec.prefix}”的合成数据已存在：请换一个 --prefix 追加一批，或使用新数据库。"
            )
        writing.lock(*tables.all())
        coordinator = _coordinator_agency(spec)
        agencies = _agencies(spec, result)
        staff = _users(spec, coordinator, agencies, result) if spec.users else {}
        contexts = _plans(spec, result.today, coordinator)
        result.plans = len(contexts)
        agency_ids = [agency.pk for agency in agencies]
        # At least doubling the tables: build their indexes once, afterwards.
        bulk = Task.objects.count() < spec.tasks
        with writing.bulk_load(*tables.all()) if bulk else contextlib.nullcontext():
            counts = rows.rows_write(
                tables=tables,
                tasks=spec.tasks,
                seed=spec.seed,
                today=result.today,
                contexts=contexts,
                agency_ids=agency_ids,
                staff=staff,
            )
        writing.sequences_reset(*tables.all())
    writing.analyze(Agency, User, ReminderContact, Plan, Section, *(t.model for t in tables.all()))
    for name, value in vars(counts).items():
        setattr(result, name, value)
    result.seconds = time.perf_counter() - started
    return result


def _validate(spec: SyntheticSpec) -> None:
    if spec.tasks < 1:
        raise InvalidInput("--tasks 须为正整数。")
    if spec.agencies < MIN_AGENCIES:
        raise InvalidInput(f"--agencies 至少为 {MIN_AGENCIES}（牵头单位和两家配合单位互不相同）。")
    if not 1 <= spec.plans <= spec.tasks:
        raise InvalidInput("--plans 须在 1 与任务数之间。")
    if not PREFIX_PATTERN.match(spec.prefix):
        raise InvalidInput("--prefix 只能由字母、数字、下划线和连字符组成（至多 40 个字符）。")


# --- Agencies, people, plans (small: through the ORM) ----------------------------------------


def _coordinator_agency(spec: SyntheticSpec) -> Agency:
    name = spec.coordinator_agency or DEFAULT_COORDINATOR
    agency = AgencyResolver.load().resolve(name)
    if agency is not None:
        return agency
    if spec.coordinator_agency:
        raise InvalidInput(f"未找到督办单位“{name}”。")
    return Agency.objects.create(
        name=f"合成督办单位（{spec.prefix}）",
        short_name="合成督办单位",
        kind=Agency.Kind.DEPARTMENT,
        level=Agency.Level.PROVINCE,
    )


def _agencies(spec: SyntheticSpec, result: SyntheticResult) -> list[Agency]:
    """The first `spec.agencies` agencies (the shipped ones when loaded), topped up with new ones."""
    agencies = list(Agency.objects.order_by("order", "id")[: spec.agencies])
    missing = spec.agencies - len(agencies)
    if missing > 0:
        Agency.objects.bulk_create(
            Agency(
                name=f"合成单位{number:05d}（{spec.prefix}）",
                short_name=f"合成单位{number}",
                kind=Agency.Kind.DEPARTMENT if number % 3 else Agency.Kind.CITY_GOVERNMENT,
                level=Agency.Level.PROVINCE if number % 3 else Agency.Level.CITY,
                order=100_000 + number,
            )
            for number in range(1, missing + 1)
        )
        agencies += list(
            Agency.objects.filter(name__endswith=f"（{spec.prefix}）", order__gte=100_000)
        )
    result.agencies_used, result.agencies_created = len(agencies), max(missing, 0)
    return agencies


def _users(
    spec: SyntheticSpec, coordinator: Agency, agencies: list[Agency], result: SyntheticResult
) -> dict[int, int]:
    """A coordinator, and a staff member, a leader and a 督办 desk per agency. Passwords are
    unusable: benches log in with `force_login`. Returns {agency id: staff user id}."""
    password = make_password(None)
    users = [
        User(
            username=f"{spec.prefix}-coordinator",
            agency=coordinator,
            role=User.Role.COORDINATOR,
            is_staff=True,
            password=password,
            last_name="合成督办员",
        )
    ]
    for agency in agencies:
        for role, label in ((User.Role.STAFF, "经办人"), (User.Role.LEADER, "分管领导")):
            users.append(
                User(
                    username=f"{spec.prefix}-{role}-{agency.pk}",
                    agency=agency,
                    role=role,
                    is_staff=True,
                    password=password,
                    last_name=f"{agency}{label}",
                    email=f"{spec.prefix}-{role}-{agency.pk}@synthetic.invalid",
                )
            )
    User.objects.bulk_create(users, batch_size=2000)
    ReminderContact.objects.bulk_create(
        ReminderContact(
            agency=agency,
            name="督办专员",
            email=f"{spec.prefix}-desk-{agency.pk}@synthetic.invalid",
        )
        for agency in agencies
    )
    result.users, result.coordinator_username = len(users), users[0].username
    staff = User.objects.filter(username__startswith=f"{spec.prefix}-staff-")
    return dict(staff.values_list("agency_id", "id"))


def _plans(spec: SyntheticSpec, today: dt.date, coordinator: Agency) -> list[PlanContext]:
    plans = Plan.objects.bulk_create(
        Plan(
            key=f"{spec.prefix}|{number:04d}",
            title=f"{vocabulary.PLAN_TITLES[number % len(vocabulary.PLAN_TITLES)]}（合成{number}）",
            doc_number=f"合成〔{today.year - 1}〕{number}号",
            level=Plan.Level.PROVINCE,
            coordinating_agency=coordinator,
            issued_on=dt.date(today.year - 1, 3, 1) + dt.timedelta(days=number),
            period_start=today.year - 1,
            period_end=today.year + 2,
            reporting_cycle=(
                Plan.ReportingCycle.MONTHLY if number % 5 == 0 else Plan.ReportingCycle.QUARTERLY
            ),
            leader_approval_required=number % 4 == 0,
        )
        for number in range(1, spec.plans + 1)
    )
    sections = Section.objects.bulk_create(
        Section(
            plan=plan,
            ref=f"s{index + 1}",
            number=vocabulary.NUMERALS[index],
            title=vocabulary.SECTION_TITLES[index % len(vocabulary.SECTION_TITLES)],
            order=index + 1,
        )
        for plan in plans
        for index in range(SECTIONS_PER_PLAN)
    )
    return [
        PlanContext(
            plan=plan,
            schedule_base=dt.date(plan.period_start, 1, 1),
            report_due=scheduling.first_report_due(plan=plan, starting=today),
            leader_required=plan.leader_approval_required,
            section_ids=[
                s.pk for s in sections[n * SECTIONS_PER_PLAN : (n + 1) * SECTIONS_PER_PLAN]
            ],
        )
        for n, plan in enumerate(plans)
    ]
