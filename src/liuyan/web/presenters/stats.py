"""The statistics pages' parts, ready for their templates: the chosen period, the trend (chart and
table), ranking rows and charts, the shares and the map. Figures come from `liuyan.reports.stats` (the
count tables); the charts are server-side SVG (`liuyan.reports.charts`), so the pages need no script."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from liuyan.reports import charts, stats
from liuyan.reports import figures as counted
from liuyan.reports.choices import Bucket, RankBy
from liuyan.web.forms import STATS_PERIODS, PeriodForm
from liuyan.web.presenters.figures import Shown, duration, percent

DEFAULT_PERIOD = "30"
# The orders the rankings offer, as the real platform publishes them.
ORDERS = [
    (RankBy.REPLY_RATE, "回复率"),
    (RankBy.SPEED, "回复速度"),
    (RankBy.SATISFACTION, "满意率"),
]
VOLUME_LABELS = {"published": "留言量", "replied": "回复量", "rated": "评价数"}
HOME_CACHE_SECONDS = 60


# ---- The period ----


@dataclass(frozen=True)
class Period:
    """The days a page counts (`span`, inclusive) and how its trend is grouped."""

    span: counted.Period
    bucket: str
    query: str  # the period's GET parameters, carried over to the links between statistics pages

    @property
    def start(self):
        return self.span.start

    @property
    def end(self):
        return self.span.end

    @property
    def days(self) -> int:
        return self.span.days

    @property
    def label(self) -> str:
        days = f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"
        return f"{self.span.name}（{days}，{Bucket(self.bucket).label}）"


def period_of(request) -> tuple[PeriodForm, Period]:
    """The period a statistics page's GET parameters ask for (the default on bad ones), with its form."""
    form = PeriodForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    choice = data.get("period") or DEFAULT_PERIOD
    names = dict(STATS_PERIODS)
    if choice == "custom":
        span = counted.Period(data["start"], data["end"], names[choice])
    elif choice == "year":
        span = counted.Period(today.replace(month=1, day=1), today, names[choice])
    else:
        span = counted.recent(int(choice), today)
    bucket = data.get("bucket") or (
        Bucket.DAY if span.days <= 31 else Bucket.WEEK if span.days <= 190 else Bucket.MONTH
    )
    params = {"period": choice, "bucket": data.get("bucket") or ""}
    if choice == "custom":
        params |= {"start": span.start.isoformat(), "end": span.end.isoformat()}
    if not form.is_bound or not form.errors:
        # Show what is counted: the chosen period with its actual first and last day.
        form = PeriodForm(
            initial={"period": choice, "start": span.start, "end": span.end, "bucket": data.get("bucket", "")}
        )
    return form, Period(span, bucket, urlencode({k: v for k, v in params.items() if v}))


def shown(scope: stats.Scope, period: Period) -> Shown:
    """The scope's figures over the page's period, as every page shows figures."""
    return Shown(period.span, stats.figures(scope, period.start, period.end))


# ---- Charts ----

NARROW = 340  # a phone's chart width: drawn at this size, its 12px labels stay 12px


@dataclass(frozen=True)
class Chart:
    """A chart drawn twice, wide (desktop, print) and narrow (phone); the stylesheet shows one of them."""

    wide: SafeString
    narrow: SafeString


def _chart(
    draw, *args, width: int, height: int | None = None, narrow_height: int | None = None, **kwargs
) -> Chart:
    sizes = ({"height": height}, {"height": narrow_height}) if height else ({}, {})
    return Chart(
        draw(*args, width=width, **sizes[0], **kwargs),
        draw(*args, width=NARROW, **sizes[1], **kwargs),
    )


@dataclass(frozen=True)
class TrendRow:
    label: str
    published: int
    replied: int
    reply_rate: str


def trend(scope: stats.Scope, period: Period) -> tuple[Chart, list[TrendRow]]:
    """The trend chart (留言量 against 回复量) and the same numbers as a table."""
    points = stats.trend(scope, period.start, period.end, period.bucket)
    same_year = period.start.year == period.end.year
    if period.bucket == Bucket.MONTH:
        labels = [f"{point.start:%Y-%m}" for point in points]
    else:
        labels = [f"{point.start:%m-%d}" if same_year else f"{point.start:%Y-%m-%d}" for point in points]
    chart = _chart(
        charts.line_chart,
        labels,
        [
            ("留言量", [point.figures.published for point in points]),
            ("回复量", [point.figures.replied for point in points]),
        ],
        title=f"{scope.name}留言量与回复量（{Bucket(period.bucket).label}）",
        width=960,
        height=300,
        narrow_height=240,
    )
    rows = [
        TrendRow(
            f"{point.start:%Y-%m-%d}" + (f" 至 {point.end:%m-%d}" if point.end != point.start else ""),
            point.figures.published,
            point.figures.replied,
            percent(point.figures.reply_rate),
        )
        for point in points
    ]
    return chart, rows


