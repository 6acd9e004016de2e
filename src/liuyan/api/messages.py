"""Message endpoints: submit, list, read, act on (one route per lifecycle action), reply, attach."""

from datetime import datetime
from typing import Literal

from django.http import FileResponse, Http404
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from liuyan.accounts.audit import record_access
from liuyan.accounts.choices import AccessKind
from liuyan.api import presenters
from liuyan.api.auth import signed_in, viewer
from liuyan.api.errors import ApiError, ErrorOut, download, errors
from liuyan.api.fields import REGION_CODE, Id, Line, Moment, PageNumber, Text
from liuyan.api.throttles import SubmitThrottle
from liuyan.board import lifecycle, paging, selectors
from liuyan.board.actions import (
    classification,
    dispatch,
    feedback,
    handling,
    marks,
    moderation,
    oversight,
    replies,
    revisits,
    submission,
)
from liuyan.board.choices import MessageState
from liuyan.board.models import Attachment, Message
from liuyan.board.visibility import visible_messages
from liuyan.reports import exports

router = Router(tags=["留言"])

ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


class Ref(Schema):
    id: int
    name: str


class TypeRef(Schema):
    code: str
    name: str


class RegionRef(Schema):
    code: str
    name: str


class LeaderRef(Schema):
    id: int
    title: str


class ReturnInfo(Schema):
    unit: str
    at: datetime
    reason: str


class StaffInfo(Schema):
    author_username: str
    contact_phone: str
    desk: Ref
    unit: Ref | None
    accept_deadline: datetime | None
    reply_deadline: datetime | None
    overdue: bool
    due_soon: bool
    remind_count: int
    pending_extension_id: int | None
    returned: ReturnInfo | None = Field(
        None, description="退回留言办理工作机构、待重新交办时：哪个单位、何时、理由"
    )


class MessageOut(Schema):
    id: int
    serial: str
    title: str
    body: str
    state: str = Field(
        description="pending_review, rejected, withdrawn, published, assigned, in_progress, "
        "reply_review, replied, closed"
    )
    state_label: str
    hidden: bool
    public: bool
    anonymous: bool
    urgent: bool
    supervised: bool
    type: TypeRef
    domain: Ref
    region: RegionRef | None = Field(description="所涉地区；给中央部门、未涉及具体地区的留言为空")
    leader: LeaderRef
    campaign: str | None
    author: str = Field(description="留言人的昵称；匿名留言或未设昵称的显示为“网友”，从不显示登录名")
    support_count: int
    merged_into: int | None
    created_at: datetime
    published_at: datetime | None
    assigned_at: datetime | None
    accepted_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    staff: StaffInfo | None = Field(description="仅对有权办理的工作人员返回")


class EventOut(Schema):
    kind: str
    label: str
    at: datetime
    from_state: str | None
    to_state: str | None
    unit: str | None
    note: str
    by_system: bool
    by: str = Field(description="谁办的：留言人、留言板编辑、留言办理工作机构或办理单位的名称、领导或系统")
    to: str | None = Field(None, description="交办、转办给哪个单位")


class JointRef(Schema):
    id: int
    serial: str
    title: str


class ReasonOut(Schema):
    code: str
    text: str
    delta: int


class QualityOut(Schema):
    score: int = Field(description="回复质量 0–100，仅供审核参考")
    band: str = Field(description="good / fair / poor")
    reasons: list[ReasonOut]


class ReplyOut(Schema):
    id: int
    body: str
    unit: Ref
    state: str
    created_at: datetime
    published_at: datetime | None
    review_note: str
    message_ids: list[int]
    joint_with: list[JointRef]
    quality: QualityOut | None = Field(None, description="回复质量评分（仅审核人员可见）")


class RatingOut(Schema):
    resolution: int
    attitude: int
    speed: int
    comment: str
    created_at: datetime


class FollowUpOut(Schema):
    body: str
    created_at: datetime
    reopened: bool
    answer_deadline: datetime | None = Field(None, description="已回复留言的追问：办理单位的答复时限")


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class InstructionOut(Schema):
    leader: str
    text: str
    created_at: datetime


class ExtensionOut(Schema):
    id: int
    days: int
    reason: str
    state: str
    created_at: datetime
    decision_note: str


class RevisitOut(Schema):
    id: int
    method: str = Field(description="phone 电话 / visit 上门 / video 视频")
    method_label: str
    at: datetime
    outcome: str = Field(description="satisfied 满意 / basically_satisfied 基本满意 / unsatisfied 不满意")
    outcome_label: str
    unit: str = Field(description="回访的单位（办理单位或留言办理工作机构）")
    summary: str | None = Field(None, description="回访情况（留言人所说），仅对工作人员返回")
    by: str | None = Field(None, description="回访人，仅对工作人员返回")


