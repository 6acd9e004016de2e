"""The staff workbench and the notification inbox."""

from datetime import datetime

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from liuyan.api import presenters
from liuyan.api.auth import signed_in
from liuyan.api.errors import error_response
from liuyan.api.fields import Id, Line, PageNumber
from liuyan.api.messages import ERRORS, MessageOut, RegionRef, ReplyOut, TypeRef
from liuyan.board import queues as board_queues
from liuyan.board import selectors
from liuyan.board.choices import MessageState
from liuyan.board.models import ExtensionRequest, Message, Reply
from liuyan.board.paging import CappedPaginator
from liuyan.intelligence.routing_choice import page_suggestions
from liuyan.notify import actions as notify_actions
from liuyan.notify import selectors as notify_selectors

router = Router(tags=["工作台与通知"])

QUEUE_PREVIEW = 20


class ExtensionItem(Schema):
    id: int
    message_id: int
    serial: str
    unit: str
    days: int
    reason: str
    created_at: datetime


class QueueOut(Schema):
    count: int
    messages: list[MessageOut] = Field(default_factory=list)
    replies: list[ReplyOut] = Field(default_factory=list)
    extensions: list[ExtensionItem] = Field(default_factory=list)


class WorkbenchOut(Schema):
    queues: dict[str, QueueOut] = Field(
        description="to_moderate, replies_to_review, desk_incoming, desk_returned, desk_due_soon, "
        "desk_overdue, extensions_pending, unit_to_accept, unit_in_progress, unit_due_soon, unit_overdue, "
        "unit_sent_back, unit_replied, supervised, overdue — only those the caller's roles give"
    )


def _queue(rows, user) -> dict:
    count = rows.count()
    preview = list(rows[:QUEUE_PREVIEW])
    queue = {"count": count, "messages": [], "replies": [], "extensions": []}
    if rows.model is Message:
        queue["messages"] = [presenters.message_summary(m, user) for m in preview]
    elif rows.model is Reply:
        queue["replies"] = [presenters.reply_payload(r, originals=True, quality=True) for r in preview]
    elif rows.model is ExtensionRequest:
        queue["extensions"] = [
            {
                "id": e.id,
                "message_id": e.message_id,
                "serial": e.message.serial,
                "unit": e.unit.name,
                "days": e.days,
                "reason": e.reason,
                "created_at": e.created_at,
            }
            for e in preview
        ]
    return queue


@router.get("/workbench", response={200: WorkbenchOut, **ERRORS}, auth=signed_in, summary="工作台待办")
def workbench(request):
    queues = selectors.workbench_queues(request.auth)
    return {"queues": {name: _queue(rows, request.auth) for name, rows in queues.items()}}


class QueueQuery(Schema):
    q: Line | None = Field(None, description="标题或编号包含的文字；完整的留言编号精确匹配")
    region: Line | None = Field(None, description="行政区划代码（6 位）：该地及其下辖地区")
    domain: Line | None = Field(None, description="领域的 id 或名称（含下级领域）")
    type: Line | None = Field(None, description="留言类型的代码或名称")
    campaign: Line | None = Field(None, description="专栏的网址标识")
    urgent: Line | None = Field(None, description="1：只看紧急")
    overdue: Line | None = Field(None, description="1：只看超期")
    supervised: Line | None = Field(None, description="1：只看督办")
    state: Line | None = Field(None, description="队列跨多种状态时，只看其中一种")
    sort: Line | None = Field(None, description="newest、oldest 或 deadline（各队列提供的排序不同）")
    page: Line | None = Field(None, description="页码，每页 20 条；计数到 1000 条为止")


class QueueRef(Schema):
    id: int
    name: str


class QueueReturn(Schema):
    reason: str
    unit: str
    by: str
    at: datetime


class QueueSuggestion(Schema):
    unit_id: int
    unit: str
    score: float = Field(description="系统建议的置信度（0–1）")
    reason: str


class QueueRow(Schema):
    id: int = Field(description="行的编号：留言、回复（待审核回复）或延期申请（延期申请）的 id")
    message_id: int
    serial: str
    title: str
    state: str
    region: RegionRef | None = Field(description="所涉地区；给中央部门、未涉及具体地区的留言为空")
    type: TypeRef
    domain: QueueRef
    created_at: datetime = Field(description="留言的提交时间")
    received_at: datetime | None = Field(description="队列所示并据以排序的时间（如待交办为刊发时间）")
    deadline: datetime | None = Field(
        description="当前所受的时限（受理或回复；已回复留言有待答复的追问时为追问答复时限）"
    )
    flags: list[str] = Field(
        description="urgent、supervised、reminded、returned、overdue、revisit（评价不满意待回访）、"
        "follow_up（追问待答复）"
    )
    remind_count: int
    returned: QueueReturn | None = Field(description="被退回队列：最近一次退回的理由、单位和经办人")
    suggestion: QueueSuggestion | None = Field(description="待交办、被退回队列：系统建议的办理单位")


class QueuePage(Schema):
    queue: str
    total: int = Field(description="符合条件的条数，计到 1000 为止")
    total_capped: bool = Field(description="为 true 时实际条数超过 total")
    page: int
    pages: int
    rows: list[QueueRow]


