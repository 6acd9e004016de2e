"""Deadlines as staff read them on the workbench: the date, the working time left or overdue, and the
urgency class the templates colour it by."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from liuyan.board import selectors
from liuyan.board.models import Message
from liuyan.directory import calendar


@dataclass(frozen=True)
class DeadlineStatus:
    """A deadline as staff read it: the date, the working time left or overdue, and its urgency class."""

    at: datetime
    label: str
    css: str


class DeadlineClock:
    """Labels many deadlines against one moment, reading the holiday calendar once for all of them.

    Calling `liuyan.directory.calendar.working_days_between` per row would read the Holiday table once
    per deadline; one `WorkingCalendar` over the whole span reads it once.
    """

    def __init__(self, deadlines, now: datetime | None = None):
        self.now = now or timezone.now()
        days = [self._day(d) for d in deadlines if d is not None]
        today = self._day(self.now)
        first, last = min([today, *days]), max([today, *days])
        self.calendar = calendar.WorkingCalendar(first, last)

    @staticmethod
    def _day(moment: datetime):
        return timezone.localtime(moment, timezone.get_default_timezone()).date()

    def _working_days(self, start: datetime, end: datetime) -> int:
        return self.calendar.working_days_between(start, end)

    def status(self, deadline: datetime | None) -> DeadlineStatus | None:
        if deadline is None:
            return None
        left = deadline - self.now
        if left < timedelta(0):
            late = -left
            days = self._working_days(deadline, self.now) if late >= timedelta(days=1) else 0
            label = f"已超期 {days} 个工作日" if days else f"已超期 {max(1, late // timedelta(hours=1))} 小时"
            return DeadlineStatus(deadline, label, "overdue")
        days = self._working_days(self.now, deadline) if left >= timedelta(days=1) else 0
        if days:
            label = f"剩 {days} 个工作日"
        elif left < timedelta(hours=1):
            label = "剩不到 1 小时"
        else:
            label = f"剩 {left // timedelta(hours=1)} 小时"
        return DeadlineStatus(deadline, label, "due-soon" if left < selectors.DUE_SOON else "")


def with_deadlines(rows: list[Message], clock_now: datetime | None = None) -> list[Message]:
    """Marks each message with the status of the deadline it runs against now (`deadline_status`)."""
    clock = DeadlineClock([selectors.running_deadline(m) for m in rows], clock_now)
    for message in rows:
        message.deadline_status = clock.status(selectors.running_deadline(message))
    return rows
