"""The official working-day calendar (工作日) of the service.

A day is a working day when it is Monday to Friday, unless a WorkingDayException says otherwise:
public holidays that fall on weekdays are off, and the weekend days worked in exchange for them
(调休上班) are working days. `WorkingCalendar` loads the exceptions with one query and then answers
in pure Python, so a request or a sweep loads it once and asks as often as it likes.

The exceptions are seeded from the `chinese_calendar` package (`working_days_seed`) and can be
corrected by administrators in the admin.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping

import chinese_calendar
from chinese_calendar import Holiday
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import InvalidInput
from .models import WorkingDayException

WEEKDAY_NAMES = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)
MAKE_UP_NOTE = "调休上班"
# chinese_calendar names holidays in English; the notes people read are Chinese.
HOLIDAY_NAMES = {
    Holiday.new_years_day.value: "元旦",
    Holiday.spring_festival.value: "春节",
    Holiday.tomb_sweeping_day.value: "清明节",
    Holiday.labour_day.value: "劳动节",
    Holiday.dragon_boat_festival.value: "端午节",
    Holiday.national_day.value: "国庆节",
    Holiday.mid_autumn_festival.value: "中秋节",
    Holiday.anti_fascist_70th_day.value: "抗战胜利70周年纪念日",
}


def _weekdays_through(ordinal: int) -> int:
    """Mondays to Fridays from 0001-01-01 (a Monday, ordinal 1) through `ordinal`, inclusive."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


