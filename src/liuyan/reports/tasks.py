"""Background work of reports: recounting the statistics for days changed behind the actions' back,
computing the coverage figures, and e-mailing the daily brief to its subscribers."""

from datetime import date, timedelta

from django.utils import timezone
from django_tasks import task

from liuyan.reports import counts
from liuyan.reports.coverage import coverage
from liuyan.reports.subscriptions import send_daily_briefs as send


@task()
def rebuild_counts(start: str | None = None, end: str | None = None) -> int:
    """Recount days start..end (ISO dates; None: from the first / to today), e.g. after an import."""
    first = date.fromisoformat(start) if start else None
    last = date.fromisoformat(end) if end else None
    return counts.rebuild_counts(first, last)


# The daily brief of the day before goes out once the day's late figures are in.
BRIEF_SEND_HOUR = 6


@task()
def warm_coverage() -> int:
    """Compute the coverage figures (入驻) ahead of the pages; returns the places counted."""
    return sum(row.places for row in coverage(refresh=True).levels)


@task()
def send_daily_briefs(day: str) -> int:
    """E-mail the brief of `day` (ISO date) to the subscribers not yet sent it."""
    return send(date.fromisoformat(day))


@task()
def send_due_briefs() -> int:
    """From 06:00 (Asia/Shanghai), send yesterday's brief to whoever has not had it; safe to run often."""
    now = timezone.localtime()
    if now.hour < BRIEF_SEND_HOUR:
        return 0
    return send(now.date() - timedelta(days=1))
