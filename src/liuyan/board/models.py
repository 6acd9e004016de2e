import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Substr
from django.utils import timezone

from liuyan.board.choices import (
    PUBLIC_STATES,
    CampaignChangeKind,
    CampaignState,
    EventKind,
    ExtensionState,
    MarkKind,
    MessageState,
    ReplyState,
    RevisitMethod,
    RevisitOutcome,
)
from liuyan.core.scoping import ScopeLookups

TITLE_MIN, TITLE_MAX = 4, 60
BODY_MIN, BODY_MAX = 10, 5000


class Campaign(models.Model):
    """A column (专栏 / 征集) with its own time window, scope and intake."""

    title = models.CharField("标题", max_length=80)
    slug = models.SlugField("网址标识", max_length=60, unique=True)
    description = models.TextField("说明", blank=True)
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("结束时间")
    regions = models.ManyToManyField(
        "directory.Region", verbose_name="适用地区", blank=True, help_text="留空表示全国"
    )
    allowed_types = models.ManyToManyField(
        "directory.MessageType", verbose_name="允许的留言类型", blank=True, help_text="留空表示全部类型"
    )
    urgent_hours = models.PositiveSmallIntegerField(
        "紧急回复时限（小时）", null=True, blank=True, help_text="设置后，本专栏的留言按小时计算回复时限"
    )
    state = models.CharField(
        "状态", max_length=16, choices=CampaignState.choices, default=CampaignState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="创建人"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "专栏"
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="campaign_window")
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.state == CampaignState.OPEN and self.opens_at <= now < self.closes_at


