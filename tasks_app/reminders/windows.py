"""Working-day arithmetic for the rules, done once per sweep in Python, so that the database only
compares dates with ranges (index-friendly, no calendar logic in SQL).

A rule "fires today" for the items whose anchor date (deadline, assignment, report due date…)
falls in one of a few half-open date ranges [start, end). Each range carries the step it stands
for (3 working days before, the 6th working day overdue…), which becomes the ledger's period.
Today must be a working day; the sweep does not run on other days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """Anchors in [start, end) fire today, as step `step` of their rule."""

    start: dt.date
    end: dt.date
    step: int


@dataclass
class Clock:
    """Today and the working days around it, computed lazily from the official calendar."""

    calendar: object  # tasks_app.working_days.WorkingCalendar
    today: dt.date
    _before: list[dt.date] = field(default_factory=list)

    def back(self, count: int) -> dt.date:
        """The `count`-th working day before today (today itself for 0)."""
        if count == 0:
            return self.today
        while len(self._before) < count:
            last = self._before[-1] if self._before else self.today
            self._before.append(self.calendar.add(last, -1))
        return self._before[count - 1]

    def ahead(self, count: int) -> dt.date:
        """The `count`-th working day after today."""
        return self.calendar.add(self.today, count)


def before_deadline(clock: Clock, *, offsets: tuple[int, ...]) -> list[Window]:
    """Deadlines with exactly n working days left after today (today excluded, the deadline
    included), for each n in `offsets`: deadline in [ahead(n), ahead(n+1))."""
    return [Window(clock.ahead(n), clock.ahead(n + 1), n) for n in offsets if n > 0]


def after_deadline(clock: Clock, *, first: int, every: int, oldest: dt.date | None) -> list[Window]:
    """Deadlines passed by k working days (counting today, not the deadline), for k = first,
    first + every, …: deadline in [back(k), back(k-1)). With first=1 this is the first working day
    after the deadline. Stops at the oldest deadline that exists (`oldest`)."""
    if oldest is None:
        return []
    windows = []
    step = first
    while clock.back(step - 1) > oldest:
        windows.append(Window(clock.back(step), clock.back(step - 1), step))
        step += every
    return windows


def after_start(clock: Clock, *, first: int, every: int, oldest: dt.date | None) -> list[Window]:
    """Starts (e.g. assignment dates) k working days ago, counting the start day if it is a working
    day and not today, for k = first, first + every, …: start in (back(k+1), back(k)]."""
    if oldest is None:
        return []
    windows = []
    step = first
    while clock.back(step) >= oldest:
        windows.append(Window(clock.back(step + 1) + ONE_DAY, clock.back(step) + ONE_DAY, step))
        step += every
    return windows
