"""Statistics endpoints (统计): figures with their trend, and rankings. Public: they publish the figures
of published messages, never a message's detail; definitions are in reports/figures.py."""

from datetime import date, timedelta

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from liuyan import inputs
from liuyan.api.errors import ApiError, ErrorOut
from liuyan.api.fields import Line
from liuyan.directory.models import Region
from liuyan.reports import coverage, stats
from liuyan.reports.choices import Bucket, RankBy

router = Router(tags=["统计"])

DEFAULT_DAYS = 30
MAX_DAYS = {Bucket.DAY: 1100, Bucket.WEEK: 3700, Bucket.MONTH: 3700}
MAX_LIMIT = 100
ERRORS = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class PeriodQuery(Schema):
    date_from: Line | None = Field(None, alias="from", description="起始日期 YYYY-MM-DD（含），默认 30 天前")
    date_to: Line | None = Field(None, alias="to", description="截止日期 YYYY-MM-DD（含），默认今天")


class TrendQuery(PeriodQuery):
    group: Line = Field(Bucket.DAY, description="趋势的粒度：day、week 或 month")


class RankingQuery(PeriodQuery):
    by: Line = Field(RankBy.REPLY_RATE, description="排序依据：reply_rate、speed、satisfaction 或 volume")
    limit: int = Field(20, description=f"返回条数，1–{MAX_LIMIT}")


class FiguresOut(Schema):
    published: int = Field(description="留言量：期内刊发的留言")
    replied: int = Field(description="回复量：期内公开回复的留言")
    replied_on_time: int = Field(description="按期回复的留言：期内回复中未超过回复时限的")
    overdue: int = Field(description="超期未回复：回复时限在期内（且当天已过）、至今仍未回复的留言")
    closed: int = Field(description="期内办结的留言")
    rated: int = Field(description="期内评价的留言（每条留言取最近一次评价）")
    satisfied: int = Field(description="满意（三项评分平均不低于 4 分）的留言")
    reply_rate: float | None = Field(description="回复率 = 回复量 / 留言量，最高 1")
    on_time_rate: float | None = Field(description="按期回复率 = 按期回复 / (回复量 + 超期未回复)")
    avg_reply_hours: float | None = Field(description="平均回复用时（小时，自提交至回复公开）")
    satisfaction_rate: float | None = Field(description="满意率 = 满意 / 评价")
    revisit_base: int = Field(description="应回访：期内办结、或期内评价不满意且待回访的留言")
    revisited: int = Field(description="已回访：应回访的留言中至今已回访的")
    revisits: int = Field(description="期内的回访次数（电话、上门、视频）")
    revisits_satisfied: int = Field(description="回访中留言人表示满意或基本满意的次数")
    revisit_rate: float | None = Field(description="回访率 = 已回访 / 应回访")
    revisit_satisfaction_rate: float | None = Field(description="回访满意率 = 回访满意 / 回访次数")


class TrendPointOut(FiguresOut):
    start: date
    end: date


class ScopeOut(Schema):
    kind: str
    code: str
    name: str


class PeriodOut(Schema):
    start: date
    end: date


class StatsOut(Schema):
    scope: ScopeOut
    period: PeriodOut
    group: str
    figures: FiguresOut
    trend: list[TrendPointOut]


class RankingRowOut(FiguresOut):
    rank: int | None = Field(description="名次；样本不足（少于最低数量）时为空")
    code: str
    name: str


class RankingOut(Schema):
    scope: ScopeOut | None
    period: PeriodOut
    by: str
    min_volume: int
    rows: list[RankingRowOut]


