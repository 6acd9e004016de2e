"""Search of the public messages: the search page's ranking, filters and marked words, as JSON."""

import math
from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from liuyan.api import presenters
from liuyan.api.auth import viewer
from liuyan.api.errors import ApiError, errors
from liuyan.api.fields import REGION_CODE, Day, Id, Line, PageNumber
from liuyan.board import search, selectors
from liuyan.board.privacy import mask_text

router = Router(tags=["留言"])

EXCERPT_CHARS = 90


def beyond_ranked(matches) -> str | None:
    """How many messages match when more match than a search ranks, in Chinese: the planner's estimate
    rounded ("约 9.1 万条"), or "超过 200 条" when the estimate is missing or below what was ranked."""
    if not getattr(matches, "more", False):
        return None
    estimate = matches.estimate() or 0
    if estimate <= len(matches):
        return f"超过 {len(matches)} 条"
    if estimate >= 10_000:
        return f"约 {estimate / 10_000:.1f}".removesuffix(".0") + " 万条"
    return f"约 {round(estimate, -2):,} 条"


class SearchQuery(Schema):
    q: Line = Field(min_length=1, max_length=50, description="搜索词；多个词须都出现在留言中")
    region: Line | None = Field(
        None, pattern=REGION_CODE, description="行政区划代码（省、市、县、乡均可），含下级"
    )
    type: Line | None = Field(None, max_length=50, description="类型代码（如 complaint）或名称")
    domain: Id | None = Field(None, description="领域 id，含下级领域")
    state: Literal[tuple(selectors.PUBLIC_TABS)] | None = Field(  # type: ignore[valid-type]
        None, description="办理状态：waiting 待回复、handling 办理中、handled 已办理"
    )
    start: Day | None = Field(None, alias="from", description="刊发日期从（含）")
    end: Day | None = Field(None, alias="to", description="刊发日期到（含）")
    page: PageNumber = 1
    page_size: int = Field(20, ge=1, le=50)


class Named(Schema):
    code: str
    name: str


class SearchHit(Schema):
    id: int
    serial: str
    title: str
    title_marks: list[tuple[int, int]] = Field(
        description="标题中搜索词出现的位置 [起, 止)，按 Unicode 字符计"
    )
    excerpt: str = Field(description="正文中搜索词附近的一段（未出现时为开头一段）")
    excerpt_marks: list[tuple[int, int]]
    state: str
    state_label: str
    type: Named
    domain: str
    region: Named | None = Field(description="所涉地区；给中央部门、未涉及具体地区的留言为空")
    leader: str
    published_at: datetime | None
    replied_at: datetime | None
    support_count: int


class SearchPage(Schema):
    q: str
    count: int = Field(description=f"参与排序的匹配留言条数，最多 {search.CANDIDATES} 条（最新的匹配）")
    more: bool = Field(description="为 true 表示匹配的留言多于参与排序的条数")
    total_label: str = Field(description="页面上显示的总数说明，如“约 9.1 万条”“超过 200 条”“12 条”")
    page: int
    pages: int
    page_size: int
    results: list[SearchHit] = Field(description="标题含搜索词的在前，然后按相关程度、刊发时间排列")


def hit(message, viewer, pattern) -> dict:
    """A found message as the search shows it: masked unless the viewer sees the originals."""
    show = (lambda text: text) if selectors.sees_originals(viewer, message) else mask_text
    title = show(message.title)
    excerpt, excerpt_marks = search.excerpt_around(show(message.body), pattern, EXCERPT_CHARS)
    return {
        "id": message.id,
        "serial": message.serial,
        "title": title,
        "title_marks": search.term_spans(title, pattern),
        "excerpt": excerpt,
        "excerpt_marks": excerpt_marks,
        "state": message.state,
        "state_label": message.get_state_display(),
        "type": {"code": message.message_type.code, "name": message.message_type.name},
        "domain": message.domain.name,
        "region": presenters.region_ref(message),
        "leader": message.leader.title,
        "published_at": message.published_at,
        "replied_at": message.replied_at,
        "support_count": message.support_count,
    }


@router.get("/search", response={200: SearchPage, **errors(401, 422)}, summary="搜索公开留言")
def search_messages(request, query: Query[SearchQuery]):
    """The best matches among the newest matching public messages (as the search page ranks them)."""
    user, q = viewer(request), query.q.strip()
    if not q:
        raise ApiError(422, "invalid", "请输入要搜索的词。")
    if query.start and query.end and query.start > query.end:
        raise ApiError(422, "invalid", "开始日期（from）不能晚于结束日期（to）。")
    filters = selectors.MessageFilters(
        region=query.region,
        message_type=query.type,
        domain=query.domain,
        published_from=query.start,
        published_to=query.end,
    )
    matches = selectors.search_public(q, filters, query.state)
    count, size = len(matches), query.page_size
    first = (query.page - 1) * size
    rows = matches[first : first + size] if first < count else []
    pattern = search.query_pattern(q)
    return {
        "q": q,
        "count": count,
        "more": bool(getattr(matches, "more", False)),
        "total_label": beyond_ranked(matches) or f"{count} 条",
        "page": query.page,
        "pages": math.ceil(count / size),
        "page_size": size,
        "results": [hit(message, user, pattern) for message in rows],
    }
