"""The figures as every page shows them: the home page, a region's and a leader's page, a leader's
workbench and the statistics pages.

Every figure is read from reports/figures.py (the one source, where each is defined, also read by the stats
API and the daily brief) over a period that the page states beside it, and formatted here by one set of
functions, so the same region over the same period reads the same on every page. The public pages and
the workbench show the last year (近一年), the home page today's figures too. Each is cached for a minute.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache

from liuyan.accounts.choices import Permission
from liuyan.accounts.scope import scope_for
from liuyan.directory import lookups
from liuyan.directory.models import Leader, Region, Unit
from liuyan.reports import figures as counted
from liuyan.reports.choices import Dimension
from liuyan.reports.figures import Figures, Period, Scope
from liuyan.reports.stats import department_scope

CACHE_SECONDS = 60


def percent(rate: float | None) -> str:
    """A rate to one decimal, without a trailing .0: 40.7%, 50%; — when there is none."""
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}".removesuffix(".0") + "%"


def duration(hours: float | None) -> str:
    """An average reply time in Chinese units: minutes under an hour, hours under two days, days beyond."""
    if hours is None:
        return "—"
    if hours < 1:
        return f"{max(1, round(hours * 60))} 分钟"
    if hours < 48:
        return f"{hours:.1f} 小时"
    return f"{hours / 24:.1f} 天"


@dataclass(frozen=True)
class Card:
    label: str
    value: str


def cards(figures: Figures) -> list[Card]:
    """The figures of a scope over a period, as every page lists them."""
    return [
        Card("留言量", str(figures.published)),
        Card("回复量", str(figures.replied)),
        Card("回复率", percent(figures.reply_rate)),
        Card("平均回复用时", duration(figures.avg_reply_hours)),
        Card("按期回复率", percent(figures.on_time_rate)),
        Card("超期未回复", str(figures.overdue)),
        Card("满意率", percent(figures.satisfaction_rate)),
    ]


def revisit_cards(figures: Figures) -> list[Card]:
    """The 回访 figures of a scope over a period, as the statistics pages list them."""
    return [
        Card("应回访", str(figures.revisit_base)),
        Card("已回访", str(figures.revisited)),
        Card("回访率", percent(figures.revisit_rate)),
        Card("回访次数", str(figures.revisits)),
        Card("回访满意率", percent(figures.revisit_satisfaction_rate)),
    ]


@dataclass(frozen=True)
class Shown:
    """A scope's figures over a period, ready for a page (the web/_figures.html partial)."""

    period: Period
    figures: Figures

    @property
    def cards(self) -> list[Card]:
        return cards(self.figures)

    @property
    def revisit_cards(self) -> list[Card]:
        return revisit_cards(self.figures)

    # The names the public pages' templates and tests read.
    @property
    def messages(self) -> int:
        return self.figures.published

    @property
    def replies(self) -> int:
        return self.figures.replied

    @property
    def reply_rate(self) -> float | None:
        return self.figures.reply_rate

    @property
    def average_reply(self) -> timedelta | None:
        hours = self.figures.avg_reply_hours
        return None if hours is None else timedelta(hours=hours)

    @property
    def average_reply_label(self) -> str:
        return duration(self.figures.avg_reply_hours)

    @property
    def ratings(self) -> int:
        return self.figures.rated

    @property
    def satisfied(self) -> int:
        return self.figures.satisfied

    @property
    def satisfaction(self) -> float | None:
        return self.figures.satisfaction_rate


def shown(scope: Scope, period: Period) -> Shown:
    reading = counted.read(scope, period)
    return Shown(reading.period, reading.figures)


# ---- The public pages ----


def site_figures() -> dict:
    """The whole board: today's and the last year's messages and replies, the last year's reply rate,
    the directory's size; with the two periods."""
    today = counted.today_only()
    return cache.get_or_set(f"liuyan:figures:site:{today.end:%Y%m%d}", _site_figures, CACHE_SECONDS)


def _site_figures() -> dict:
    nation, today, year = counted.national(), counted.today_only(), counted.recent()
    of_year = counted.figures(nation, year.start, year.end)
    of_today = counted.figures(nation, today.start, today.end)
    return {
        "today": today,
        "period": year,
        "messages_today": of_today.published,
        "replies_today": of_today.replied,
        "messages": of_year.published,
        "replies": of_year.replied,
        "reply_rate": of_year.reply_rate,
        "reply_rate_label": percent(of_year.reply_rate),
        **lookups.directory_size(),
    }


def region_figures(region: Region, period: Period | None = None) -> Shown:
    """The last year's figures (or `period`'s) of every message about `region` or any place within it (its
    count rows are its subtree's rollup)."""
    period = period or counted.recent()
    scope = Scope(Dimension.REGION, region.code, region.name, (region.code,))
    key = f"liuyan:figures:region:{region.code}:{period.start:%Y%m%d}:{period.end:%Y%m%d}"
    return cache.get_or_set(key, lambda: shown(scope, period), CACHE_SECONDS)


def leader_figures(leader: Leader, period: Period | None = None) -> Shown:
    """The last year's figures (or `period`'s) of the messages addressed to `leader`."""
    period = period or counted.recent()
    scope = Scope(Dimension.LEADER, leader.code, leader.title, (str(leader.pk),))
    key = f"liuyan:figures:leader:{leader.pk}:{period.start:%Y%m%d}:{period.end:%Y%m%d}"
    return cache.get_or_set(key, lambda: shown(scope, period), CACHE_SECONDS)


def department_figures(department: Unit, period: Period | None = None) -> Shown:
    """The last year's figures (or `period`'s) of the messages addressed to a central department's leaders
    (reports.stats.department_scope)."""
    period = period or counted.recent()
    key = f"liuyan:figures:department:{department.pk}:{period.start:%Y%m%d}:{period.end:%Y%m%d}"
    return cache.get_or_set(key, lambda: shown(department_scope(department.code), period), CACHE_SECONDS)


# ---- A leader's workbench ----


@dataclass(frozen=True)
class WorkbenchFigures:
    """A leader's figures for the region subtrees they oversee, over the last year, and their two queues
    of the moment (超期未办, 督办中), counted with the queues themselves."""

    regions: list[Region]
    everywhere: bool
    shown: Shown
    overdue: str  # the queues' badges: exact up to 1,000, then "1000+"
    supervised: str

    @property
    def published(self) -> int:
        return self.shown.figures.published

    @property
    def answered(self) -> int:
        return self.shown.figures.replied

    @property
    def reply_rate(self) -> float | None:
        return self.shown.figures.reply_rate


def outermost(paths) -> list[str]:
    """The region codes of `paths` (materialised paths) that lie within none of the others."""
    ordered = sorted(paths)
    kept: list[str] = []
    for path in ordered:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return [path.rstrip("/").rsplit("/", 1)[-1] for path in kept]


def workbench_figures(
    user, *, overdue: str, supervised: str, period: Period | None = None
) -> WorkbenchFigures:
    """The figures of the regions `user` may instruct (their count rows; the nation's for a national
    scope). Two small queries, whatever the number of messages."""
    period = period or counted.recent()
    scope = scope_for(user, Permission.INSTRUCT)
    if scope.everywhere:
        regions: list[Region] = []
        reading_scope = counted.national()
    else:
        codes = outermost(scope.region_paths)
        regions = list(Region.objects.filter(pk__in=codes).order_by("code")) if codes else []
        reading_scope = counted.regions([r.code for r in regions], "、".join(r.name for r in regions))
    return WorkbenchFigures(regions, scope.everywhere, shown(reading_scope, period), overdue, supervised)
