"""Working days on the official Chinese calendar, for deadlines counted in working days (工作日).

Weekends alone are not enough: each year the State Council moves days off around the public holidays
and makes people work some weekends in exchange (调休), and publishes the schedule only late in the year
before. The `chinese_calendar` package knows the years up to its release. Holiday rows entered by an
administrator take precedence over it, which both fills in the years it does not cover yet and corrects
it; a year that neither covers falls back to Monday–Friday, with a warning in the log so that someone
enters that year's holidays.

Deadlines are on Beijing time (the project's TIME_ZONE), whatever time zone a request has activated.
"""

import logging
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from itertools import islice

import chinese_calendar
from django.utils import timezone

from liuyan.directory.models import Holiday

logger = logging.getLogger("liuyan.calendar")

# Years already reported as uncovered, so that the log says it once per process, not once per day.
_warned_years: set[int] = set()

ONE_DAY = timedelta(days=1)


def is_workday(day: date) -> bool:
    """Whether people work on `day`: an administrator's Holiday row, else the official calendar."""
    override = Holiday.objects.filter(date=day).values_list("is_workday", flat=True).first()
    return _official_workday(day) if override is None else override


def add_working_days(start: datetime, days: int) -> datetime:
    """The deadline `days` working days after `start`: the end (23:59:59.999999, Beijing time) of the
    `days`-th working day after the local date of `start`, whatever the hour of `start` and whether it
    is itself a working day. With 0 days, the end of the day of `start`.

    Reads the Holiday table once, unless an unusually long run of days off needs a second window.
    """
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    start_day = _local_date(start)
    if days == 0:
        return _end_of(start_day)
    # About 7/5 calendar days per working day plus the longest official holiday: one window in practice.
    deadline = next(islice(_working_days_after(start_day, window=days * 3 + 30), days - 1, None))
    return _end_of(deadline)


def working_days_between(start: datetime, end: datetime) -> int:
    """The working days after the local date of `start`, up to and including that of `end`; 0 if `end`
    is not after `start`. A deadline missed by this many working days: `working_days_between(deadline, now)`.
    """
    if end <= start:
        return 0
    return WorkingCalendar(_local_date(start), _local_date(end)).working_days_between(start, end)


class WorkingCalendar:
    """Working days over a span of dates, reading the Holiday rows of that span once: for counting many
    deadlines (a page of them) with one query. Outside the span, `is_workday` reads nothing and uses the
    official calendar only."""

    def __init__(self, first: date, last: date):
        self.overrides = _overrides(first, last) if first <= last else {}
        # Each day asked once: a page of deadlines years overdue asks the same thousand days per row.
        self._known: dict[date, bool] = {}

    def is_workday(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = _workday(day, self.overrides)
        return known

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """As the module's `working_days_between`, for `start` and `end` within the span."""
        first, last = _local_date(start) + ONE_DAY, _local_date(end)
        if end <= start or last < first:
            return 0
        return sum(
            self.is_workday(first + timedelta(days=offset)) for offset in range((last - first).days + 1)
        )


def _working_days_after(day: date, window: int) -> Iterator[date]:
    """The working days after `day` in order, reading the Holiday rows `window` calendar days at a time."""
    while True:
        first, last = day + ONE_DAY, day + timedelta(days=window)
        overrides = _overrides(first, last)
        while day < last:
            day += ONE_DAY
            if _workday(day, overrides):
                yield day


def _overrides(first: date, last: date) -> dict[date, bool]:
    return dict(Holiday.objects.filter(date__range=(first, last)).values_list("date", "is_workday"))


def _workday(day: date, overrides: dict[date, bool]) -> bool:
    override = overrides.get(day)
    return _official_workday(day) if override is None else override


def _official_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "The chinese_calendar package does not cover %s: working days that year are Monday to "
                "Friday except the Holiday rows entered in the admin. Enter that year's holidays.",
                day.year,
            )
        return day.weekday() < 5


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max), timezone.get_default_timezone())
