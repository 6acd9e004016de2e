"""The staff workbench and the notification inbox."""

from datetime import datetime

from ninja import Field, Query, Router, Schema

from liuyan.api import presenters
from liuyan.api.auth import signed_in
from liuyan.api.fields import Id, PageNumber
from liuyan.api.messages import ERRORS, MessageOut, ReplyOut
from liuyan.board import selectors
from liuyan.board.models import ExtensionRequest, Message, Reply
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
