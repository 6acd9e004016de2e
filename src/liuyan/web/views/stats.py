"""Statistics and rankings pages (数据统计、排行榜): the nation's, a region's (with its subtree), a unit's, a
leader's and a campaign's figures over a chosen period, and the rankings of provinces, prefectures and units.

Every figure comes from the count tables through `liuyan.reports.stats`; the charts are server-side SVG
(`liuyan.reports.charts`), so the pages need no script. A page costs a couple of dozen small queries at
most, whatever the number of messages.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.cache import cache_page

from liuyan.board import selectors
from liuyan.directory.choices import RegionLevel
from liuyan.directory.models import Leader, Region, Unit
from liuyan.reports import charts, stats
from liuyan.reports.choices import Bucket, RankBy
from liuyan.web.forms import day_in_range

DATE_ERROR = "日期格式应为 YYYY-MM-DD"
PERIODS = [("7", "近7天"), ("30", "近30天"), ("90", "近90天"), ("year", "今年"), ("custom", "自定义")]
DEFAULT_PERIOD = "30"
MAX_DAYS = 3 * 366
# The orders the rankings offer, as the real platform publishes them.
ORDERS = [
    (RankBy.REPLY_RATE, "回复率"),
    (RankBy.SPEED, "回复速度"),
    (RankBy.SATISFACTION, "满意率"),
]
VOLUME_LABELS = {"published": "留言量", "replied": "回复量", "rated": "评价数"}
RANKING_TABS = [("provinces", "省份"), ("prefectures", "地市"), ("units", "单位")]
UNITS_SHOWN = 20  # units on a region's page; the rankings page shows up to ROWS_SHOWN
ROWS_SHOWN = 100
HOME_CACHE_SECONDS = 60
# A province's page ranks its thousands of units: the rendered national, region and rankings pages are kept
# for a minute per URL, so that a busy page is computed once a minute, not once a view.
PAGE_CACHE_SECONDS = 60


# ---- The period picker (GET) ----


class PeriodForm(forms.Form):
    """The period and the grouping of a statistics page; a bad value is shown and the default used."""

    period = forms.ChoiceField(label="时间", choices=PERIODS, required=False)
    start = forms.DateField(
        label="自",
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=[day_in_range],
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label="至",
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=[day_in_range],
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    bucket = forms.ChoiceField(label="统计粒度", choices=[("", "自动"), *Bucket.choices], required=False)

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom" and not self.errors:
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                raise forms.ValidationError("自定义时间请填写开始和结束日期。")
            if start > end:
                raise forms.ValidationError("开始日期不能晚于结束日期。")
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError("时间跨度不能超过三年。")
        return data


@dataclass(frozen=True)
class Period:
    """The days a page counts (inclusive) and how its trend is grouped."""

    start: date
    end: date
    bucket: str
    label: str
    query: str  # the period's GET parameters, carried over to the links between statistics pages

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _period(request) -> tuple[PeriodForm, Period]:
    form = PeriodForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    choice = data.get("period") or DEFAULT_PERIOD
    if choice == "custom":
        start, end = data["start"], data["end"]
    elif choice == "year":
        start, end = today.replace(month=1, day=1), today
    else:
        start, end = today - timedelta(days=int(choice) - 1), today
    days = (end - start).days + 1
    bucket = data.get("bucket") or (
        Bucket.DAY if days <= 31 else Bucket.WEEK if days <= 190 else Bucket.MONTH
    )
    params = {"period": choice, "bucket": data.get("bucket") or ""}
    if choice == "custom":
        params |= {"start": start.isoformat(), "end": end.isoformat()}
    names = dict(PERIODS)
    label = f"{names[choice]}（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}，{Bucket(bucket).label}）"
    if not form.is_bound or not form.errors:
        # Show what is counted: the chosen period with its actual first and last day.
        form = PeriodForm(
            initial={"period": choice, "start": start, "end": end, "bucket": data.get("bucket", "")}
        )
    return form, Period(start, end, bucket, label, urlencode({k: v for k, v in params.items() if v}))


# ---- How figures read on a page ----

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


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def duration(hours: float | None) -> str:
    """An average reply time in Chinese units: hours under two days, days beyond."""
    if hours is None:
        return "—"
    if hours < 1:
        return f"{round(hours * 60)} 分钟"
    if hours < 48:
        return f"{hours:.1f} 小时"
    return f"{hours / 24:.1f} 天"


@dataclass(frozen=True)
class Card:
    label: str
    value: str


def cards(figures: stats.Figures) -> list[Card]:
    return [
        Card("留言量", str(figures.published)),
        Card("回复量", str(figures.replied)),
        Card("回复率", percent(figures.reply_rate)),
        Card("平均回复用时", duration(figures.avg_reply_hours)),
        Card("按期回复率", percent(figures.on_time_rate)),
        Card("满意率", percent(figures.satisfaction_rate)),
    ]


@dataclass(frozen=True)
class TrendRow:
    label: str
    published: int
    replied: int
    reply_rate: str


def _trend(scope: stats.Scope, period: Period) -> tuple[Chart, list[TrendRow]]:
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


def _ranked(rows: list[stats.RankingRow], url_name: str, period: Period) -> list[Ranked]:
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


def _order(request) -> str:
    by = request.GET.get("by")
    return by if by in dict(ORDERS) else RankBy.REPLY_RATE


def _map(rows: list[stats.RankingRow], regions, *, title: str) -> Chart:
    """Bubbles of 留言量 at the regions' coordinates (those without coordinates are left out)."""
    places = {code: (lon, lat) for code, lon, lat in regions.values_list("code", "longitude", "latitude")}
    points = [
        (row.name, float(places[row.code][0]), float(places[row.code][1]), row.figures.published)
        for row in rows
        if places.get(row.code, (None, None))[0] is not None and places[row.code][1] is not None
    ]
    return _chart(charts.region_map, points, title=title, width=960, height=600, narrow_height=320)