class CampaignChange(models.Model):
    """An audit row of a campaign: its creation, an edit (which fields, from what to what) or a change of
    state, by whom and when. A campaign's history is these rows, as a message's is its Events."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="changes", verbose_name="专栏"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
    )
    kind = models.CharField("事件", max_length=16, choices=CampaignChangeKind.choices)
    note = models.TextField("变更内容", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "专栏变更记录"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.get_kind_display()}"


# The state tabs of the public lists (待回复 / 办理中 / 已办理): each has its own ordered index below.
PUBLIC_TAB_STATES = {
    "waiting": (MessageState.PUBLISHED, MessageState.ASSIGNED),
    "handling": (MessageState.IN_PROGRESS, MessageState.REPLY_REVIEW),
    "handled": (MessageState.REPLIED, MessageState.CLOSED),
}
# A province is the first two digits of a GB/T 2260 code, a prefecture the first four: the public list of a
# province or a prefecture reads the index of that code prefix (board.selectors.region_filter checks that the
# tree agrees; a place with nothing under it is its own code).
PROVINCE_PREFIX, PREFECTURE_PREFIX = 2, 4


def public_live(states=PUBLIC_STATES) -> Q:
    """Messages the public lists show, in `states`: published, not hidden, not private, not merged into
    another. The lists' partial indexes hold these rows only, so a submission (pending review) writes none
    of them. The states are sorted so that the SQL, and the index predicates, are the same in every process.
    """
    return Q(public=True, hidden=False, merged_into=None, state__in=sorted(states))


def _newest(*fields, name: str, states=PUBLIC_STATES, include=(), **condition) -> models.Index:
    """A partial index of public messages: `fields`, then newest first (the lists' order)."""
    return models.Index(
        *fields,
        F("published_at").desc(),
        F("id").desc(),
        name=name,
        condition=public_live(states) & Q(**condition),
        include=include,
    )


# The indexes of a filter carry the state (PostgreSQL only; SQLite ignores it): a state tab within the filter
# is then counted from the index alone. Without it PostgreSQL would rather AND the filter's rows with the
# whole tab's index (36 ms for one leader's 待回复 at 1M messages; 0.7 ms from the index alone).
WITH_STATE = ["state"]


class Message(models.Model):
    """A citizen's message (留言) to a leader, and where it stands in its handling."""

    serial = models.CharField("留言编号", max_length=20, unique=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages", verbose_name="留言人"
    )
    leader = models.ForeignKey(
        "directory.Leader", on_delete=models.PROTECT, related_name="messages", verbose_name="留言对象"
    )
    # None for a message to a central department (部委) that names no place.
    region = models.ForeignKey(
        "directory.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name="所涉地区",
        # Its look-ups are served by the (region, …) indexes of Meta.indexes.
        db_index=False,
    )
    message_type = models.ForeignKey(
        "directory.MessageType", on_delete=models.PROTECT, related_name="messages", verbose_name="类型"
    )
    domain = models.ForeignKey(
        "directory.Domain", on_delete=models.PROTECT, related_name="messages", verbose_name="领域"
    )
    title = models.CharField("标题", max_length=TITLE_MAX, validators=[MinLengthValidator(TITLE_MIN)])
    body = models.TextField("内容", max_length=BODY_MAX, validators=[MinLengthValidator(BODY_MIN)])
    state = models.CharField(
        "状态", max_length=16, choices=MessageState.choices, default=MessageState.PENDING_REVIEW
    )
    hidden = models.BooleanField("已隐藏", default=False)
    public = models.BooleanField("公开", default=True, help_text="留言人可要求不公开，留言仍会办理")
    anonymous = models.BooleanField("匿名显示", default=False)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name="专栏",
    )
    urgent = models.BooleanField("紧急", default=False)
    desk = models.ForeignKey(
        "directory.Unit",
        on_delete=models.PROTECT,
        related_name="desk_messages",
        verbose_name="留言办理工作机构",
    )
    unit = models.ForeignKey(
        "directory.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name="办理单位",
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name="并入",
    )
    support_count = models.PositiveIntegerField("点赞数", default=0)
    # Imported messages only (board/imports.py): the 反对数 of the source board; native messages keep 0.
    oppose_count = models.PositiveIntegerField("反对数", default=0)
    # The 留言编号 of an imported message in its source, so a re-import skips it; blank for native messages.
    source_ref = models.CharField("来源编号", max_length=40, blank=True, default="", editable=False)
    supervised = models.BooleanField("督办", default=False)
    remind_count = models.PositiveSmallIntegerField("催办次数", default=0)
    # The deadline a "due within 24 hours" warning was last sent for, so the periodic task warns once.
    deadline_warned_for = models.DateTimeField(null=True, blank=True, editable=False)
    # After the reply: an unhappy rating leaves the message open for the desk's 回访 (the desk's 回访
    # queue) until a satisfied revisit closes it or the desk reopens it; a 追问 on a replied message waits
    # for the unit's answer until this deadline (the unit's 追问 queue), cleared by the unit's next reply.
    awaiting_revisit = models.BooleanField("待回访", default=False)
    follow_up_deadline = models.DateTimeField("追问答复时限", null=True, blank=True)

    created_at = models.DateTimeField("提交时间", default=timezone.now)
    published_at = models.DateTimeField("刊发时间", null=True, blank=True)
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    replied_at = models.DateTimeField("回复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    accept_deadline = models.DateTimeField("受理时限", null=True, blank=True)
    reply_deadline = models.DateTimeField("回复时限", null=True, blank=True)
    # The masked title and body segmented by jieba, space-separated, for full-text search (board/search.py).
    search_tokens = models.TextField("检索词", blank=True, default="", editable=False)

    # In a role's scope by the region it concerns, for a handler by the unit now holding it, and for the
    # dispatcher of a ministry's desk (which has no region) by that desk.
    scope_lookups = ScopeLookups(region_path="region__path", unit="unit", desk="desk")

    class Meta:
        verbose_name = verbose_name_plural = "留言"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "-published_at"], name="message_state_published"),
            models.Index(fields=["unit", "state"], name="message_unit_state"),
            models.Index(fields=["desk", "state"], name="message_desk_state"),
            models.Index(fields=["author", "-created_at"], name="message_author_created"),
            models.Index(fields=["region", "-published_at"], name="message_region_published"),
            # A desk's or a leader's queues (their scope is a region's subtree): the rows of one state in each
            # region of the subtree, not a bitmap of the whole country's rows in that state per region.
            models.Index(fields=["region", "state"], name="message_region_state"),
            models.Index(fields=["state", "-replied_at"], name="message_state_replied"),
            # The public lists (board.selectors.public_list, the list API): each filter and order has an
            # index that returns a page's rows in order, so a page reads ~20 rows whatever the table's size.
            _newest(name="message_public_newest"),
            _newest(name="message_public_waiting", states=PUBLIC_TAB_STATES["waiting"]),
            _newest(name="message_public_handling", states=PUBLIC_TAB_STATES["handling"]),
            _newest(name="message_public_handled", states=PUBLIC_TAB_STATES["handled"]),
            _newest(F("leader"), name="message_public_leader", include=WITH_STATE),
            _newest(
                F("campaign"), name="message_public_campaign", include=WITH_STATE, campaign__isnull=False
            ),
            _newest(Substr("region", 1, PROVINCE_PREFIX), name="message_public_province", include=WITH_STATE),
            _newest(
                Substr("region", 1, PREFECTURE_PREFIX), name="message_public_prefecture", include=WITH_STATE
            ),
            _newest(F("support_count").desc(), name="message_public_support", include=WITH_STATE),
            # A search narrowed by type or domain (board.selectors.search_public) intersects the newest
            # matches of its window with these instead of every message of the type or domain.
            _newest(F("message_type"), name="message_public_type", include=WITH_STATE),
            _newest(F("domain"), name="message_public_domain", include=WITH_STATE),
            # The home page's latest replies (selectors.latest_replied): newest first, whatever the ties.
            models.Index(
                F("replied_at").desc(),
                F("id").desc(),
                name="message_latest_replied",
                condition=public_live(PUBLIC_TAB_STATES["handled"]),
            ),
            # The messages not replied to, in deadline order, with what the daily brief's count of overdue
            # messages filters on (reports.brief): counted from the index alone, not by a scan of the table.
            models.Index(
                "reply_deadline",
                "id",
                name="message_unreplied_deadline",
                include=["published_at", "public", "hidden", "merged_into", "state", "region"],
                condition=Q(replied_at=None),
            ),
            # The workbench queues (selectors.workbench_queues): each a few rows of one state, in the queue's
            # order, whatever the table's size.
            models.Index(
                "created_at", "id", name="message_to_moderate", condition=Q(state=MessageState.PENDING_REVIEW)
            ),
            models.Index(
                "accept_deadline", "id", name="message_to_accept", condition=Q(state=MessageState.ASSIGNED)
            ),
            models.Index(
                "reply_deadline",
                "id",
                name="message_in_progress",
                condition=Q(state=MessageState.IN_PROGRESS),
            ),
            models.Index(
                "replied_at",
                "id",
                name="message_awaiting_revisit",
                condition=Q(state=MessageState.REPLIED, awaiting_revisit=True),
            ),
            models.Index(
                "follow_up_deadline",
                "id",
                name="message_follow_up_waiting",
                condition=Q(state=MessageState.REPLIED, follow_up_deadline__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_ref"], condition=~Q(source_ref=""), name="message_unique_source_ref"
            )
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.title}"

    @property
    def is_public(self) -> bool:
        """Whether the public may read it: published, not hidden, not kept private by its author."""
        return self.public and not self.hidden and self.state in PUBLIC_STATES


