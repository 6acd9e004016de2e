"""Statistics and rankings pages (数据统计、排行榜): the nation's, a region's (with its subtree), a unit's, a
leader's and a campaign's figures over a chosen period, and the rankings of provinces, prefectures and units.

The views pick the scope and the rows; web/presenters/stats.py shapes them (period, charts, ranking rows)
and web/presenters/figures.py formats the figures as every page does. A page costs a couple of dozen small
queries at most, whatever the number of messages.
"""

import re

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_page

from liuyan.board import selectors
from liuyan.directory.choices import RegionLevel
from liuyan.directory.models import Leader, Region, Unit
from liuyan.reports import stats
from liuyan.reports.choices import RankBy
from liuyan.web.presenters.stats import (
    ORDERS,
    order_of,
    period_of,
    ranked,
    ranking_chart,
    region_map,
    shares,
    shown,
    trend,
    volume_rule,
)

RANKING_TABS = [("provinces", "省份"), ("prefectures", "地市"), ("units", "单位")]
UNITS_SHOWN = 20  # units on a region's page; the rankings page shows up to ROWS_SHOWN
ROWS_SHOWN = 100
# A province's page ranks its thousands of units: the rendered national, region and rankings pages are kept
# for a minute per URL, so that a busy page is computed once a minute, not once a view.
PAGE_CACHE_SECONDS = 60


# ---- Pages ----


@cache_page(PAGE_CACHE_SECONDS)
def national(request):
    form, period = period_of(request)
    by = order_of(request)
    scope = stats.national()
    chart, trend_rows = trend(scope, period)
    provinces = stats.rank_provinces(period.start, period.end, by)
    return render(
        request,
        "web/stats/national.html",
        {
            "form": form,
            "period": period,
            "scope": scope,
            "shown": shown(scope, period),
            "trend_chart": chart,
            "trend_rows": trend_rows,
            "by": by,
            "keep": [("by", by)],
            "orders": ORDERS,
            "volume_rule": volume_rule(by),
            "ranking": ranked(provinces, "web:stats-region", period),
            "ranking_chart": ranking_chart(provinces, by, title=f"各省份{dict(ORDERS)[by]}"),
            "shares": shares(scope, period),
            "map": region_map(
                provinces, Region.objects.filter(level=RegionLevel.PROVINCE), title="各省份留言量分布"
            ),
        },
    )


@cache_page(PAGE_CACHE_SECONDS)
def region(request, code: str):
    place = Region.objects.filter(pk=code).first()
    if place is None:
        raise Http404("没有这个行政区划。")
    form, period = period_of(request)
    by = order_of(request)
    scope = stats.region_scope(place.code)
    chart, trend_rows = trend(scope, period)
    children = stats.rank_children(place, period.start, period.end, by)
    units = stats.rank_units(place, period.start, period.end, by)
    child_label = {RegionLevel.PREFECTURE: "区县", RegionLevel.COUNTY: "乡镇"}.get(place.level, "地市")
    return render(
        request,
        "web/stats/region.html",
        {
            "form": form,
            "period": period,
            "scope": scope,
            "region": place,
            "path": place.ancestors_and_self(),
            "shown": shown(scope, period),
            "trend_chart": chart,
            "trend_rows": trend_rows,
            "by": by,
            "keep": [("by", by)],
            "orders": ORDERS,
            "volume_rule": volume_rule(by),
            "child_label": child_label,
            "children": ranked(children, "web:stats-region", period),
            "children_chart": ranking_chart(
                children, by, title=f"{place.name}各{child_label}{dict(ORDERS)[by]}"
            )
            if children
            else None,
            "map": region_map(children, place.children.all(), title=f"{place.name}各{child_label}留言量分布")
            if children
            else None,
            "units": ranked(units[:UNITS_SHOWN], "web:stats-unit", period),
            "units_total": len(units),
            "shares": shares(scope, period),
        },
    )


def _scope_page(request, scope: stats.Scope, *, kind: str, back_url: str, back_label: str):
    form, period = period_of(request)
    chart, trend_rows = trend(scope, period)
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
            "shown": shown(scope, period),
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


def ministry(request, code: str):
    scope = stats.department_scope(code)
    if scope is None:
        raise Http404("没有这个部委。")
    return _scope_page(
        request,
        scope,
        kind="部委",
        back_url=reverse("web:ministry-detail", args=[code]),
        back_label=f"{scope.name}留言板",
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
    form, period = period_of(request)
    by = order_of(request)
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
    context["ranking"] = ranked(rows[:ROWS_SHOWN], context["url_name"], period)
    context["hidden"] = max(0, len(rows) - ROWS_SHOWN)
    context["ranking_chart"] = ranking_chart(rows, by, title=f"{context['heading']}{dict(ORDERS)[by]}")
    return render(request, "web/stats/rankings.html", context)