# ---- Rankings ----


@dataclass(frozen=True)
class Ranked:
    """A ranking row as a table shows it."""

    rank: int | None
    code: str
    name: str
    url: str
    published: int
    replied: int
    reply_rate: str
    avg_reply: str
    on_time_rate: str
    satisfaction_rate: str
    rated: int


def ranked(rows: list[stats.RankingRow], url_name: str, period: Period) -> list[Ranked]:
    return [
        Ranked(
            row.rank,
            row.code,
            row.name,
            f"{reverse(url_name, args=[row.code])}?{period.query}",
            row.figures.published,
            row.figures.replied,
            percent(row.figures.reply_rate),
            duration(row.figures.avg_reply_hours),
            percent(row.figures.on_time_rate),
            percent(row.figures.satisfaction_rate),
            row.figures.rated,
        )
        for row in rows
    ]


def _ranking_value(figures: stats.Figures, by: str) -> float | None:
    if by == RankBy.SPEED:
        hours = figures.avg_reply_hours
        return None if hours is None else round(hours, 1)
    rate = figures.satisfaction_rate if by == RankBy.SATISFACTION else figures.reply_rate
    return None if rate is None else round(rate * 100, 1)


def ranking_chart(rows: list[stats.RankingRow], by: str, *, title: str) -> Chart:
    """The ranked members (those above the minimum volume) as bars of the ranking's own measure."""
    bars = [(row.name, _ranking_value(row.figures, by)) for row in rows if row.rank is not None]
    unit = " 小时" if by == RankBy.SPEED else "%"
    bars = [(name, value) for name, value in bars if value is not None]
    return _chart(charts.bar_chart, bars, title=title, unit=unit, width=720)


def volume_rule(by: str) -> str:
    """The minimum-volume rule of a ranking, as the page states it."""
    _value, _ascending, field = stats.RANK_RULES[by]
    rule = f"{VOLUME_LABELS[field]}不少于 {stats.MIN_VOLUME} 条的才参加排名；"
    return rule + "不足的列在后面，按留言量排列，不排名次。"


def order_of(request) -> str:
    by = request.GET.get("by")
    return by if by in dict(ORDERS) else RankBy.REPLY_RATE


def region_map(rows: list[stats.RankingRow], regions, *, title: str) -> Chart:
    """Bubbles of 留言量 at the regions' coordinates (those without coordinates are left out)."""
    places = {code: (lon, lat) for code, lon, lat in regions.values_list("code", "longitude", "latitude")}
    points = [
        (row.name, float(places[row.code][0]), float(places[row.code][1]), row.figures.published)
        for row in rows
        if places.get(row.code, (None, None))[0] is not None and places[row.code][1] is not None
    ]
    return _chart(charts.region_map, points, title=title, width=960, height=600, narrow_height=320)


def shares(scope: stats.Scope, period: Period) -> list[Chart]:
    return [
        _chart(
            charts.share_chart,
            [
                (share.name, share.figures.published)
                for share in stats.breakdown(scope, period.start, period.end, by)
            ],
            title=f"留言量按{label}分布",
            width=480,
        )
        for by, label in (("domain", "领域"), ("type", "类型"))
    ]


def home_ranking(limit: int = 5) -> list[Ranked]:
    """The home page's panel: the provinces with the best reply rate over the last 30 days, cached for a
    minute like the home page's other figures."""
    today = timezone.localdate()
    key = f"stats:home-ranking:{today:%Y%m%d}:{limit}"
    cached = cache.get(key)
    if cached is None:
        span = counted.recent(30, today)
        period = Period(span, Bucket.DAY, urlencode({"period": "30"}))
        rows = [
            row
            for row in stats.rank_provinces(span.start, span.end, RankBy.REPLY_RATE, limit=limit)
            if row.rank
        ]
        cached = ranked(rows, "web:stats-region", period)
        cache.set(key, cached, HOME_CACHE_SECONDS)
    return cached
