import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from liuyan.directory import calendar
from liuyan.directory.calendar import add_working_days, is_workday, working_days_between
from liuyan.directory.models import Holiday

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    """A moment in Beijing time."""
    return datetime(year, month, day, hour, tzinfo=BEIJING)


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, 999999, tzinfo=BEIJING)


def days_off(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [day for day in days if not is_workday(day)]


@pytest.fixture
def warnings_not_yet_given(monkeypatch):
    """Forget which uncovered years were already reported, so that this test sees the warning."""
    monkeypatch.setattr(calendar, "_warned_years", set())


def test_national_day_week_2025_with_its_make_up_weekend_days():
    assert days_off(date(2025, 9, 26), date(2025, 10, 12)) == [
        date(2025, 9, 27),
        *(date(2025, 10, day) for day in range(1, 9)),
        date(2025, 10, 12),
    ]
    assert is_workday(date(2025, 9, 28))  # Sunday, worked in exchange
    assert is_workday(date(2025, 10, 11))  # Saturday, worked in exchange


def test_deadlines_across_national_day_2025():
    assert add_working_days(at(2025, 9, 30, 10), 1) == end_of(2025, 10, 9)
    assert add_working_days(at(2025, 9, 30, 10), 3) == end_of(2025, 10, 11)
    # Friday afternoon before the holiday: the next working day is the make-up Sunday.
    assert add_working_days(at(2025, 9, 26, 17), 1) == end_of(2025, 9, 28)
    assert add_working_days(at(2025, 9, 30, 10), 15) == end_of(2025, 10, 28)


def test_spring_festival_2025():
    assert days_off(date(2025, 1, 24), date(2025, 2, 9)) == [
        date(2025, 1, 25),
        *(date(2025, 1, day) for day in range(28, 32)),
        *(date(2025, 2, day) for day in range(1, 5)),
        date(2025, 2, 9),
    ]
    assert add_working_days(at(2025, 1, 24, 18), 1) == end_of(2025, 1, 26)  # make-up Sunday
    assert add_working_days(at(2025, 1, 27, 16), 1) == end_of(2025, 2, 5)
    assert add_working_days(at(2025, 2, 5), 3) == end_of(2025, 2, 8)  # make-up Saturday


def test_friday_evening_and_weekend_starts_are_due_at_the_end_of_monday():
    assert add_working_days(at(2025, 3, 14, 17), 1) == end_of(2025, 3, 17)
    assert add_working_days(at(2025, 3, 14, 23), 1) == end_of(2025, 3, 17)
    assert add_working_days(at(2025, 3, 15, 10), 1) == end_of(2025, 3, 17)
    # Qingming (Friday 4 April 2025) is skipped.
    assert add_working_days(at(2025, 3, 14, 17), 15) == end_of(2025, 4, 7)


def test_the_start_counts_by_its_date_in_beijing_and_the_deadline_is_aware():
    # 17:30 UTC on Thursday is already 01:30 on Friday in Beijing.
    deadline = add_working_days(datetime(2025, 3, 13, 17, 30, tzinfo=UTC), 1)
    assert deadline == end_of(2025, 3, 17)
    assert deadline.astimezone(UTC) == datetime(2025, 3, 17, 15, 59, 59, 999999, tzinfo=UTC)


def test_a_start_on_a_holiday():
    assert add_working_days(at(2025, 10, 3, 10), 1) == end_of(2025, 10, 9)
    assert add_working_days(at(2025, 10, 3, 10), 2) == end_of(2025, 10, 10)
    assert add_working_days(at(2025, 10, 3, 10), 0) == end_of(2025, 10, 3)


def test_negative_days_and_naive_starts_are_refused():
    with pytest.raises(ValueError):
        add_working_days(at(2025, 3, 14), -1)
    with pytest.raises(ValueError):
        add_working_days(datetime(2025, 3, 14, 9), 1)


def test_an_uncovered_year_has_weekends_plus_the_holidays_an_admin_entered(caplog, warnings_not_yet_given):
    Holiday.objects.bulk_create(
        [
            Holiday(date=date(2099, 9, 27), is_workday=True, name="国庆节调休"),
            *(Holiday(date=date(2099, 10, day), name="国庆节") for day in range(1, 8)),
            Holiday(date=date(2099, 10, 10), is_workday=True, name="国庆节调休"),
        ]
    )

    with caplog.at_level(logging.WARNING, logger="liuyan.calendar"):
        assert days_off(date(2099, 9, 21), date(2099, 10, 11)) == [
            date(2099, 9, 26),
            *(date(2099, 10, day) for day in range(1, 8)),
            date(2099, 10, 11),
        ]
        assert add_working_days(at(2099, 9, 25, 17), 1) == end_of(2099, 9, 27)
        assert add_working_days(at(2099, 9, 30, 17), 1) == end_of(2099, 10, 8)
        assert add_working_days(at(2099, 10, 8, 17), 2) == end_of(2099, 10, 10)

    warnings = [r for r in caplog.records if r.name == "liuyan.calendar" and r.levelno == logging.WARNING]
    assert len(warnings) == 1, "the warning is given once per year"
    assert "2099" in warnings[0].getMessage()


def test_a_covered_year_is_not_reported(caplog, warnings_not_yet_given):
    with caplog.at_level(logging.WARNING, logger="liuyan.calendar"):
        add_working_days(at(2025, 3, 14), 15)
    assert not caplog.records


def test_an_admin_holiday_overrides_the_package():
    Holiday.objects.create(date=date(2025, 3, 17), name="临时放假")
    Holiday.objects.create(date=date(2025, 10, 8), is_workday=True, name="假期调整")

    assert not is_workday(date(2025, 3, 17))
    assert add_working_days(at(2025, 3, 14, 17), 1) == end_of(2025, 3, 18)
    assert is_workday(date(2025, 10, 8))
    assert add_working_days(at(2025, 9, 30, 10), 1) == end_of(2025, 10, 8)


def test_one_query_for_a_deadline(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(at(2025, 9, 30), 15)


def test_a_run_of_days_off_longer_than_the_first_window():
    first = date(2099, 3, 2)
    Holiday.objects.bulk_create(
        Holiday(date=day, name="长假")
        for day in (first + timedelta(days=n) for n in range(59))
        if day.weekday() < 5
    )
    # Monday 2 March to Wednesday 29 April off: the next working day is Thursday 30 April.
    assert add_working_days(at(2099, 2, 27, 17), 1) == end_of(2099, 4, 30)
    assert add_working_days(at(2099, 2, 27, 17), 2) == end_of(2099, 5, 1)
    assert working_days_between(at(2099, 2, 27), at(2099, 5, 1)) == 2


def test_working_days_between():
    deadline = end_of(2025, 9, 30)
    assert working_days_between(deadline, at(2025, 9, 30, 23)) == 0
    assert working_days_between(deadline, at(2025, 10, 8, 12)) == 0
    assert working_days_between(deadline, at(2025, 10, 9, 8)) == 1
    assert working_days_between(deadline, at(2025, 10, 13)) == 4  # 9, 10, the make-up 11th, 13
    assert working_days_between(at(2025, 9, 26), at(2025, 10, 13)) == 7
    assert working_days_between(at(2025, 10, 13), at(2025, 9, 26)) == 0
    assert working_days_between(at(2025, 10, 13), at(2025, 10, 13)) == 0


@pytest.mark.parametrize("days", [1, 2, 5, 10, 15, 30])
@pytest.mark.parametrize("start", [at(2025, 1, 24, 18), at(2025, 9, 27, 10), at(2025, 12, 31, 20)])
def test_working_days_between_undoes_add_working_days(start, days):
    deadline = add_working_days(start, days)
    assert working_days_between(start, deadline) == days
    assert working_days_between(start, deadline - timedelta(days=1)) == days - 1