class MessageSearchEntry(models.Model):
    """SQLite only: a row of the FTS5 index over `Message.search_tokens`, kept in sync by triggers."""

    message = models.OneToOneField(
        Message,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_column="rowid",
        related_name="search_entry",
        db_constraint=False,
    )
    search_tokens = models.TextField()
    # FTS5's hidden relevance column (bm25): lower is more relevant; only meaningful within a MATCH query.
    rank = models.FloatField()

    class Meta:
        managed = False
        db_table = "board_message_fts"

    def __str__(self) -> str:
        return str(self.message_id)


class SerialCounter(models.Model):
    """The last sequence number handed out for a day's message serials (LY + date + sequence)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Event(models.Model):
    """An append-only audit row: one transition or staff action on a message."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="events", verbose_name="留言")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
        help_text="为空表示系统",
    )
    kind = models.CharField("事件", max_length=24, choices=EventKind.choices)
    from_state = models.CharField("原状态", max_length=16, choices=MessageState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=16, choices=MessageState.choices, blank=True)
    unit = models.ForeignKey(
        "directory.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="单位",
    )
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "办理记录"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["message", "created_at"], name="event_message_created"),
            # The desk's 被退回 queue asks which published messages were ever returned: returns are rare, so
            # this index is small, and the question never reads the whole history.
            models.Index(fields=["message"], name="event_returned", condition=Q(kind=EventKind.RETURNED)),
            # The daily brief's messages put under supervision that day (reports.brief): a day of a rare kind,
            # not a scan of every event.
            models.Index(
                fields=["created_at"], name="event_supervised", condition=Q(kind=EventKind.SUPERVISED)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.get_kind_display()}"