def _shares(scope: stats.Scope, period: Period) -> list[Chart]:
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


# ---- Pages ----


@cache_page(PAGE_CACHE_SECONDS)
def national(request):
    form, period = _period(request)
    by = _order(request)
    scope = stats.national()
    chart, trend_rows = _trend(scope, period)
    provinces = stats.rank_provinces(period.start, period.end, by)
    return render(
        request,
        "web/stats/national.html",
        {
            "form": form,
            "period": period,
            "scope": scope,
            "cards": cards(stats.figures(scope, period.start, period.end)),
            "trend_chart": chart,
            "trend_rows": trend_rows,
            "by": by,
            "keep": [("by", by)],
            "orders": ORDERS,
            "volume_rule": volume_rule(by),
            "ranking": _ranked(provinces, "web:stats-region", period),
            "ranking_chart": ranking_chart(provinces, by, title=f"各省份{dict(ORDERS)[by]}"),
            "shares": _shares(scope, period),
            "map": _map(
                provinces, Region.objects.filter(level=RegionLevel.PROVINCE), title="各省份留言量分布"
            ),
        },
    )


@cache_page(PAGE_CACHE_SECONDS)
def region(request, code: str):
    place = Region.objects.filter(pk=code).first()
    if place is None:
        raise Http404("没有这个行政区划。")
    form, period = _period(request)
    by = _order(request)
    scope = stats.region_scope(place.code)
    chart, trend_rows = _trend(scope, period)
    children = stats.rank_children(place, period.start, period.end, by)
    units = stats.rank_units(place, period.start, period.end, by)
    child_label = "区县" if place.level == RegionLevel.PREFECTURE else "地市"
    return render(
        request,
        "web/stats/region.html",
        {
            "form": form,
            "period": period,
            "scope": scope,
            "region": place,
            "path": place.ancestors_and_self(),
            "cards": cards(stats.figures(scope, period.start, period.end)),
            "trend_chart": chart,
            "trend_rows": trend_rows,
            "by": by,
            "keep": [("by", by)],
            "orders": ORDERS,
            "volume_rule": volume_rule(by),
            "child_label": child_label,
            "children": _ranked(children, "web:stats-region", period),
            "children_chart": ranking_chart(
                children, by, title=f"{place.name}各{child_label}{dict(ORDERS)[by]}"
            )
            if children
            else None,
            "map": _map(children, place.children.all(), title=f"{place.name}各{child_label}留言量分布")
            if children
            else None,
            "units": _ranked(units[:UNITS_SHOWN], "web:stats-unit", period),
            "units_total": len(units),
            "shares": _shares(scope, period),
        },
    )


def _scope_page(request, scope: stats.Scope, *, kind: str, back_url: str, back_label: str):
    form, period = _period(request)
    chart, trend_rows = _trend(scope, period)
    return render(
        request,
        "web/stats/scope.html",
        {
            "form": form,
            "period": period,
            "scope": scope,
            "kind": kind,
            "back_url": back_url,
            "back_label": back_label,
            "cards": cards(stats.figures(scope, period.start, period.end)),
            "trend_chart": chart,
            "trend_rows": trend_rows,
        },
    )