class WorkingCalendar:
    """Working-day arithmetic over a fixed set of exceptions to the Monday–Friday rule.

    Every method is pure Python: `is_working_day` is a set lookup, `between` a few binary searches
    over the exceptions, `add` a binary search over dates (O(log |n|) steps of O(log exceptions)).
    Dates for which no exception was loaded follow the Monday–Friday rule.
    """

    def __init__(self, exceptions: Mapping[dt.date, bool] | None = None) -> None:
        """`exceptions` maps a date to whether it is a working day. Entries that agree with the
        Monday–Friday rule (a working weekday, a weekend day off) change nothing and are dropped."""
        exceptions = exceptions or {}
        self._days_off = frozenset(
            day for day, working in exceptions.items() if not working and day.weekday() < 5
        )
        self._days_on = frozenset(
            day for day, working in exceptions.items() if working and day.weekday() >= 5
        )
        self._off_ordinals = sorted(day.toordinal() for day in self._days_off)
        self._on_ordinals = sorted(day.toordinal() for day in self._days_on)

    @classmethod
    def load(cls, *, start: dt.date | None = None, end: dt.date | None = None) -> WorkingCalendar:
        """The calendar from WorkingDayException, in one query. With `start`/`end` only the
        exceptions in [start, end] are loaded; outside that range the Monday–Friday rule applies,
        so give a range wide enough for every date the caller will compute."""
        rows = WorkingDayException.objects.all()
        if start is not None:
            rows = rows.filter(date__gte=start)
        if end is not None:
            rows = rows.filter(date__lte=end)
        return cls(dict(rows.values_list("date", "is_working_day")))

    def is_working_day(self, d: dt.date) -> bool:
        """Whether `d` is an official working day."""
        if d.weekday() < 5:
            return d not in self._days_off
        return d in self._days_on

    def _through(self, ordinal: int) -> int:
        """Working days from 0001-01-01 through the day `ordinal`, inclusive."""
        return (
            _weekdays_through(ordinal)
            - bisect_right(self._off_ordinals, ordinal)
            + bisect_right(self._on_ordinals, ordinal)
        )

    def between(self, a: dt.date, b: dt.date) -> int:
        """The number of working days in (a, b]: `a` excluded, `b` included. When b < a, minus
        the number in (b, a], so that between(a, b) == -between(b, a) and between(a, a) == 0."""
        return self._through(b.toordinal()) - self._through(a.toordinal())

    def add(self, d: dt.date, n: int) -> dt.date:
        """The working day `n` working days away from `d` (`d` itself is never one of the n):

        - n > 0: the n-th working day after `d` (add(d, 1) is the next working day);
        - n < 0: the |n|-th working day before `d` (add(d, -1) is the previous working day);
        - n = 0: `d` if it is a working day, otherwise the next working day.

        Whether or not `d` is a working day, the result always is one. For n > 0,
        between(d, add(d, n)) == n; for n < 0 the same holds when `d` is a working day.
        """
        ordinal = d.toordinal()
        # The answer is the first day by which `target` working days have passed. Going forward
        # we count from d; going back (or n = 0) from the day before, so that d is step 0.
        start = ordinal if n > 0 else ordinal - 1
        target = self._through(start) + (n if n > 0 else n + 1)
        guess = ordinal + n * 7 // 5  # five working days a week, give or take the exceptions
        return dt.date.fromordinal(self._first_reaching(target, near=guess))

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day after `d` (d excluded)."""
        return self.add(d, 1)

    def previous_working_day(self, d: dt.date) -> dt.date:
        """The last working day before `d` (d excluded)."""
        return self.add(d, -1)

    def _first_reaching(self, target: int, *, near: int) -> int:
        """The first day (as an ordinal) by which `target` working days have passed since
        0001-01-01; it is a working day. `near` is a guess: the search widens from it
        exponentially, then bisects."""
        low = high = near
        step = 1
        while self._through(high) < target:
            low, high = high, high + step
            step *= 2
        step = 1
        while self._through(low) >= target:
            high, low = low, low - step
            step *= 2
        # Now _through(low) < target <= _through(high).
        while high - low > 1:
            middle = (low + high) // 2
            if self._through(middle) >= target:
                high = middle
            else:
                low = middle
        return high


def working_calendar() -> WorkingCalendar:
    """The whole official calendar, loaded now (one query); load it once per request or sweep."""
    return WorkingCalendar.load()


def calendar_missing_years(*, today: dt.date) -> list[int]:
    """The years the service is working in whose official holidays are not in the calendar: this
    year and, from November, the next (the State Council publishes a year's schedule in the
    autumn before). Every real year has some exception, so a year without any was never entered;
    its holidays would count as working days (deadlines, colours, reminders)."""
    years = [today.year, today.year + 1] if today.month >= 11 else [today.year]
    entered = WorkingDayException.objects.filter(
        date__range=(dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31))
    ).dates("date", "year")
    known = {day.year for day in entered}
    return [year for year in years if year not in known]


def seedable_years() -> tuple[int, int]:
    """The first and last year the installed chinese_calendar has official data for."""
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


def official_exceptions(*, from_year: int, to_year: int) -> dict[dt.date, tuple[bool, str]]:
    """The official exceptions to the Monday–Friday rule in the years, as
    {date: (is_working_day, note)}: weekday holidays by their Chinese name, 调休 weekends."""
    first, last = seedable_years()
    if from_year > to_year:
        raise InvalidInput(
            _("起始年份 %(from_year)s 晚于结束年份 %(to_year)s。")
            % {"from_year": from_year, "to_year": to_year}
        )
    if from_year < first or to_year > last:
        raise InvalidInput(
            _(
                "已安装的 chinesecalendar %(version)s 只有 %(first)s–%(last)s 年的官方安排，"
                "无法导入 %(from_year)s–%(to_year)s 年；请升级该软件包或缩小年份范围。"
            )
            % {
                "version": chinese_calendar.__version__,
                "first": first,
                "last": last,
                "from_year": from_year,
                "to_year": to_year,
            }
        )
    start, end = dt.date(from_year, 1, 1), dt.date(to_year, 12, 31)
    wanted: dict[dt.date, tuple[bool, str]] = {}
    for day in chinese_calendar.get_holidays(start, end, include_weekends=False):
        if day.weekday() < 5:
            _holiday, name = chinese_calendar.get_holiday_detail(day)
            wanted[day] = (False, HOLIDAY_NAMES.get(name, name))
    for day in chinese_calendar.get_workdays(start, end, include_weekends=True):
        if day.weekday() >= 5:
            wanted[day] = (True, MAKE_UP_NOTE)
    return wanted


def working_days_seed(*, from_year: int, to_year: int) -> tuple[int, int]:
    """Bring WorkingDayException in line with the official calendar for the years, in one
    transaction; returns (created, updated). Running it again changes nothing. Rows the official
    calendar does not mention (other years, or days an administrator added) are left alone; rows
    for official exceptions are set to the official values."""
    wanted = official_exceptions(from_year=from_year, to_year=to_year)
    years = (dt.date(from_year, 1, 1), dt.date(to_year, 12, 31))
    with transaction.atomic():
        rows = WorkingDayException.objects.select_for_update().filter(date__range=years)
        existing = {row.date: row for row in rows}
        created, changed = [], []
        for day, (is_working_day, note) in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                created.append(
                    WorkingDayException(date=day, is_working_day=is_working_day, note=note)
                )
            elif (row.is_working_day, row.note) != (is_working_day, note):
                row.is_working_day, row.note = is_working_day, note
                changed.append(row)
        WorkingDayException.objects.bulk_create(created)
        WorkingDayException.objects.bulk_update(changed, ["is_working_day", "note"])
    return len(created), len(changed)
