"""States and kinds of the message lifecycle (DESIGN.md §4), with their Chinese labels."""

from django.db import models


class MessageState(models.TextChoices):
    PENDING_REVIEW = "pending_review", "待审核"
    REJECTED = "rejected", "未通过审核"
    WITHDRAWN = "withdrawn", "已撤回"
    PUBLISHED = "published", "待交办"
    ASSIGNED = "assigned", "待受理"
    IN_PROGRESS = "in_progress", "办理中"
    REPLY_REVIEW = "reply_review", "回复审核中"
    REPLIED = "replied", "已回复"
    CLOSED = "closed", "已办结"


# States in which a message has been published and is visible to the public (unless hidden or private).
PUBLIC_STATES = frozenset(
    {
        MessageState.PUBLISHED,
        MessageState.ASSIGNED,
        MessageState.IN_PROGRESS,
        MessageState.REPLY_REVIEW,
        MessageState.REPLIED,
        MessageState.CLOSED,
    }
)
# States in which a unit holds the message and its deadlines run.
HANDLING_STATES = frozenset({MessageState.ASSIGNED, MessageState.IN_PROGRESS, MessageState.REPLY_REVIEW})
# States in which a message may be merged (并单), as the duplicate or as the message it joins.
MERGEABLE_STATES = frozenset({MessageState.PUBLISHED, MessageState.ASSIGNED, MessageState.IN_PROGRESS})


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", "提交留言"
    WITHDRAWN = "withdrawn", "撤回留言"
    PUBLISHED = "published", "审核刊发"
    REJECTED = "rejected", "审核未通过"
    HIDDEN = "hidden", "隐藏"
    UNHIDDEN = "unhidden", "取消隐藏"
    ASSIGNED = "assigned", "交办"
    ACCEPTED = "accepted", "受理"
    TRANSFERRED = "transferred", "转办"
    RETURNED = "returned", "退回"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_APPROVED = "extension_approved", "同意延期"
    EXTENSION_REFUSED = "extension_refused", "不同意延期"
    REPLY_SUBMITTED = "reply_submitted", "提交回复"
    REPLY_APPROVED = "reply_approved", "回复"
    REPLY_SENT_BACK = "reply_sent_back", "退回回复"
    RATED = "rated", "评价"
    FOLLOWED_UP = "followed_up", "追问"
    REOPENED = "reopened", "重新办理"
    REMINDED = "reminded", "催办"
    DEADLINE_WARNING = "deadline_warning", "即将超期提醒"
    SUPERVISED = "supervised", "督办"
    INSTRUCTED = "instructed", "批示"
    MERGED = "merged", "并单"
    REVISITED = "revisited", "回访"
    CLOSED = "closed", "办结"
    MARKED = "marked", "编辑标记"
    UNMARKED = "unmarked", "取消编辑标记"
    RECLASSIFIED = "reclassified", "修改领域或类型"


# The public timeline of a message (提交 → 刊发 → 交办 → 受理 → 回复 …) shows only these kinds.
PUBLIC_EVENT_KINDS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.PUBLISHED,
        EventKind.ASSIGNED,
        EventKind.ACCEPTED,
        EventKind.TRANSFERRED,
        EventKind.REPLY_APPROVED,
        EventKind.RATED,
        EventKind.FOLLOWED_UP,
        EventKind.REOPENED,
        EventKind.SUPERVISED,
        EventKind.MERGED,
        EventKind.REVISITED,
        EventKind.CLOSED,
    }
)


class ReplyState(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "审核中"
    PUBLISHED = "published", "已发布"
    SENT_BACK = "sent_back", "已退回"


class ExtensionState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已同意"
    REFUSED = "refused", "未同意"


class MarkKind(models.TextChoices):
    """What an editor marks a message as: to follow its handling, or as a lead for reporting."""

    TRACK = "track", "跟踪督办"
    LEAD = "lead", "报道线索"


class CampaignChangeKind(models.TextChoices):
    CREATED = "created", "创建专栏"
    EDITED = "edited", "修改专栏"
    STATE = "state", "更改状态"


class RevisitMethod(models.TextChoices):
    """How a 回访 reached the citizen."""

    PHONE = "phone", "电话"
    VISIT = "visit", "上门"
    VIDEO = "video", "视频"


class RevisitOutcome(models.TextChoices):
    """What the citizen said of the handling when revisited."""

    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


# A revisit with one of these outcomes closes a message that awaited it.
SATISFIED_OUTCOMES = frozenset({RevisitOutcome.SATISFIED, RevisitOutcome.BASICALLY_SATISFIED})


class CampaignState(models.TextChoices):
    DRAFT = "draft", "草稿"
    OPEN = "open", "征集中"
    CLOSED = "closed", "已结束"