class RevisitIn(Schema):
    method: Line = Field(description="phone / visit / video，或 电话 / 上门 / 视频")
    at: Moment = Field(description="回访时间，不晚于现在、不早于回复时间")
    summary: Text = Field(max_length=2000, description="回访情况（仅工作人员可见）")
    outcome: Line = Field(
        description="satisfied / basically_satisfied / unsatisfied，或 满意 / 基本满意 / 不满意"
    )


class AfterReplyOut(Schema):
    """Where a replied message stands for its author and the desk."""

    awaiting_revisit: bool = Field(description="评价不满意，等待留言办理工作机构回访")
    follow_up_open: bool = Field(description="留言人现在可以追问")
    follow_up_deadline: datetime | None = Field(description="待答复追问的答复时限；没有待答复的追问时为空")


class MessageDetailOut(MessageOut):
    after_reply: AfterReplyOut
    timeline: list[EventOut]
    replies: list[ReplyOut]
    ratings: list[RatingOut]
    follow_ups: list[FollowUpOut]
    revisits: list[RevisitOut]
    attachments: list[AttachmentOut]
    instructions: list[InstructionOut]
    extensions: list[ExtensionOut]


class MessagePage(Schema):
    count: int = Field(
        description=f"符合条件的留言条数，最多数到 {paging.COUNT_CAP}；more 为 true 时实际更多，"
        f"只能翻到前 {paging.COUNT_CAP} 条（可加筛选条件，或用导出接口取全部）"
    )
    more: bool = Field(False, description=f"为 true 表示符合条件的留言多于 {paging.COUNT_CAP} 条")
    page: int
    page_size: int
    results: list[MessageOut]


class MessageIn(Schema):
    leader_id: Id
    type: Line = Field(description="类型代码（如 complaint）或名称（如 投诉）")
    domain: Id | Line = Field(description="领域 id 或名称")
    title: Line
    body: Text
    region_code: Line | None = Field(None, pattern=REGION_CODE)
    campaign: Line | None = None
    public: bool = True
    anonymous: bool = False
    contact_phone: Line | None = None


class CreatedMessage(Schema):
    id: int
    serial: str
    state: str


class ListQuery(Schema):
    region: Line | None = Field(None, pattern=REGION_CODE, description="行政区划代码，含下级")
    leader: Id | None = None
    type: Line | None = None
    domain: Id | None = None
    state: Literal[tuple(MessageState.values)] | None = None  # type: ignore[valid-type]
    campaign: Line | None = None
    q: Line | None = Field(None, max_length=100, description="关键词")
    sort: Literal["newest", "support"] = "newest"
    page: PageNumber = 1
    page_size: int = Field(20, ge=1, le=100)


class ActionIn(Schema):
    """The body of POST /messages/{id}/{action}; each action reads the fields it needs."""

    reason: Text | None = None
    note: Text | None = None
    unit_id: Id | None = None
    days: int | None = None
    text: Text | None = None
    new_question: bool = False
    urgent: bool | None = None
    resolution: int | None = None
    attitude: int | None = None
    speed: int | None = None
    comment: Text | None = None
    into_id: Id | None = None
    kind: Text | None = None  # mark / unmark: track (跟踪督办) or lead (报道线索)
    domain: Id | Line | None = None  # reclassify: 领域 id or top-level name
    message_type: Line | None = None  # reclassify: 类型 code or name


class ReplyIn(Schema):
    body: Text
    also_message_ids: list[Id] = Field(default_factory=list, max_length=200)


def _page(messages, query: ListQuery, user) -> dict:
    """One page of a list: counted up to paging.COUNT_CAP (never the whole table), no rows past it."""
    related = (*selectors.ROW_RELATED, "campaign", "author")
    if getattr(user, "is_authenticated", False):  # what staff in scope see as well
        related = (*related, "desk", "unit", "extensions")
    count, more, rows = paging.capped_slice(
        selectors.for_page(messages, related), page=query.page, page_size=query.page_size
    )
    return {
        "count": count,
        "more": more,
        "page": query.page,
        "page_size": query.page_size,
        "results": [presenters.message_summary(m, user) for m in rows],
    }


def _filters(query: ListQuery) -> selectors.MessageFilters:
    return selectors.MessageFilters(
        region=query.region,
        leader=query.leader,
        message_type=query.type,
        domain=query.domain,
        state=query.state,
        campaign=query.campaign,
        q=(query.q or "").strip() or None,
        sort=query.sort,
    )