def _queue_row(row, message: Message, queue: str, now, returns, suggestions) -> dict:
    spec = board_queues.spec_for(queue)
    replied = message.state == MessageState.REPLIED
    # A replied message runs against no handling deadline; a follow-up waiting for the unit's answer does.
    deadline = selectors.running_deadline(message) or (message.follow_up_deadline if replied else None)
    returned = returns.get(message.pk)
    flags = [
        flag
        for flag, on in (
            ("urgent", message.urgent),
            ("supervised", message.supervised),
            ("reminded", message.remind_count > 0),
            ("returned", returned is not None),
            ("overdue", deadline is not None and deadline < now),
            ("revisit", replied and message.awaiting_revisit),
            ("follow_up", replied and message.follow_up_deadline is not None),
        )
        if on
    ]
    suggestion = suggestions.get(message.pk)
    return {
        "id": row.pk,
        "message_id": message.pk,
        "serial": message.serial,
        "title": message.title,
        "state": message.state,
        "region": presenters.region_ref(message),
        "type": {"code": message.message_type.code, "name": message.message_type.name},
        "domain": {"id": message.domain_id, "name": message.domain.name},
        "created_at": message.created_at,
        "received_at": getattr(message, spec.received) if row is message else row.created_at,
        "deadline": deadline,
        "flags": flags,
        "remind_count": message.remind_count,
        "returned": None if returned is None else vars(returned),
        "suggestion": None
        if suggestion is None
        else {
            "unit_id": suggestion.unit.pk,
            "unit": suggestion.unit.name,
            "score": round(suggestion.confidence, 3),
            "reason": suggestion.reason,
        },
    }


ROW_MESSAGE = Message.objects.select_related("region", "message_type", "domain")


@router.get(
    "/workbench/queues/{queue}",
    response={200: QueuePage, **ERRORS},
    auth=signed_in,
    summary="工作台队列（筛选、排序、分页）",
)
def workbench_queue(request, queue: Line, query: Query[QueueQuery]):
    """One queue of the caller's workbench, as the workbench's table shows it: the same filters, sorts and
    pages of 20. A queue the caller's roles do not give answers 404; a filter value that names nothing
    (an unknown region, domain, type or campaign, a region that is not 6 half-width digits, a page that is
    not a number) answers 422 naming it in `fields`."""
    now = timezone.now()
    queues = selectors.workbench_queues(request.auth, now)
    if queue not in queues:
        raise Http404
    filters, problems = board_queues.parse_filters(query.dict(exclude_none=True), queue)
    if problems:
        return error_response(
            422, "validation_error", "筛选条件无效：" + "；".join(problems.values()), fields=problems
        )
    rows = board_queues.filter_queue(queues[queue], queue, filters, now)
    if rows.model is Reply:
        rows = rows.prefetch_related(None).prefetch_related(Prefetch("messages", queryset=ROW_MESSAGE))
    elif rows.model is ExtensionRequest:
        rows = rows.select_related("message__region", "message__message_type", "message__domain")
    paginator = CappedPaginator(rows, board_queues.PER_PAGE, count_unordered=True)
    start = (filters.page - 1) * paginator.per_page
    shown = (
        list(rows[start : min(start + paginator.per_page, paginator.cap)]) if start < paginator.cap else []
    )
    pairs = []
    for row in shown:
        if isinstance(row, Message):
            pairs.append((row, row))
        elif isinstance(row, Reply):
            pairs.extend((row, message) for message in row.messages.all()[:1])
        else:
            pairs.append((row, row.message))
    ids = [message.pk for _row, message in pairs]
    returns = board_queues.latest_returns(ids) if queue == "desk_returned" else {}
    suggestions = page_suggestions(request.auth, ids) if queue in board_queues.SUGGESTING else {}
    return {
        "queue": queue,
        "total": paginator.count,
        "total_capped": paginator.more,
        "page": filters.page,
        "pages": paginator.num_pages,
        "rows": [_queue_row(row, message, queue, now, returns, suggestions) for row, message in pairs],
    }


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    message_id: int | None
    created_at: datetime
    read: bool


class NotificationPage(Schema):
    count: int
    unread: int
    results: list[NotificationOut]


class InboxQuery(Schema):
    unread: bool = False
    page: PageNumber = 1
    page_size: int = Field(20, ge=1, le=100)


class ReadIn(Schema):
    ids: list[Id] | None = Field(None, description="省略时全部标为已读")


class ReadOut(Schema):
    marked: int


@router.get("/notifications", response={200: NotificationPage, **ERRORS}, auth=signed_in, summary="我的通知")
def notifications(request, query: Query[InboxQuery]):
    inbox = notify_selectors.inbox(request.auth, unread_only=query.unread)
    start = (query.page - 1) * query.page_size
    return {
        "count": inbox.count(),
        "unread": notify_selectors.unread_count(request.auth),
        "results": [
            {
                "id": n.id,
                "kind": n.kind,
                "text": n.text,
                "message_id": n.message_id,
                "created_at": n.created_at,
                "read": n.read_at is not None,
            }
            for n in inbox[start : start + query.page_size]
        ],
    }


@router.post("/notifications/read", response={200: ReadOut, **ERRORS}, auth=signed_in, summary="标为已读")
def mark_read(request, payload: ReadIn):
    return {"marked": notify_actions.mark_read(request.auth, payload.ids)}
