"""The site's figures (留言办理数据), one definition each, read from the count tables (`DailyCount`).

Every page that shows a figure reads it here: the home page, a region's and a leader's page, a leader's
workbench, the statistics pages, the daily brief and `GET /api/v1/stats/...`. A figure is always about a
scope (the nation, a region with its subtree, a unit, a leader, a campaign, a domain with its subtree) and a
period of local days (Asia/Shanghai, first and last day inclusive), and a page states the period beside it
(`Period.label`, e.g. 「近一年（2025-12-04 至 2026-12-03）」).

What the tables count is described in reports/counts.py; from their sums over the period:

- 留言量 `published`: messages published in the period;
- 回复量 `replied`: messages whose reply was published in the period;
- 回复率 `reply_rate` = 回复量 / 留言量, capped at 100%: both are counted on their own days, so over a short
  period the replies to earlier messages can outnumber the new ones;
- 超期未回复 `overdue`: messages whose reply deadline fell on a day of the period that is over, and that are
  still unanswered; a message due today is not overdue before its day ends (deadlines fall at the end of a
  working day; a campaign's urgent deadline of a few hours counts from the next day);
- 按期回复率 `on_time_rate` = 按期回复 / (回复量 + 超期未回复): of the messages whose outcome fell in the
  period (answered in it, or left unanswered past a deadline in it), the share answered within the
  deadline. Each message counts once at any time: while it is unanswered past its deadline,
  against the rate on its deadline's day; once answered (late), against the rate on its reply's
  day. A reply without a deadline (a duplicate answered with the message it was merged into) is
  on time: it missed nothing;
- 平均回复用时 `avg_reply_hours`: from submission (the citizen's wait) to the published reply, over the
  replies of the period;
- 满意率 `satisfaction_rate` = 满意 / 评价: each message's latest rating, counted on the day it was given,
  satisfied when its three scores average at least 4;
- 回访率 `revisit_rate` = 已回访 / 应回访: of the messages that called for a 回访 in the period (closed in
  it, or rated unhappy in it and still awaiting a revisit), the share revisited so far, by the desk or the
  unit;
- 回访满意率 `revisit_satisfaction_rate` = 回访满意 / 回访次数: of the period's revisits, those whose citizen
  said 满意 or 基本满意.

A rate whose denominator is zero is None ("—" on a page), never 0.

Why 超期未回复 is a count-table column (`DailyCount.overdue`, on the deadline's day) and not a query over the
open messages at reading time: the rankings show 按期回复率 for hundreds or thousands of members at once, and
as a column it is one more sum in the query they already make, the same for every scope and period; a query
would need an index of its own and a grouping per ranking. The price is that time passes without an event:
the rows hold a message from the moment it has a deadline, so a reading counts only the days that are over
(`sums`), and the actions that move a deadline or answer a message recount it like every other figure.

`figures(scope, start, end)` is one query over one row per day and member, whatever the number of messages.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, timedelta

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from liuyan.reports.choices import Dimension
from liuyan.reports.models import METRICS, DailyCount

# The period of the headline figures of the home, region, leader and workbench pages: the last 365 days.
RECENT_DAYS = 365
# The first day a count row can hold: "all time" is every day up to today.
BEGINNING = date(1, 1, 1)


@dataclass(frozen=True)
class Period:
    """Local days `start`..`end` (inclusive) and what a page calls them (近一年, 近30天, 今日, 累计…)."""

    start: date
    end: date
    name: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """The period as a page states it beside its figures: its name and its days."""
        if self.start == BEGINNING:
            return f"{self.name}（截至 {self.end:%Y-%m-%d}）"
        if self.start == self.end:
            return f"{self.name}（{self.end:%Y-%m-%d}）"
        return f"{self.name}（{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}）"


def recent(days: int = RECENT_DAYS, today: date | None = None) -> Period:
    """The last `days` days, today included: 近一年 for 365, 近30天 for 30."""
    today = today or timezone.localdate()
    return Period(today - timedelta(days=days - 1), today, "近一年" if days == RECENT_DAYS else f"近{days}天")


def today_only(today: date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(today, today, "今日")


def all_time(today: date | None = None) -> Period:
    return Period(BEGINNING, today or timezone.localdate(), "累计")


@dataclass(frozen=True)
class Figures:
    """Summed count-table figures over a period, and the rates derived from them (the definitions above)."""

    received: int = 0
    published: int = 0
    assigned: int = 0
    replied: int = 0
    replied_on_time: int = 0
    overdue: int = 0
    closed: int = 0
    response_seconds: int = 0
    rated: int = 0
    resolution_sum: int = 0
    attitude_sum: int = 0
    speed_sum: int = 0
    satisfied: int = 0
    revisit_base: int = 0
    revisited: int = 0
    revisits: int = 0
    revisits_satisfied: int = 0

    @classmethod
    def of(cls, row: dict) -> Figures:
        return cls(**{name: row.get(name) or 0 for name in METRICS})

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def reply_rate(self) -> float | None:
        return min(1.0, self.replied / self.published) if self.published else None

    @property
    def on_time_rate(self) -> float | None:
        due = self.replied + self.overdue
        return self.replied_on_time / due if due else None

    @property
    def avg_reply_hours(self) -> float | None:
        return self.response_seconds / self.replied / 3600 if self.replied else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    @property
    def revisit_rate(self) -> float | None:
        return self.revisited / self.revisit_base if self.revisit_base else None

    @property
    def revisit_satisfaction_rate(self) -> float | None:
        return self.revisits_satisfied / self.revisits if self.revisits else None

    @property
    def avg_scores(self) -> dict[str, float] | None:
        """Mean 解决程度, 办理态度, 办理速度 of the ratings."""
        if not self.rated:
            return None
        return {
            "resolution": self.resolution_sum / self.rated,
            "attitude": self.attitude_sum / self.rated,
            "speed": self.speed_sum / self.rated,
        }


@dataclass(frozen=True)
class Scope:
    """What figures are about: a dimension and the count-table keys summed for it."""

    kind: str  # a Dimension value
    code: str  # how clients name it: region code, unit or leader code, campaign slug, domain id; "" national
    name: str
    keys: tuple[str, ...]


def national() -> Scope:
    return Scope(Dimension.NATIONAL, "", "全国", ("",))


def regions(codes: list[str], name: str) -> Scope:
    """Several region subtrees together (a leader's workbench may cover more than one): none may lie within
    another, or its messages would be counted twice."""
    return Scope(Dimension.REGION, ",".join(codes), name, tuple(codes))


@dataclass(frozen=True)
class Reading:
    """A scope's figures over a period, as a page shows them: the figures with their period."""

    scope: Scope
    period: Period
    figures: Figures


def rows(dimension: str, keys, start: date, end: date) -> QuerySet[DailyCount]:
    keys = keys if isinstance(keys, QuerySet) else list(keys)
    return DailyCount.objects.filter(dimension=dimension, key__in=keys, day__gte=start, day__lte=end)


def sums(today: date | None = None) -> dict:
    """The aggregates of `Figures` over count rows: each figure summed, 超期未回复 only over the days that
    are over (before today)."""
    today = today or timezone.localdate()
    aggregates = {name: Sum(name) for name in METRICS}
    aggregates["overdue"] = Sum("overdue", filter=Q(day__lt=today))
    return aggregates


def of_row(row: dict, today: date | None = None) -> Figures:
    """One day's stored row as figures (its 超期未回复 only once the day is over)."""
    figures = Figures.of(row)
    if figures.overdue and row["day"] >= (today or timezone.localdate()):
        return replace(figures, overdue=0)
    return figures


def figures(scope: Scope, start: date, end: date) -> Figures:
    """The scope's figures for days start..end (inclusive). One query."""
    return Figures.of(rows(scope.kind, scope.keys, start, end).aggregate(**sums()))


def read(scope: Scope, period: Period) -> Reading:
    """The scope's figures over `period`, with it. One query."""
    return Reading(scope, period, figures(scope, period.start, period.end))
