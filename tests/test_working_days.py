"""The official working-day calendar: seeded from chinese_calendar, answered in pure Python.

Real arrangements used below (国务院办公厅节假日安排):
- 2024 国庆节: 10-01…10-07 off; Sun 09-29 and Sat 10-12 are make-up working days (调休上班).
- 2025 春节: 01-28…02-04 off; Sun 01-26 and Sat 02-08 are make-up working days.
- 2026 春节: 02-15…02-23 off, Sat 02-14 and Sat 02-28 worked; 2026 国庆节: 10-01…10-07 off,
  Sun 09-20 and Sat 10-10 worked.
"""

import datetime as dt
import io
import re

import chinese_calendar
import pytest
import time_machine
from chinese_calendar import Holiday
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks_app.errors import InvalidInput
from tasks_app.models import WorkingDayException
from tasks_app.working_days import (
    HOLIDAY_NAMES,
    WorkingCalendar,
    calendar_missing_years,
    seedable_years,
    working_calendar,
    working_days_seed,
)

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    working_days_seed(from_year=2024, to_year=2026)


@pytest.fixture
def calendar(seeded) -> WorkingCalendar:
    return WorkingCalendar.load()


def _rows(start: dt.date, end: dt.date) -> dict[dt.date, tuple[bool, str]]:
    rows = WorkingDayException.objects.filter(date__range=(start, end))
    return {row.date: (row.is_working_day, row.note) for row in rows}


# Seeding


def test_seeding_records_national_day_2024_on_weekdays_and_its_make_up_days(seeded):
    off = (False, "国庆节")
    assert _rows(D(2024, 9, 28), D(2024, 10, 13)) == {
        D(2024, 9, 29): (True, "调休上班"),
        D(2024, 10, 1): off,
        D(2024, 10, 2): off,
        D(2024, 10, 3): off,
        D(2024, 10, 4): off,
        # 10-05 and 10-06 are a weekend: off anyway, no row.
        D(2024, 10, 7): off,
        D(2024, 10, 12): (True, "调休上班"),
    }


def test_seeding_records_spring_festival_2025(seeded):
    off = (False, "春节")
    assert _rows(D(2025, 1, 25), D(2025, 2, 9)) == {
        D(2025, 1, 26): (True, "调休上班"),
        D(2025, 1, 28): off,
        D(2025, 1, 29): off,
        D(2025, 1, 30): off,
        D(2025, 1, 31): off,
        D(2025, 2, 3): off,
        D(2025, 2, 4): off,
        D(2025, 2, 8): (True, "调休上班"),
    }


def test_seeding_covers_national_day_2026(seeded):
    off = (False, "国庆节")
    assert _rows(D(2026, 9, 19), D(2026, 10, 11)) == {
        D(2026, 9, 20): (True, "调休上班"),
        D(2026, 9, 25): (False, "中秋节"),
        D(2026, 10, 1): off,
        D(2026, 10, 2): off,
        D(2026, 10, 5): off,
        D(2026, 10, 6): off,
        D(2026, 10, 7): off,
        D(2026, 10, 10): (True, "调休上班"),
    }


def test_seeding_twice_creates_and_updates_nothing_the_second_time():
    created, updated = working_days_seed(from_year=2024, to_year=2026)

    again = working_days_seed(from_year=2024, to_year=2026)

    assert (updated, again) == (0, (0, 0))
    assert created == WorkingDayException.objects.count()
    assert created == 27 + 23 + 25  # weekday holidays and 调休 weekends of 2024, 2025, 2026


def test_seeding_restores_an_edited_official_day_and_counts_it_as_updated(seeded):
    WorkingDayException.objects.filter(date=D(2024, 10, 1)).update(note="改过的说明")

    result = working_days_seed(from_year=2024, to_year=2026)

    assert result == (0, 1)
    assert _rows(D(2024, 10, 1), D(2024, 10, 1)) == {D(2024, 10, 1): (False, "国庆节")}


def test_seeding_never_deletes_days_an_administrator_added():
    WorkingDayException.objects.create(date=D(2030, 1, 2), is_working_day=False, note="手工")
    WorkingDayException.objects.create(date=D(2024, 11, 13), is_working_day=False, note="地方")

    working_days_seed(from_year=2024, to_year=2026)

    assert _rows(D(2030, 1, 2), D(2030, 1, 2)) == {D(2030, 1, 2): (False, "手工")}
    assert _rows(D(2024, 11, 13), D(2024, 11, 13)) == {D(2024, 11, 13): (False, "地方")}


def test_seeding_refuses_years_the_installed_package_does_not_cover():
    _, last = seedable_years()

    with pytest.raises(InvalidInput):
        working_days_seed(from_year=2024, to_year=last + 1)

    assert WorkingDayException.objects.count() == 0


