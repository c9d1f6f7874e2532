"""`manage.py bootstrap`: what `make run` loads into a fresh database, and that running it again
changes nothing — neither duplicates nor overwrites of what users have since edited."""

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Agency, AgencyAlias, User
from tasks_app.models import Plan, PlanIssuer, Responsibility, Target, Task, WorkingDayException


def bootstrap(*args) -> str:
    out = io.StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = (Agency, AgencyAlias, Plan, PlanIssuer, Task, Responsibility, Target, User)
    return {m.__name__: m.objects.count() for m in models} | {
        "WorkingDayException": WorkingDayException.objects.count()
    }


@pytest.mark.django_db
def test_bootstrap_loads_agencies_every_plan_and_the_holiday_calendar():
    bootstrap()

    # Five source documents, four plans: seed 002 is another scrape of seed 000's plan.
    assert Plan.objects.count() == 4
    assert Agency.objects.filter(short_name="省科技厅").exists()
    # Seed 003's 25 actions each name a lead and are implemented by the 13 cities.
    assert Responsibility.objects.filter(role=Responsibility.Role.LEAD).count() >= 25
    assert Responsibility.objects.filter(role=Responsibility.Role.IMPLEMENTING).count() >= 25 * 13
    # 2024-10-01 is National Day (a weekday holiday); 2024-10-12 a 调休 working Saturday.
    assert WorkingDayException.objects.get(date=dt.date(2024, 10, 1)).is_working_day is False
    assert WorkingDayException.objects.get(date=dt.date(2024, 10, 12)).is_working_day is True


@pytest.mark.django_db
def test_running_bootstrap_twice_duplicates_nothing_and_keeps_edits(settings):
    settings.DEBUG = True
    bootstrap("--demo")
    before = row_counts()
    responsibility = Responsibility.objects.filter(role=Responsibility.Role.LEAD).first()
    responsibility.due_on = dt.date(2030, 1, 31)
    responsibility.save(update_fields=["due_on"])
    holiday = WorkingDayException.objects.get(date=dt.date(2024, 10, 1))
    holiday.note = "管理员改过"
    holiday.save(update_fields=["note"])

    output = bootstrap("--demo")

    assert row_counts() == before
    responsibility.refresh_from_db()
    holiday.refresh_from_db()
    assert responsibility.due_on == dt.date(2030, 1, 31)
    assert holiday.note == "管理员改过"
    assert "密码" not in output.replace("密码只在首次创建时打印", "")


@pytest.mark.django_db
def test_demo_accounts_are_printed_once_and_can_log_in(settings, client):
    settings.DEBUG = True
    output = bootstrap("--demo")

    passwords = dict(re.findall(r"^\s+(\w+)\s+密码 (\S+)", output, flags=re.MULTILINE))
    assert set(passwords) == {"admin", "duban", "keji", "keji_lingdao", "jiaoyu"}
    assert User.objects.get(username="keji").agency.short_name == "省科技厅"
    assert client.login(username="keji", password=passwords["keji"])


@pytest.mark.django_db
def test_demo_accounts_are_refused_outside_debug_and_nothing_is_created(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="本地调试模式"):
        bootstrap("--demo")

    assert not User.objects.exists()
