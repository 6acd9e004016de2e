"""回访率 and 回访满意率 (reports/figures.py): counted by the actions into the count tables, the same after a
rebuild, shown on the statistics pages and answered by GET /api/v1/stats/..."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import feedback
from liuyan.board.actions.revisits import record_revisit, reopen_message
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.reports import figures
from liuyan.reports.counts import rebuild_counts
from liuyan.reports.models import DailyCount
from tests.api.openapi import assert_matches_openapi
from tests.factories import make_message

pytestmark = pytest.mark.django_db

NAMES = ("dimension", "key", "day", "revisit_base", "revisited", "revisits", "revisits_satisfied")


def replied(citizen, admin_user, title: str) -> Message:
    message = make_message(citizen, admin_user, MessageState.REPLIED, title=title)
    Message.objects.filter(pk=message.pk).update(replied_at=timezone.now() - timedelta(hours=3))
    # The count rows hold the reply where the action put it: recount after moving it behind their back.
    rebuild_counts()
    return Message.objects.get(pk=message.pk)


def visit(user, message, outcome, minutes_ago=30):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return record_revisit(user, message.id, "phone", at, "留言人谈了办理情况。", outcome)


@pytest.fixture
def board(citizen, admin_user, dispatcher):
    """Four replied messages: one closed by a happy rating and never revisited; one rated unhappy and
    revisited satisfied (closed); one rated unhappy, revisited unsatisfied twice (still awaiting); one rated
    unhappy, revisited unsatisfied and reopened (in progress: no longer calls for a revisit). Four visits."""
    happy = replied(citizen, admin_user, "路灯不亮")
    feedback.rate_message(citizen, happy.id, resolution=5, attitude=5, speed=5)
    closed = replied(citizen, admin_user, "校门口拥堵")
    feedback.rate_message(citizen, closed.id, resolution=2, attitude=4, speed=4)
    visit(dispatcher, closed, "basically_satisfied")
    waiting = replied(citizen, admin_user, "屋顶漏雨")
    feedback.rate_message(citizen, waiting.id, resolution=1, attitude=2, speed=2)
    visit(dispatcher, waiting, "unsatisfied", 40)
    visit(dispatcher, waiting, "unsatisfied", 20)
    reopened = replied(citizen, admin_user, "校车超载")
    feedback.rate_message(citizen, reopened.id, resolution=2, attitude=2, speed=2)
    visit(dispatcher, reopened, "unsatisfied")
    reopen_message(dispatcher, reopened.id, "回访不满意，重新办理。")


def national():
    return figures.read(figures.national(), figures.recent()).figures


def test_the_figures_count_the_cohort_and_the_visits(board):
    counted = national()
    # Calls for a revisit: the two closed ones and the one still awaiting; revisited: two of them.
    assert (counted.revisit_base, counted.revisited) == (3, 2)
    assert counted.revisit_rate == pytest.approx(2 / 3)
    # Four visits, one of them satisfied.
    assert (counted.revisits, counted.revisits_satisfied) == (4, 1)
    assert counted.revisit_satisfaction_rate == pytest.approx(0.25)


def test_a_rebuild_counts_them_the_same(board):
    def stored():
        return list(DailyCount.objects.order_by("dimension", "key", "day").values(*NAMES))

    before = stored()
    assert any(row["revisits"] for row in before)
    rebuild_counts()
    assert stored() == before


def test_no_revisit_no_rate(db):
    counted = national()
    assert counted.revisit_rate is None and counted.revisit_satisfaction_rate is None


def test_the_region_statistics_page_shows_them(client, board):
    html = client.get("/stats/regions/530900/").content.decode()
    section = html[html.index('id="revisits-heading"') :]
    assert "<dt>回访率</dt><dd>66.7%</dd>" in section
    assert "<dt>回访满意率</dt><dd>25%</dd>" in section
    assert "<dt>回访次数</dt><dd>4</dd>" in section


def test_the_stats_api_answers_them(client, board):
    response = client.get("/api/v1/stats/regions/530923")
    body = assert_matches_openapi(response, "GET", "/api/v1/stats/regions/{code}")
    counted = body["figures"]
    assert (counted["revisit_base"], counted["revisited"], counted["revisit_rate"]) == (3, 2, 0.6667)
    assert (counted["revisits"], counted["revisits_satisfied"]) == (4, 1)
    assert counted["revisit_satisfaction_rate"] == 0.25
    outside = client.get("/api/v1/stats/regions/110000").json()["figures"]
    assert outside["revisits"] == 0 and outside["revisit_rate"] is None
