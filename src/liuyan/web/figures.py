"""The figures of the public pages: the whole board's on the home page, a region subtree's and a leader's.

They are read from the count tables through reports/stats.py, the one source of the site's figures (the
statistics pages, the daily brief and the stats API read the same rows), so a page costs a sum over one
row per day of the board's life, whatever the number of messages. Each is still cached for a minute.

Definitions, as reports/counts.py counts them and the pages label them:
- 留言量: messages published (public or not, hidden or not), all time;
- 回复量: messages whose reply was published, all time;
- 回复率: 回复量 / 留言量;
- 平均回复用时: the mean time from submission (提交, the citizen's wait) to the published reply;
- 满意度: the share of messages whose latest rating averages at least 4 of 5 on its three scores (满意率).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.utils import timezone

from liuyan.directory.models import Leader, Region, Unit
from liuyan.reports import stats
from liuyan.reports.choices import Dimension

CACHE_SECONDS = 60
# The directory's size changes when it is seeded or edited, not with every message: counting 70,000 units
# costs more than the rest of the home page's figures together, so it is counted every ten minutes.
DIRECTORY_CACHE_SECONDS = 600
# The first day a count row can hold: "all time" is every day up to today.
BEGINNING = date(1, 1, 1)


@dataclass(frozen=True)
class Figures:
    """A region's or a leader's figures."""

    messages: int
    replies: int
    average_reply: timedelta | None
    ratings: int
    satisfied: int

    @classmethod
    def of(cls, counted: stats.Figures) -> "Figures":
        hours = counted.avg_reply_hours
        return cls(
            messages=counted.published,
            replies=counted.replied,
            average_reply=None if hours is None else timedelta(hours=hours),
            ratings=counted.rated,
            satisfied=counted.satisfied,
        )

    @property
    def reply_rate(self) -> float | None:
        return min(1.0, self.replies / self.messages) if self.messages else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None

    @property
    def average_reply_label(self) -> str:
        return duration_label(self.average_reply)


def duration_label(duration: timedelta | None) -> str:
    """A duration as the pages show it: 3.2 天, 5.5 小时, 40 分钟; — when there is none."""
    if duration is None:
        return "—"
    hours = duration.total_seconds() / 3600
    if hours >= 24:
        return f"{hours / 24:.1f} 天"
    if hours >= 1:
        return f"{hours:.1f} 小时"
    return f"{max(1, round(hours * 60))} 分钟"


def _all_time(scope: stats.Scope) -> stats.Figures:
    return stats.figures(scope, BEGINNING, timezone.localdate())


def site_figures() -> dict:
    """The whole board: today's and all-time messages and replies, the reply rate, the directory's size."""
    today = timezone.localdate()
    return cache.get_or_set(f"liuyan:figures:site:{today:%Y%m%d}", _site_figures, CACHE_SECONDS)


def _site_figures() -> dict:
    nation, today = stats.national(), timezone.localdate()
    total, of_today = _all_time(nation), stats.figures(nation, today, today)
    return {
        "messages_today": of_today.published,
        "replies_today": of_today.replied,
        "messages": total.published,
        "replies": total.replied,
        "reply_rate": Figures.of(total).reply_rate,
        **cache.get_or_set("liuyan:figures:directory", _directory_size, DIRECTORY_CACHE_SECONDS),
    }


def _directory_size() -> dict:
    return {
        "regions": Region.objects.count(),
        "leaders": Leader.objects.filter(active=True).count(),
        "units": Unit.objects.filter(active=True).count(),
    }


def region_figures(region: Region) -> Figures:
    """The figures of every message about `region` or any place within it (its count rows are its
    subtree's rollup)."""
    scope = stats.Scope(Dimension.REGION, region.code, region.name, (region.code,))
    return cache.get_or_set(
        f"liuyan:figures:region:{region.code}", lambda: Figures.of(_all_time(scope)), CACHE_SECONDS
    )


def leader_figures(leader: Leader) -> Figures:
    """The figures of the messages addressed to `leader`."""
    scope = stats.Scope(Dimension.LEADER, leader.code, leader.title, (str(leader.pk),))
    return cache.get_or_set(
        f"liuyan:figures:leader:{leader.pk}", lambda: Figures.of(_all_time(scope)), CACHE_SECONDS
    )