class Reply(models.Model):
    """A unit's answer; reviewed before it is published. One reply may answer several messages (公开回复)."""

    messages = models.ManyToManyField(Message, related_name="replies", verbose_name="所答留言")
    body = models.TextField("回复内容", max_length=10000)
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.PROTECT, related_name="replies", verbose_name="回复单位"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="撰写人"
    )
    state = models.CharField("状态", max_length=16, choices=ReplyState.choices, default=ReplyState.IN_REVIEW)
    review_note = models.TextField("审核意见", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "回复"
        ordering = ["created_at", "id"]
        # The editors' review queue: the replies in review, oldest first, without reading every reply.
        indexes = [
            models.Index("created_at", "id", name="reply_in_review", condition=Q(state=ReplyState.IN_REVIEW))
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.created_at:%Y-%m-%d}"


SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Rating(models.Model):
    """The author's rating (评价) of one published reply to their message."""

    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, related_name="ratings", verbose_name="留言"
    )
    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="ratings", verbose_name="回复")
    resolution = models.PositiveSmallIntegerField("解决程度", validators=SCORE_VALIDATORS)
    attitude = models.PositiveSmallIntegerField("办理态度", validators=SCORE_VALIDATORS)
    speed = models.PositiveSmallIntegerField("办理速度", validators=SCORE_VALIDATORS)
    comment = models.TextField("评价内容", blank=True, max_length=1000)
    created_at = models.DateTimeField("评价时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "评价"
        constraints = [models.UniqueConstraint(fields=["message", "reply"], name="rating_once_per_reply")]
        # The daily brief's ratings of one day (reports.brief), not a scan of every rating.
        indexes = [models.Index(fields=["created_at"], name="rating_created")]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.resolution}/{self.attitude}/{self.speed}"

    @property
    def average(self) -> float:
        return (self.resolution + self.attitude + self.speed) / 3