def _figures(figures: stats.Figures) -> dict:
    return {
        "published": figures.published,
        "replied": figures.replied,
        "replied_on_time": figures.replied_on_time,
        "overdue": figures.overdue,
        "closed": figures.closed,
        "rated": figures.rated,
        "satisfied": figures.satisfied,
        "reply_rate": _round(figures.reply_rate, 4),
        "on_time_rate": _round(figures.on_time_rate, 4),
        "avg_reply_hours": _round(figures.avg_reply_hours, 1),
        "satisfaction_rate": _round(figures.satisfaction_rate, 4),
        "revisit_base": figures.revisit_base,
        "revisited": figures.revisited,
        "revisits": figures.revisits,
        "revisits_satisfied": figures.revisits_satisfied,
        "revisit_rate": _round(figures.revisit_rate, 4),
        "revisit_satisfaction_rate": _round(figures.revisit_satisfaction_rate, 4),
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _day(value: str, name: str) -> date:
    try:
        return inputs.parse_day(value)
    except ValueError as error:
        raise ApiError(400, "bad_date", f"{name}：{error}") from None


def _period(query: PeriodQuery, bucket: str = Bucket.DAY) -> tuple[date, date]:
    end = _day(query.date_to, "to") if query.date_to else timezone.localdate()
    start = _day(query.date_from, "from") if query.date_from else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ApiError(400, "bad_period", "起始日期不能晚于截止日期。")
    if (end - start).days + 1 > MAX_DAYS[bucket]:
        raise ApiError(
            400, "bad_period", f"按{Bucket(bucket).label}统计时，时间跨度不能超过 {MAX_DAYS[bucket]} 天。"
        )
    return start, end


def _bucket(group: str) -> str:
    if group not in Bucket.values:
        raise ApiError(400, "bad_group", "group 应为 day、week 或 month。")
    return group


def _found(scope: stats.Scope | None, what: str) -> stats.Scope:
    if scope is None:
        raise ApiError(404, "not_found", f"{what}不存在。")
    return scope


def _scope(scope: stats.Scope) -> dict:
    return {"kind": scope.kind, "code": scope.code, "name": scope.name}


def _stats(scope: stats.Scope, query: TrendQuery) -> dict:
    bucket = _bucket(query.group)
    start, end = _period(query, bucket)
    return {
        "scope": _scope(scope),
        "period": {"start": start, "end": end},
        "group": bucket,
        "figures": _figures(stats.figures(scope, start, end)),
        "trend": [
            {"start": point.start, "end": point.end, **_figures(point.figures)}
            for point in stats.trend(scope, start, end, bucket)
        ],
    }


@router.get("/stats/national", response={200: StatsOut, **ERRORS}, summary="全国统计")
def national_stats(request, query: Query[TrendQuery]):
    return _stats(stats.national(), query)


@router.get("/stats/regions/{code}", response={200: StatsOut, **ERRORS}, summary="地区统计（含下级）")
def region_stats(request, code: Line, query: Query[TrendQuery]):
    return _stats(_found(stats.region_scope(code), "行政区划"), query)


@router.get("/stats/leaders/{code}", response={200: StatsOut, **ERRORS}, summary="领导留言统计")
def leader_stats(request, code: Line, query: Query[TrendQuery]):
    return _stats(_found(stats.leader_scope(code), "领导"), query)


@router.get("/stats/ministries/{code}", response={200: StatsOut, **ERRORS}, summary="部委留言统计")
def ministry_stats(request, code: Line, query: Query[TrendQuery]):
    """A central department's figures: the messages addressed to its leaders, naming a place or none."""
    return _stats(_found(stats.department_scope(code), "部委"), query)


@router.get("/stats/units/{code}", response={200: StatsOut, **ERRORS}, summary="办理单位统计")
def unit_stats(request, code: Line, query: Query[TrendQuery]):
    return _stats(_found(stats.unit_scope(code), "办理单位"), query)


@router.get("/stats/campaigns/{slug}", response={200: StatsOut, **ERRORS}, summary="专栏统计")
def campaign_stats(request, slug: Line, query: Query[TrendQuery]):
    return _stats(_found(stats.campaign_scope(slug), "专栏"), query)


def _ranking(scope: stats.Scope | None, query: RankingQuery, rank) -> dict:
    if query.by not in RankBy.values:
        raise ApiError(400, "bad_order", "by 应为 reply_rate、speed、satisfaction 或 volume。")
    if not 1 <= query.limit <= MAX_LIMIT:
        raise ApiError(400, "bad_limit", f"limit 应为 1–{MAX_LIMIT}。")
    start, end = _period(query, Bucket.WEEK)
    rows = rank(start, end, query.by, query.limit)
    return {
        "scope": _scope(scope) if scope else None,
        "period": {"start": start, "end": end},
        "by": query.by,
        "min_volume": stats.MIN_VOLUME,
        "rows": [
            {"rank": row.rank, "code": row.code, "name": row.name, **_figures(row.figures)} for row in rows
        ],
    }


def _region(code: str) -> tuple[Region, stats.Scope]:
    region = Region.objects.filter(pk=code).first()
    if region is None:
        raise ApiError(404, "not_found", "行政区划不存在。")
    return region, stats.Scope("region", region.code, region.name, (region.code,))


@router.get("/stats/rankings/provinces", response={200: RankingOut, **ERRORS}, summary="省级排行")
def rank_provinces(request, query: Query[RankingQuery]):
    return _ranking(None, query, stats.rank_provinces)


@router.get("/stats/rankings/regions/{code}", response={200: RankingOut, **ERRORS}, summary="下级地区排行")
def rank_children(request, code: Line, query: Query[RankingQuery]):
    region, scope = _region(code)
    return _ranking(scope, query, lambda *args: stats.rank_children(region, *args))


@router.get(
    "/stats/rankings/regions/{code}/units", response={200: RankingOut, **ERRORS}, summary="地区内办理单位排行"
)
def rank_units(request, code: Line, query: Query[RankingQuery]):
    region, scope = _region(code)
    return _ranking(scope, query, lambda *args: stats.rank_units(region, *args))


class LevelCoverageOut(Schema):
    level: str = Field(description="级别：province、prefecture、county 或 township")
    label: str
    places: int = Field(description="现行行政区划数")
    onboarded: int = Field(description="已入驻：有可留言的领导（其留言办理工作机构启用）且有启用的办理单位")
    onboarded_rate: float | None = Field(description="入驻率 = 已入驻 / 行政区划数")
    replying: int = Field(description="已入驻且其办理单位在统计期内有回复公开的")
    replying_rate: float | None = Field(description="近期有回复的占比 = 近期有回复 / 已入驻")


class ProvinceCoverageOut(Schema):
    code: str
    name: str
    levels: list[LevelCoverageOut]


class CoverageOut(Schema):
    as_of: date = Field(description="统计日期")
    replies_since: date = Field(description="回复统计期的第一天（含），至统计日期共 90 天")
    levels: list[LevelCoverageOut]
    provinces: list[ProvinceCoverageOut]


def _level_coverage(row: coverage.LevelCoverage) -> dict:
    return {
        "level": row.level,
        "label": row.label,
        "places": row.places,
        "onboarded": row.onboarded,
        "onboarded_rate": _round(row.onboarded_rate, 4),
        "replying": row.replying,
        "replying_rate": _round(row.replying_rate, 4),
    }


@router.get("/stats/coverage", response=CoverageOut, summary="入驻情况（各级、各省份）")
def coverage_stats(request):
    figures = coverage.coverage()
    return {
        "as_of": figures.as_of,
        "replies_since": figures.since,
        "levels": [_level_coverage(row) for row in figures.levels],
        "provinces": [
            {
                "code": province.code,
                "name": province.name,
                "levels": [_level_coverage(row) for row in province.levels],
            }
            for province in figures.provinces
        ],
    }
