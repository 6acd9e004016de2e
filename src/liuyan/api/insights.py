"""Insights for everyone: the hot topics (热点话题) of a period's public messages."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from liuyan.api.errors import ApiError
from liuyan.api.fields import REGION_CODE, Day, Line
from liuyan.api.messages import ERRORS
from liuyan.intelligence.hot_topics import UnknownFilter, hot_topics_between

router = Router(tags=["数据洞察"])

DEFAULT_DAYS = 30
MAX_DAYS = 366


class HotTopicsQuery(Schema):
    start: Day | None = Field(None, alias="from", description="起始日期（含），默认 30 天前")
    end: Day | None = Field(None, alias="to", description="截止日期（含），默认今天")
    region: Line | None = Field(None, pattern=REGION_CODE, description="行政区划代码，含下级")
    campaign: Line | None = Field(None, max_length=60, description="专栏标识")
    top: int = Field(10, ge=1, le=50)


class RegionCount(Schema):
    name: str
    count: int


class RepresentativeOut(Schema):
    id: int
    serial: str
    title: str
    support: int
    created_at: datetime


class TopicOut(Schema):
    label: str = Field(description="关键词，空格分隔")
    keywords: list[str]
    message_count: int
    author_count: int
    support_total: int
    regions: list[RegionCount]
    first_at: datetime
    last_at: datetime
    growth: float = Field(description="-1（趋冷）到 1（升温）：期末三分之一时段内留言占比相对平稳水平")
    score: float
    representatives: list[RepresentativeOut]


class HotTopicsOut(Schema):
    start: date
    end: date
    message_count: int = Field(description="参与聚类的公开留言数")
    covered_from: datetime | None = Field(
        description="留言过多时只统计最近的部分：所用最早一条留言的时间；统计了全部留言时为 null"
    )
    topics: list[TopicOut]


def topic_payload(topic) -> dict:
    return {
        "label": topic.label,
        "keywords": topic.keywords,
        "message_count": topic.message_count,
        "author_count": topic.author_count,
        "support_total": topic.support_total,
        "regions": [{"name": name, "count": count} for name, count in topic.regions],
        "first_at": topic.first_at,
        "last_at": topic.last_at,
        "growth": round(topic.growth, 3),
        "score": round(topic.score, 2),
        "representatives": [
            {
                "id": int(item.id),
                "serial": item.serial,
                "title": item.title,
                "support": item.support,
                "created_at": item.created_at,
            }
            for item in topic.representatives
        ],
    }


@router.get("/hot-topics", response={200: HotTopicsOut, **ERRORS}, summary="热点话题")
def hot_topics(request, query: Query[HotTopicsQuery]):
    today = timezone.localdate()
    end = query.end or today
    start = query.start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ApiError(400, "bad_period", "起始日期不能晚于截止日期。")
    if (end - start).days >= MAX_DAYS:
        raise ApiError(400, "bad_period", f"时间范围不能超过 {MAX_DAYS} 天。")
    zone = timezone.get_current_timezone()
    try:
        found = hot_topics_between(
            datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
            region=query.region,
            campaign=query.campaign,
            top=query.top,
        )
    except UnknownFilter as error:
        raise ApiError(404, "not_found", str(error)) from None
    return {
        "start": start,
        "end": end,
        "message_count": found.message_count,
        "covered_from": found.covered_from,
        "topics": [topic_payload(t) for t in found.topics],
    }