@router.post(
    "/messages",
    response={201: CreatedMessage, **ERRORS},
    auth=signed_in,
    throttle=[SubmitThrottle()],
    summary="提交留言",
)
def submit(request, payload: MessageIn):
    message = submission.submit_message(
        request.auth,
        leader_id=payload.leader_id,
        message_type=payload.type,
        domain=payload.domain,
        title=payload.title,
        body=payload.body,
        region_code=payload.region_code,
        campaign_slug=payload.campaign,
        public=payload.public,
        anonymous=payload.anonymous,
        contact_phone=payload.contact_phone,
        follow_up_in_task=True,
    )
    return Status(201, {"id": message.id, "serial": message.serial, "state": message.state})


@router.get("/messages", response={200: MessagePage, **ERRORS}, summary="公开留言列表")
def list_messages(request, query: Query[ListQuery]):
    user = viewer(request)
    return _page(selectors.filter_messages(selectors.public_messages(), _filters(query)), query, user)


class ExportQuery(ListQuery):
    format: Literal["csv", "xlsx"] = Field("csv", description="csv（UTF-8 带 BOM）或 xlsx")


@router.get(
    "/messages/export",
    response={200: None, **ERRORS},
    openapi_extra=download("CSV 或 XLSX 文件", "text/csv", exports.XLSX_CONTENT_TYPE),
    summary="导出公开留言（CSV / XLSX）",
    description="与公开留言列表相同的筛选条件（忽略 page、page_size），导出全部符合条件的留言，字段已打码。",
)
def export_messages(request, query: Query[ExportQuery]):
    messages = selectors.filter_messages(selectors.public_messages(), _filters(query))
    return exports.export_response(messages.defer("search_tokens"), exports.PUBLIC, query.format)


@router.get("/messages/mine", response={200: MessagePage, **ERRORS}, auth=signed_in, summary="我的留言")
def my_messages(request, query: Query[ListQuery]):
    messages = selectors.filter_messages(Message.objects.filter(author=request.auth), _filters(query))
    if query.sort == "newest":  # newest submitted first, as on the page: unpublished ones have no date yet
        messages = messages.order_by("-created_at", "-id")
    return _page(messages, query, request.auth)


