"""One source for every figure (reports/figures.py): the figures of one region over one period read the same
on the region's page, its leader's workbench, its statistics page and the stats API, with the period stated
beside them; 按期回复率 counts a message left unanswered past its deadline against it."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from liuyan.board.actions import feedback
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.reports import figures as counted
from liuyan.reports import stats
from liuyan.reports.counts import rebuild_counts
from liuyan.web.presenters.figures import cards
from tests.factories import make_message

pytestmark = pytest.mark.django_db


def shown_figures(response) -> tuple[str, dict[str, str]]:
    """The period stated beside a page's figures, and its cards (label → value)."""
    assert response.status_code == 200
    html = response.content.decode()
    period = re.search(r'<p class="figures-period">统计时间：(.*?)</p>', html).group(1)
    block = re.search(r'<dl class="figures public-figures stats-cards">(.*?)</dl>', html, re.S).group(1)
    return period, dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block))


def test_a_regions_figures_are_the_same_on_every_page_and_in_the_api(client, leader, citizen, admin_user):
    answered = make_message(citizen, admin_user, MessageState.REPLIED)
    feedback.rate_message(citizen, answered.id, resolution=5, attitude=4, speed=4)
    late = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    make_message(citizen, admin_user, MessageState.ASSIGNED)
    make_message(citizen, admin_user, MessageState.REPLIED, inside=False)  # 北京: not 临沧市's
    # Left unanswered three days past its deadline: 超期未回复, and against 按期回复率.
    Message.objects.filter(pk=late.pk).update(reply_deadline=timezone.now() - timedelta(days=3))
    rebuild_counts()
    cache.clear()

    period = counted.recent()  # 近一年, the public pages' and the workbench's period
    expected = stats.figures(stats.region_scope("530900"), period.start, period.end)
    assert (expected.published, expected.replied, expected.overdue, expected.rated) == (3, 1, 1, 1)
    assert expected.reply_rate == pytest.approx(1 / 3) and expected.on_time_rate == 0.5
    wanted = (period.label, {card.label: card.value for card in cards(expected)})
    assert wanted[1]["按期回复率"] == "50%" and wanted[1]["超期未回复"] == "1"

    assert shown_figures(client.get("/regions/530900/")) == wanted
    assert shown_figures(client.get("/stats/regions/530900/?period=365")) == wanted
    client.force_login(leader)
    assert shown_figures(client.get("/workbench/")) == wanted

    response = client.get(f"/api/v1/stats/regions/530900?from={period.start}&to={period.end}")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"start": period.start.isoformat(), "end": period.end.isoformat()}
    api = body["figures"]
    assert (api["published"], api["replied"], api["replied_on_time"], api["overdue"]) == (3, 1, 1, 1)
    assert (api["rated"], api["satisfied"]) == (expected.rated, expected.satisfied)
    assert api["reply_rate"] == round(expected.reply_rate, 4) and api["on_time_rate"] == 0.5
    assert api["avg_reply_hours"] == round(expected.avg_reply_hours, 1)
    assert api["satisfaction_rate"] == expected.satisfaction_rate


def test_a_message_due_today_is_not_overdue_before_the_day_is_over(citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    today = timezone.localdate()
    end_of_today = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.max.time()))
    Message.objects.filter(pk=message.pk).update(reply_deadline=end_of_today)
    rebuild_counts()
    scope = stats.region_scope("530900")
    assert stats.figures(scope, today, today).overdue == 0
    assert stats.figures(scope, today, today).on_time_rate is None
    # Once its day is over (read tomorrow), it is.
    tomorrow = today + timedelta(days=1)
    with_tomorrow = counted.rows(scope.kind, scope.keys, today, today).aggregate(**counted.sums(tomorrow))
    assert with_tomorrow["overdue"] == 1