class FollowUp(models.Model):
    """The author's follow-up (追问) on their own message."""

    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, related_name="follow_ups", verbose_name="留言"
    )
    body = models.TextField("追问内容", max_length=BODY_MAX)
    new_question = models.BooleanField("提出新问题", default=False)
    reopened = models.BooleanField("重新办理", default=False)
    # Set when the follow-up waits in the unit's 追问 queue (on a replied message): when it must be answered.
    answer_deadline = models.DateTimeField("答复时限", null=True, blank=True)
    created_at = models.DateTimeField("追问时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "追问"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class Revisit(models.Model):
    """A follow-up visit (回访) to the citizen after the reply: how, when, by whom and what they said."""

    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, related_name="revisits", verbose_name="留言"
    )
    method = models.CharField("回访方式", max_length=16, choices=RevisitMethod.choices)
    at = models.DateTimeField("回访时间")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="回访人"
    )
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="回访单位"
    )
    # What the citizen said: staff only, never on a public page or in a public event.
    summary = models.TextField("回访情况", max_length=2000)
    outcome = models.CharField("回访结果", max_length=24, choices=RevisitOutcome.choices)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "回访"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["message", "at"], name="revisit_message_at")]

    def __str__(self) -> str:
        return f"{self.message_id} {self.get_method_display()}回访 {self.get_outcome_display()}"


class ExtensionRequest(models.Model):
    """A unit's request for more time to reply (延期), decided by the dispatch desk."""

    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, related_name="extensions", verbose_name="留言"
    )
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="申请单位"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    days = models.PositiveSmallIntegerField(
        "延期工作日", validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    reason = models.TextField("理由", max_length=1000)
    state = models.CharField(
        "状态", max_length=16, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    decision_note = models.TextField("审批意见", blank=True)
    created_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "延期申请"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message"], condition=Q(state=ExtensionState.PENDING), name="one_pending_extension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.days} 个工作日"


class Instruction(models.Model):
    """A leader's instruction (批示) written on a message."""

    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, related_name="instructions", verbose_name="留言"
    )
    leader = models.ForeignKey(
        "directory.Leader", on_delete=models.PROTECT, related_name="+", verbose_name="领导"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="录入人"
    )
    text = models.TextField("批示内容", max_length=2000)
    created_at = models.DateTimeField("批示时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "批示"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class EditorMark(models.Model):
    """An editor's mark on a message: followed for its handling (跟踪督办) or kept as a lead for reporting
    (报道线索), with a note. Clearing a mark keeps the row (cleared_at); a message carries at most one
    uncleared mark of each kind."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="marks", verbose_name="留言")
    kind = models.CharField("标记", max_length=8, choices=MarkKind.choices)
    note = models.TextField("说明", blank=True, max_length=500)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="标记人"
    )
    created_at = models.DateTimeField("标记时间", default=timezone.now)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="取消人",
    )
    cleared_at = models.DateTimeField("取消时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "编辑标记"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "kind"], condition=Q(cleared_at=None), name="one_open_mark_per_kind"
            )
        ]
        # The editors' 跟踪留言 queue reads the uncleared marks only: few, whatever the number of messages.
        indexes = [models.Index("created_at", "id", name="mark_open", condition=Q(cleared_at=None))]

    def __str__(self) -> str:
        return f"{self.message_id} {self.get_kind_display()}"


class Support(models.Model):
    """A citizen's support (点赞) for a message; once per citizen."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="support_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.message_id}"


def attachment_path(attachment: "Attachment", filename: str) -> str:
    """Files are named by message id, number and a random part, never by the uploaded name. The random
    part gives each write a name no other can have, so a failed write can be removed by that name."""
    name = f"{attachment.message_id}-{attachment.number}-{secrets.token_hex(8)}{attachment.extension}"
    return f"attachments/{timezone.now():%Y/%m}/{name}"


class Attachment(models.Model):
    """A file attached to a message: an image (JPEG/PNG/WebP) or a PDF, checked by its content."""

    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, related_name="attachments", verbose_name="留言"
    )
    # 附件1, 附件2 … in the order of upload: the name it is shown and served under. The uploaded file's
    # name is not kept (it often holds the citizen's name or phone number, and nobody needs it).
    number = models.PositiveSmallIntegerField("序号")
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="attachment_number_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """附件1.jpg: the name pages, the API and downloads give the file."""
        return f"附件{self.number}{self.extension}"

    @property
    def extension(self) -> str:
        return {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}[
            self.content_type
        ]