def test_the_installed_package_covers_2018_to_2026():
    first, last = seedable_years()

    assert first <= 2018
    assert last >= 2026


def test_every_holiday_the_package_knows_has_a_chinese_name():
    assert set(HOLIDAY_NAMES) == {holiday.value for holiday in Holiday}


def test_the_command_prints_a_chinese_summary():
    out = io.StringIO()

    call_command("seed_working_days", "--from-year", "2025", "--to-year", "2025", stdout=out)

    assert out.getvalue() == "节假日与调休（2025–2025 年）：新建 23 条，更新 0 条。\n"


def test_the_command_explains_a_year_it_cannot_seed():
    _, last = seedable_years()

    with pytest.raises(CommandError, match=f"只有 2004–{last} 年"):
        call_command("seed_working_days", "--to-year", str(last + 1), stdout=io.StringIO())


# Questions answered by the calendar


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 9, 28), False),  # Saturday before the make-up Sunday
        (D(2024, 9, 29), True),  # Sunday, 调休上班
        (D(2024, 9, 30), True),
        *[(D(2024, 10, day), False) for day in range(1, 8)],
        (D(2024, 10, 8), True),
        (D(2024, 10, 12), True),  # Saturday, 调休上班
        (D(2024, 10, 13), False),
        (D(2025, 1, 26), True),  # Sunday, 调休上班
        (D(2025, 1, 27), True),
        *[(D(2025, 1, day), False) for day in range(28, 32)],
        *[(D(2025, 2, day), False) for day in range(1, 5)],
        (D(2025, 2, 5), True),
        (D(2025, 2, 8), True),  # Saturday, 调休上班
        (D(2026, 2, 14), True),
        (D(2026, 2, 16), False),
        (D(2026, 2, 28), True),
    ],
)
def test_is_working_day_around_holidays(calendar, day, expected):
    assert calendar.is_working_day(day) is expected


def test_a_plain_weekend_is_not_a_working_day(calendar):
    assert calendar.is_working_day(D(2024, 11, 16)) is False  # Saturday
    assert calendar.is_working_day(D(2024, 11, 17)) is False  # Sunday


def test_a_plain_weekday_is_a_working_day(calendar):
    assert calendar.is_working_day(D(2024, 11, 13)) is True  # Wednesday


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2024, 9, 30), 1, D(2024, 10, 8)),  # across the whole holiday
        (D(2024, 9, 27), 1, D(2024, 9, 29)),  # Friday → the make-up Sunday
        (D(2024, 10, 11), 1, D(2024, 10, 12)),  # Friday → the make-up Saturday
        (D(2024, 10, 12), 1, D(2024, 10, 14)),
        (D(2024, 9, 27), 10, D(2024, 10, 16)),
        (D(2024, 10, 3), 1, D(2024, 10, 8)),  # from inside the holiday
        (D(2025, 1, 24), 1, D(2025, 1, 26)),
        (D(2025, 1, 27), 1, D(2025, 2, 5)),
        (D(2025, 2, 7), 1, D(2025, 2, 8)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),  # Fri → Sat 02-14 → Tue 02-24
        (D(2024, 11, 13), 250, D(2025, 11, 17)),  # checked with chinese_calendar.is_workday
    ],
)
def test_add_counts_working_days_forward(calendar, start, n, expected):
    assert calendar.add(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2024, 10, 8), -1, D(2024, 9, 30)),
        (D(2024, 10, 9), -3, D(2024, 9, 29)),  # 10-08, 09-30, the make-up Sunday 09-29
        (D(2024, 10, 5), -1, D(2024, 9, 30)),  # from inside the holiday
        (D(2024, 10, 14), -1, D(2024, 10, 12)),  # the make-up Saturday
        (D(2025, 2, 5), -1, D(2025, 1, 27)),
        (D(2025, 2, 5), -2, D(2025, 1, 26)),
        (D(2025, 11, 17), -250, D(2024, 11, 13)),
    ],
)
def test_add_counts_working_days_backward(calendar, start, n, expected):
    assert calendar.add(start, n) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (D(2024, 10, 8), D(2024, 10, 8)),  # a working day stays
        (D(2024, 9, 29), D(2024, 9, 29)),  # so does a make-up Sunday
        (D(2024, 10, 3), D(2024, 10, 8)),  # a holiday rolls forward
        (D(2024, 11, 16), D(2024, 11, 18)),  # so does a plain Saturday
    ],
)
def test_add_zero_is_the_day_itself_or_the_next_working_day(calendar, start, expected):
    assert calendar.add(start, 0) == expected