@router.get("/messages/{message_id}", response={200: MessageDetailOut, **ERRORS}, summary="留言详情")
def get_message(request, message_id: Id):
    user = viewer(request)
    message = (
        visible_messages(user)
        .select_related(*selectors.LIST_RELATED)
        .prefetch_related("extensions")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise Http404
    return _detail(request, message, user)


def _detail(request, message: Message, user) -> dict:
    """The message's detail for `user`. Staff in scope get the contact phone and the unmasked texts: that
    look is recorded (个人信息保护法), unless it is the author reading their own message."""
    if selectors.is_staff_viewer(user, message) and message.author_id != user.id:
        record_access(request, AccessKind.MESSAGE, message=message, user=user)
    return presenters.message_detail(message, user)


@router.get(
    "/messages/{message_id}/attachments/{attachment_id}",
    response={200: None, **errors(401, 404, 422, 503)},
    openapi_extra=download("附件文件", "image/jpeg", "image/png", "image/webp", "application/pdf"),
    url_name="message_attachment",
    summary="下载附件",
    description="文件名为“附件1.jpg”这样的序号名；不公开留言的附件被工作人员打开时记入访问记录。",
)
def get_attachment(request, message_id: Id, attachment_id: Id):
    user = viewer(request)
    message = visible_messages(user).filter(pk=message_id).first()
    attachment = Attachment.objects.filter(pk=attachment_id, message_id=message_id).first()
    if message is None or attachment is None:
        raise Http404
    try:
        content = attachment.file.open("rb")
    except OSError:
        raise ApiError(503, "storage_unavailable", "附件暂时无法读取，请稍后再试。") from None
    if not message.is_public and message.author_id != user.pk:
        # Only staff in scope see another's unpublished message (visible_messages): 个人信息保护法.
        record_access(request, AccessKind.ATTACHMENT, message=message, detail=attachment.label, user=user)
    return FileResponse(content, content_type=attachment.content_type, filename=attachment.label)


@router.post(
    "/messages/{message_id}/attachments",
    response={201: list[AttachmentOut], **ERRORS, 503: ErrorOut},
    auth=signed_in,
    summary="上传附件（审核前）",
    description="图片重新编码、PDF 重写，去掉拍摄位置、设备型号、作者等元数据；原文件名不保留。",
)
def upload_attachments(request, message_id: Id, files: File[list[UploadedFile]]):
    saved = submission.add_attachments(request.auth, message_id, files)
    return Status(201, [presenters.attachment_payload(a) for a in saved])


@router.post(
    "/messages/{message_id}/replies",
    response={201: ReplyOut, **ERRORS},
    auth=signed_in,
    summary="提交回复（进入审核）",
)
def submit_reply(request, message_id: Id, payload: ReplyIn):
    reply = replies.submit_reply(request.auth, message_id, payload.body, payload.also_message_ids)
    return Status(201, presenters.reply_payload(reply, originals=True, for_message=message_id))


@router.post(
    "/messages/{message_id}/revisits",
    response={201: RevisitOut, **ERRORS},
    auth=signed_in,
    summary="录入回访",
    description="办理单位或留言办理工作机构录入对留言人的回访（电话 / 上门 / 视频）。"
    "留言因评价不满意而待回访时，回访结果为满意或基本满意即办结；"
    "不满意时留待留言办理工作机构决定是否重新办理（POST …/reopen）。",
)
def record_revisit(request, message_id: Id, payload: RevisitIn):
    revisit = revisits.record_revisit(
        request.auth, message_id, payload.method, payload.at, payload.summary, payload.outcome
    )
    return Status(201, presenters.revisit_payload(revisit, staff=True))


# How the API calls each step of the lifecycle table that acts on a message (board/lifecycle.py), as
# (user, message id, body) → the action call. The actions check rights and state. A reply is created at
# /messages/{id}/replies, and reviewed or decided at /replies/… and /extensions/… (api/review.py).
CALLS = {
    "withdraw": lambda u, pk, b: submission.withdraw_message(u, pk),
    "support": lambda u, pk, b: submission.support_message(u, pk),
    "publish": lambda u, pk, b: moderation.publish_message(u, pk),
    "reject": lambda u, pk, b: moderation.reject_message(u, pk, b.reason),
    "hide": lambda u, pk, b: moderation.hide_message(u, pk, b.reason),
    "unhide": lambda u, pk, b: moderation.unhide_message(u, pk),
    "assign": lambda u, pk, b: dispatch.assign_message(u, pk, b.unit_id, b.note, b.urgent),
    "transfer": lambda u, pk, b: dispatch.transfer_message(u, pk, b.unit_id, b.note or b.reason),
    "return": lambda u, pk, b: dispatch.return_message(u, pk, b.reason),
    "merge": lambda u, pk, b: dispatch.merge_messages(u, pk, b.into_id),
    "accept": lambda u, pk, b: handling.accept_message(u, pk),
    "request-extension": lambda u, pk, b: handling.request_extension(u, pk, b.days, b.reason),
    "remind": lambda u, pk, b: oversight.remind_message(u, pk, b.note or b.text),
    "supervise": lambda u, pk, b: oversight.supervise_message(u, pk, b.note or b.text),
    "instruct": lambda u, pk, b: oversight.instruct_message(u, pk, b.text),
    "mark": lambda u, pk, b: marks.mark_message(u, pk, b.kind, b.note or b.text),
    "unmark": lambda u, pk, b: marks.unmark_message(u, pk, b.kind, b.note or b.text),
    "reclassify": lambda u, pk, b: classification.reclassify_message(
        u, pk, b.domain, b.message_type, b.note or b.text
    ),
    "rate": lambda u, pk, b: feedback.rate_message(
        u, pk, resolution=b.resolution, attitude=b.attitude, speed=b.speed, comment=b.comment
    ),
    "followup": lambda u, pk, b: feedback.follow_up_message(u, pk, b.text, b.new_question),
    "reopen": lambda u, pk, b: revisits.reopen_message(u, pk, b.reason or b.note),
}
# Every step on a message but `reply` and `revisit` (their own routes above) has its call.
OWN_ROUTES = {"reply", "revisit"}
assert set(CALLS) == {step.slug for step in lifecycle.routed(lifecycle.Target.MESSAGE)} - OWN_ROUTES
# The URL slugs, with the older names still accepted (`extension` for request-extension).
ACTIONS = {
    slug: CALLS[step.slug]
    for step in lifecycle.routed(lifecycle.Target.MESSAGE)
    if step.slug in CALLS
    for slug in step.slugs
}
ActionName = Literal[tuple(ACTIONS)]  # type: ignore[valid-type]


@router.post(
    "/messages/{message_id}/{action}",
    response={200: MessageDetailOut, **ERRORS},
    auth=signed_in,
    summary="办理操作",
)
def act(request, message_id: Id, action: ActionName, payload: ActionIn | None = None):
    """One lifecycle action on a message; answers the message as the caller now sees it."""
    ACTIONS[action](request.auth, message_id, payload or ActionIn())
    message = (
        Message.objects.select_related(*selectors.LIST_RELATED)
        .prefetch_related("extensions")
        .get(pk=message_id)
    )
    return _detail(request, message, request.auth)
