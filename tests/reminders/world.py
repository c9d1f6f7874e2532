"""Small worlds for reminder tests, and the official calendar around National Day 2024."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from agencies.models import Agency, User
from tasks_app.models import Plan, Responsibility, WorkingDayException
from tests.factories import (
    AgencyFactory,
    PlanFactory,
    ReminderContactFactory,
    ResponsibilityFactory,
    TaskFactory,
    UserFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = Responsibility.Status


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An aware moment on a business day (Asia/Shanghai)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def national_day_2024() -> None:
    """2024: Sun 09-29 and Sat 10-12 are make-up working days (调休); 10-01…10-07 are off."""
    WorkingDayException.objects.bulk_create(
        [
            WorkingDayException(date=dt.date(2024, 9, 29), is_working_day=True, note="调休上班"),
            WorkingDayException(date=dt.date(2024, 10, 12), is_working_day=True, note="调休上班"),
            *[
                WorkingDayException(
                    date=dt.date(2024, 10, day), is_working_day=False, note="国庆节"
                )
                for day in range(1, 8)
                if dt.date(2024, 10, day).weekday() < 5
            ],
        ]
    )


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every calendar day from start to end inclusive."""
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


@dataclass
class World:
    """A plan coordinated by agency C; agency A has a 督办 desk, a leader and a staff member."""

    plan: Plan
    coordinating: Agency
    coordinator: User
    agency: Agency
    desk: str
    leader: User
    staff: User

    def item(self, *, agency: Agency | None = None, **fields) -> Responsibility:
        """A lead responsibility of `agency` (default A) on a new task of the plan."""
        fields.setdefault("status", S.IN_PROGRESS)
        fields.setdefault("assigned_at", at(dt.date(2024, 9, 2)))
        task = TaskFactory(plan=self.plan, due_on=fields.pop("task_due_on", dt.date(2026, 12, 31)))
        return ResponsibilityFactory(task=task, agency=agency or self.agency, **fields)


def world(*, name: str = "a") -> World:
    coordinating = AgencyFactory(short_name=f"省发展改革委{name}")
    plan = PlanFactory(coordinating_agency=coordinating, title=f"江苏省未来产业行动方案{name}")
    agency = AgencyFactory(short_name=f"省科技厅{name}")
    desk = f"desk-{name}@example.org"
    ReminderContactFactory(agency=agency, name="督办专员", email=desk)
    return World(
        plan=plan,
        coordinating=coordinating,
        coordinator=UserFactory(
            agency=coordinating,
            role=User.Role.COORDINATOR,
            email=f"coordinator-{name}@example.org",
            last_name="王",
            first_name="督办",
        ),
        agency=agency,
        desk=desk,
        leader=UserFactory(
            agency=agency, role=User.Role.LEADER, email=f"leader-{name}@example.org"
        ),
        staff=UserFactory(agency=agency, role=User.Role.STAFF, email=f"staff-{name}@example.org"),
    )