def unit(request, code: str):
    found = Unit.objects.filter(code=code).select_related("region").first()
    if found is None:
        raise Http404("没有这个办理单位。")
    scope = stats.unit_scope(code)
    back = reverse("web:stats-region", args=[found.region_id]) if found.region_id else reverse("web:stats")
    return _scope_page(
        request,
        scope,
        kind="办理单位",
        back_url=back,
        back_label=f"{found.region.name}数据统计" if found.region_id else "全国数据统计",
    )


def leader(request, code: str):
    found = Leader.objects.filter(code=code).first()
    if found is None:
        raise Http404("没有这位领导。")
    scope = stats.leader_scope(code)
    return _scope_page(
        request,
        scope,
        kind="领导",
        back_url=reverse("web:leader-detail", args=[found.pk]),
        back_label=f"给{found.title}的留言",
    )


def campaign(request, slug: str):
    if not selectors.public_campaigns().filter(slug=slug).exists():
        raise Http404("没有这个专栏。")
    scope = stats.campaign_scope(slug)
    return _scope_page(
        request,
        scope,
        kind="专栏",
        back_url=reverse("web:campaign-detail", args=[slug]),
        back_label="专栏留言",
    )


def _region_param(request, name: str) -> Region | None:
    code = request.GET.get(name, "")
    return Region.objects.filter(pk=code).first() if re.fullmatch(r"[0-9]{6}", code) else None


@cache_page(PAGE_CACHE_SECONDS)
def rankings(request):
    form, period = _period(request)
    by = _order(request)
    tab = request.GET.get("tab")
    tab = tab if tab in dict(RANKING_TABS) else "provinces"
    provinces = list(Region.objects.filter(level=RegionLevel.PROVINCE).values_list("code", "name"))
    context = {
        "form": form,
        "period": period,
        "by": by,
        "orders": ORDERS,
        "tab": tab,
        "tabs": RANKING_TABS,
        "volume_rule": volume_rule(by),
        "provinces": provinces,
    }
    if tab == "provinces":
        rows = stats.rank_provinces(period.start, period.end, by)
        context |= {"heading": "各省份", "url_name": "web:stats-region"}
    else:
        chosen = _region_param(request, "region")
        if tab == "prefectures" and (chosen is None or chosen.level != RegionLevel.PROVINCE):
            chosen = None
        if chosen is None:
            # Start from the province with the most messages in the period.
            busiest = stats.rank_provinces(period.start, period.end, RankBy.VOLUME, limit=1)
            chosen = Region.objects.get(pk=busiest[0].code) if busiest else None
        if chosen is None:
            raise Http404("没有行政区划。")
        context["chosen"] = chosen
        if tab == "prefectures":
            rows = stats.rank_children(chosen, period.start, period.end, by)
            context |= {"heading": f"{chosen.name}各地市", "url_name": "web:stats-region"}
        else:
            rows = stats.rank_units(chosen, period.start, period.end, by)
            context |= {
                "heading": f"{chosen.name}各办理单位",
                "url_name": "web:stats-unit",
                "region_path": chosen.ancestors_and_self(),
                "region_children": list(chosen.children.values_list("code", "name")),
            }
    context["ranking"] = _ranked(rows[:ROWS_SHOWN], context["url_name"], period)
    context["hidden"] = max(0, len(rows) - ROWS_SHOWN)
    context["ranking_chart"] = ranking_chart(rows, by, title=f"{context['heading']}{dict(ORDERS)[by]}")
    return render(request, "web/stats/rankings.html", context)


def home_ranking(limit: int = 5) -> list[Ranked]:
    """The home page's panel: the provinces with the best reply rate over the last 30 days, cached for a
    minute like the home page's other figures."""
    today = timezone.localdate()
    key = f"stats:home-ranking:{today:%Y%m%d}:{limit}"
    cached = cache.get(key)
    if cached is None:
        start = today - timedelta(days=29)
        period = Period(start, today, Bucket.DAY, "", urlencode({"period": "30"}))
        rows = [row for row in stats.rank_provinces(start, today, RankBy.REPLY_RATE, limit=limit) if row.rank]
        cached = _ranked(rows, "web:stats-region", period)
        cache.set(key, cached, HOME_CACHE_SECONDS)
    return cached
