"""reports/figures.py and the 超期未回复 figure: the periods as pages name them, and the one-off recount that
migration reports 0004 runs for tables counted before the figure existed."""

from datetime import date

import pytest

from liuyan.board.choices import MessageState
from liuyan.reports import figures
from liuyan.reports.counts import recount_overdue
from liuyan.reports.models import DailyCount
from tests.factories import make_message

pytestmark = pytest.mark.django_db


def overdue_rows() -> dict:
    return {(row.dimension, row.key, row.day): row.overdue for row in DailyCount.objects.exclude(overdue=0)}


def test_recount_overdue_puts_back_what_the_actions_counted(citizen, admin_user):
    make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    make_message(citizen, admin_user, MessageState.ASSIGNED, inside=False)
    make_message(citizen, admin_user, MessageState.REPLIED)
    counted = overdue_rows()
    assert sum(value for (dimension, _key, _day), value in counted.items() if dimension == "national") == 2
    DailyCount.objects.update(overdue=0)
    DailyCount.objects.filter(dimension="leader").update(overdue=7)  # stale values are replaced, not added to
    recount_overdue()
    assert overdue_rows() == counted


def test_periods_are_labelled_with_their_days():
    today = date(2026, 12, 3)
    assert figures.recent(today=today).label == "近一年（2025-12-04 至 2026-12-03）"
    assert figures.recent(30, today).label == "近30天（2026-11-04 至 2026-12-03）"
    assert figures.today_only(today).label == "今日（2026-12-03）"
    assert figures.all_time(today).label == "累计（截至 2026-12-03）"