def test_next_and_previous_working_day_skip_the_holiday(calendar):
    assert calendar.next_working_day(D(2024, 9, 30)) == D(2024, 10, 8)
    assert calendar.previous_working_day(D(2024, 10, 8)) == D(2024, 9, 30)
    assert calendar.previous_working_day(D(2024, 9, 30)) == D(2024, 9, 29)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2024, 9, 27), D(2024, 10, 16), 10),
        (D(2024, 10, 16), D(2024, 9, 27), -10),
        (D(2024, 9, 30), D(2024, 10, 7), 0),  # only holidays in (a, b]
        (D(2024, 9, 30), D(2024, 10, 8), 1),
        (D(2024, 10, 8), D(2024, 10, 8), 0),
        (D(2025, 1, 24), D(2025, 2, 10), 7),  # 01-26, 01-27, 02-05, 02-06, 02-07, 02-08, 02-10
        (D(2024, 11, 13), D(2025, 11, 17), 250),
    ],
)
def test_between_counts_working_days_after_a_up_to_b(calendar, a, b, expected):
    assert calendar.between(a, b) == expected


def _naive_add(calendar: WorkingCalendar, start: dt.date, n: int) -> dt.date:
    day, step = start, (1 if n > 0 else -1)
    if n == 0:
        while not calendar.is_working_day(day):
            day += dt.timedelta(days=1)
        return day
    for _ in range(abs(n)):
        day += dt.timedelta(days=step)
        while not calendar.is_working_day(day):
            day += dt.timedelta(days=step)
    return day


def _naive_between(calendar: WorkingCalendar, a: dt.date, b: dt.date) -> int:
    low, high, sign = (a, b, 1) if a <= b else (b, a, -1)
    days = ((low + dt.timedelta(days=i + 1)) for i in range((high - low).days))
    return sign * sum(calendar.is_working_day(day) for day in days)


def test_add_and_between_agree_with_counting_day_by_day(calendar):
    days = [D(2024, 9, 1) + dt.timedelta(days=i) for i in range(60)]
    days += [D(2025, 1, 10) + dt.timedelta(days=i) for i in range(45)]

    for day in days:
        for n in range(-15, 16):
            assert calendar.add(day, n) == _naive_add(calendar, day, n), (day, n)
        for other in days[::7]:
            assert calendar.between(day, other) == _naive_between(calendar, day, other)


def test_an_exception_added_by_an_administrator_changes_the_answer(seeded):
    WorkingDayException.objects.create(date=D(2024, 11, 13), is_working_day=False, note="地方")

    calendar = working_calendar()

    assert calendar.is_working_day(D(2024, 11, 13)) is False
    assert calendar.add(D(2024, 11, 12), 1) == D(2024, 11, 14)
    assert calendar.between(D(2024, 11, 11), D(2024, 11, 15)) == 3


def test_without_exceptions_the_monday_to_friday_rule_applies():
    calendar = WorkingCalendar()

    assert calendar.add(D(2024, 9, 27), 1) == D(2024, 9, 30)
    assert calendar.between(D(2024, 9, 27), D(2024, 10, 4)) == 5


def test_a_calendar_loaded_for_a_range_knows_only_the_exceptions_in_it(seeded):
    calendar = WorkingCalendar.load(start=D(2024, 10, 1), end=D(2024, 10, 31))

    assert calendar.is_working_day(D(2024, 10, 12)) is True
    assert calendar.is_working_day(D(2024, 9, 29)) is False  # outside: Monday–Friday rule


def test_loading_runs_one_query_and_arithmetic_runs_none(seeded, django_assert_num_queries):
    with django_assert_num_queries(1):
        calendar = WorkingCalendar.load()

    with django_assert_num_queries(0):
        for offset in range(2000):
            start = D(2024, 1, 1) + dt.timedelta(days=offset % 900)
            calendar.add(start, offset % 21 - 10)
            calendar.between(start, D(2025, 6, 30))
            calendar.is_working_day(start)


# Admin


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_user(
        username="root", password="pw", is_staff=True, is_superuser=True
    )


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(username="staff", password="pw", is_staff=True)


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user(username="outsider", password="pw")


@pytest.fixture
def national_day(seeded) -> WorkingDayException:
    return WorkingDayException.objects.get(date=D(2024, 10, 1))


def _change_url(row: WorkingDayException) -> str:
    return reverse("admin:tasks_app_workingdayexception_change", args=[row.pk])


CHANGELIST = "admin:tasks_app_workingdayexception_changelist"
ADD = "admin:tasks_app_workingdayexception_add"


def test_superuser_may_change_an_exception(client, superuser, national_day):
    client.force_login(superuser)

    response = client.post(
        _change_url(national_day), {"date": "2024-10-01", "is_working_day": "", "note": "国庆"}
    )

    assert response.status_code == 302
    national_day.refresh_from_db()
    assert (national_day.is_working_day, national_day.note) == (False, "国庆")


def test_superuser_is_told_when_the_working_day_box_is_ticked_the_wrong_way(client, superuser):
    client.force_login(superuser)

    response = client.post(
        reverse(ADD), {"date": "2024-11-13", "is_working_day": "on", "note": "地方假日"}
    )

    assert response.status_code == 200
    assert "本来就是工作日" in response.content.decode()
    assert WorkingDayException.objects.count() == 0


def test_staff_may_view_the_list_with_chinese_weekdays(client, staff, seeded):
    client.force_login(staff)

    response = client.get(reverse(CHANGELIST), {"year": "2024"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 27
    assert "周二" in response.content.decode()  # 2024-10-01


def test_staff_may_open_an_exception_read_only(client, staff, national_day):
    client.force_login(staff)

    response = client.get(_change_url(national_day))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def test_staff_may_not_change_add_or_delete(client, staff, national_day):
    client.force_login(staff)

    change = client.post(
        _change_url(national_day), {"date": "2024-10-01", "is_working_day": "", "note": "改"}
    )
    add = client.get(reverse(ADD))
    delete = client.post(
        reverse("admin:tasks_app_workingdayexception_delete", args=[national_day.pk]),
        {"post": "yes"},
    )

    assert (change.status_code, add.status_code, delete.status_code) == (403, 403, 403)
    national_day.refresh_from_db()
    assert national_day.note == "国庆节"


def test_a_non_staff_user_gets_nothing(client, outsider, national_day):
    client.force_login(outsider)

    listing = client.get(reverse(CHANGELIST))
    change = client.get(_change_url(national_day))

    login = reverse("admin:login")
    assert listing.status_code == change.status_code == 302
    assert listing.url.startswith(login)
    assert change.url.startswith(login)


def test_the_list_runs_the_same_number_of_queries_for_one_year_and_three(client, superuser):
    client.force_login(superuser)
    working_days_seed(from_year=2025, to_year=2025)
    with CaptureQueriesContext(connection) as one_year:
        client.get(reverse(CHANGELIST))

    working_days_seed(from_year=2024, to_year=2026)
    with CaptureQueriesContext(connection) as three_years:
        client.get(reverse(CHANGELIST))

    assert len(three_years) == len(one_year)


def test_every_day_of_the_seeded_years_agrees_with_chinese_calendar(calendar):
    day = D(2024, 1, 1)
    while day <= D(2026, 12, 31):
        assert calendar.is_working_day(day) is chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


# --- A year missing from the calendar is shown before it bites ------------------------------


def _enter(year: int) -> None:
    # National Day falls on a weekday in these years' Octobers often enough; any weekday works.
    day = dt.date(year, 10, 1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    WorkingDayException.objects.create(date=day, is_working_day=False, note="国庆节")


def test_the_current_year_without_any_exception_is_missing():
    assert calendar_missing_years(today=dt.date(2026, 6, 1)) == [2026]
    _enter(2026)
    assert calendar_missing_years(today=dt.date(2026, 6, 1)) == []


def test_from_november_the_next_year_must_be_entered_too():
    _enter(2026)

    assert calendar_missing_years(today=dt.date(2026, 10, 31)) == []
    assert calendar_missing_years(today=dt.date(2026, 11, 1)) == [2027]
    _enter(2027)
    assert calendar_missing_years(today=dt.date(2026, 12, 31)) == []


@pytest.mark.parametrize(
    ("role", "url", "link"),
    [
        ("coordinator", reverse("admin:tasks_app_dashboard"), False),
        ("admin", reverse("admin:index"), True),
    ],
)
def test_coordinators_and_administrators_are_warned_of_a_missing_year(client, role, url, link):
    from tests.factories import admin_world

    w = admin_world()
    _enter(2026)
    client.force_login(getattr(w, role))

    with time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC), tick=False):
        warned = client.get(url).content.decode()
        _enter(2027)
        entered = client.get(url).content.decode()

    [warning] = re.findall(
        r'<p class="errornote" id="duban-calendar-warning">.*?</p>', warned, re.S
    )
    assert "2027 年的法定节假日与调休尚未登记" in warning
    calendar_link = reverse("admin:tasks_app_workingdayexception_changelist")
    assert (f'href="{calendar_link}"' in warning) is link  # only administrators may enter it
    assert 'id="duban-calendar-warning"' not in entered


def test_a_sweep_in_a_year_missing_from_the_calendar_logs_a_warning(caplog):
    from tasks_app.reminders.sweep import reminders_sweep_run

    with caplog.at_level("WARNING", logger="tasks_app.reminders.sweep"):
        reminders_sweep_run(day=dt.date(2026, 6, 3), enqueue=False)

    assert "工作日历缺少 2026 年的法定节假日与调休" in caplog.text
