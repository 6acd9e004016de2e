"""Reads of messages: the public list with its filters, what a viewer may see of one message, and the
staff queues of the workbench. Overdue and due-soon are derived from deadlines here, never stored."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils import timezone

from liuyan.accounts.choices import Permission
from liuyan.accounts.scope import can, restrict, scope_for
from liuyan.board import lifecycle
from liuyan.board.choices import (
    HANDLING_STATES,
    PUBLIC_EVENT_KINDS,
    CampaignState,
    EventKind,
    ExtensionState,
    MarkKind,
    MessageState,
    ReplyState,
)
from liuyan.board.models import (
    PREFECTURE_PREFIX,
    PROVINCE_PREFIX,
    PUBLIC_TAB_STATES,
    Attachment,
    Campaign,
    EditorMark,
    Event,
    ExtensionRequest,
    FollowUp,
    Instruction,
    Message,
    Rating,
    Reply,
    Revisit,
    Support,
    public_live,
)
from liuyan.board.search import RankedMatches, match_messages, search_messages
from liuyan.board.visibility import visible_messages
from liuyan.directory.choices import UnitKind
from liuyan.directory.models import Domain, MessageType, Region, Unit

DUE_SOON = timedelta(hours=24)
LIST_RELATED = ("leader", "region", "message_type", "domain", "campaign", "author", "unit", "desk")


@dataclass(frozen=True)
class MessageFilters:
    """The filters of a message list; every field optional."""

    region: str | None = None
    leader: int | None = None
    message_type: str | None = None
    domain: int | None = None
    state: str | None = None
    campaign: str | None = None
    q: str | None = None
    sort: str = "newest"
    # Publication days, both included, in the board's time zone.
    published_from: date | None = None
    published_to: date | None = None


def public_messages() -> QuerySet[Message]:
    """What the public lists show (board.models.public_live: the predicate of their partial indexes)."""
    return Message.objects.filter(public_live())


def region_filter(code: str) -> Q | None:
    """Messages of region `code` and the places under it, in a form an index serves with the lists' order;
    None for an unknown region. A place with nothing under it is its own code (the region index); a province
    or a prefecture is its code prefix (the province and prefecture indexes). The tree (paths) is the truth:
    if the places under the region are not exactly those whose codes have its prefix, their codes are listed
    instead (an index scan of each, then a sort: correct, bounded by the subtree, not served in order)."""
    region = Region.objects.filter(pk=code).only("path").first()
    if region is None:
        return None
    depth = region.path.count("/")
    prefix = code[: PROVINCE_PREFIX if depth == 1 else PREFECTURE_PREFIX]
    rows = Region.objects.filter(Q(path__startswith=region.path) | Q(code__startswith=prefix)).values_list(
        "code", "path"
    )
    subtree = sorted(c for c, path in rows if path.startswith(region.path))
    if subtree == [code]:
        return Q(region_id=code)
    same = len(subtree) == len(rows) and all(c.startswith(prefix) for c in subtree)
    if depth > 2 or not same:
        return Q(region_id__in=subtree)
    return Q(Exact(Substr("region", 1, len(prefix)), prefix))


def filter_messages(messages: QuerySet[Message], filters: MessageFilters) -> QuerySet[Message]:
    """Apply list filters and the list's order; an unknown region or domain yields an empty list, not an
    error."""
    if filters.q:
        messages = match_messages(messages, filters.q)
    order = (
        ["-support_count", "-published_at", "-id"] if filters.sort == "support" else ["-published_at", "-id"]
    )
    return narrow_messages(messages, filters).select_related(*LIST_RELATED).order_by(*order)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def narrow_messages(messages: QuerySet[Message], filters: MessageFilters) -> QuerySet[Message]:
    """The messages matching the filters other than the words and the order. Each filter is a condition
    on the message's own columns (no join), so the lists' indexes can serve filter and order."""
    if filters.region:
        condition = region_filter(filters.region)
        messages = messages.filter(condition) if condition is not None else messages.none()
    if filters.leader:
        messages = messages.filter(leader_id=filters.leader)
    if filters.message_type:
        kinds = MessageType.objects.filter(Q(code=filters.message_type) | Q(name=filters.message_type))
        messages = messages.filter(message_type_id__in=list(kinds.values_list("pk", flat=True)))
    if filters.domain:
        domain_ids = [
            filters.domain,
            *Domain.objects.filter(
                Q(parent_id=filters.domain) | Q(parent__parent_id=filters.domain)
            ).values_list("pk", flat=True),
        ]
        messages = messages.filter(domain_id__in=domain_ids)
    if filters.state:
        messages = messages.filter(state=filters.state)
    if filters.campaign:
        # A scalar subquery, not a join: the campaign's id becomes a constant the campaign index orders by.
        campaign = Campaign.objects.filter(slug=filters.campaign).values("pk")[:1]
        messages = messages.filter(campaign_id=Subquery(campaign))
    if filters.published_from:
        messages = messages.filter(published_at__gte=_day_start(filters.published_from))
    if filters.published_to:
        messages = messages.filter(published_at__lt=_day_start(filters.published_to + timedelta(days=1)))
    return messages


def messages_of_author(user) -> QuerySet[Message]:
    return Message.objects.filter(author=user).select_related(*LIST_RELATED).order_by("-created_at", "-id")


def sees_originals(user, message: Message) -> bool:
    """Whether `user` sees the unmasked text and contact details: the author, and staff in scope."""
    if not getattr(user, "is_authenticated", False):
        return False
    return message.author_id == user.id or can(user, Permission.VIEW, message)


def is_staff_viewer(user, message: Message) -> bool:
    return getattr(user, "is_authenticated", False) and can(user, Permission.VIEW, message)


def timeline(message: Message, *, staff: bool) -> list[Event]:
    """The message's events: all of them for staff in scope, the public kinds for everyone else; each with
    who took it (`label_actors`)."""
    events = message.events.select_related("unit", "actor").order_by("created_at", "id")
    if not staff:
        events = events.filter(kind__in=PUBLIC_EVENT_KINDS)
    return label_actors(message, list(events))


# Who takes each kind of step, as a timeline names them: the author, the platform's editors, the desk, or
# the unit the event concerns (Event.unit: the unit that accepted, returned, replied…). Assigning and
# transferring name the unit the message went *to*, so their actor is the desk and the unit that held it.
AUTHOR_EVENT_KINDS = frozenset(
    {EventKind.SUBMITTED, EventKind.WITHDRAWN, EventKind.RATED, EventKind.FOLLOWED_UP}
)
EDITOR_EVENT_KINDS = frozenset(
    {
        EventKind.PUBLISHED,
        EventKind.REJECTED,
        EventKind.HIDDEN,
        EventKind.UNHIDDEN,
        EventKind.REPLY_SENT_BACK,
        EventKind.MARKED,
        EventKind.UNMARKED,
    }
)
DESK_EVENT_KINDS = frozenset(
    {EventKind.ASSIGNED, EventKind.EXTENSION_APPROVED, EventKind.EXTENSION_REFUSED, EventKind.REMINDED}
)
TO_UNIT_EVENT_KINDS = frozenset({EventKind.ASSIGNED, EventKind.TRANSFERRED})
EDITOR_LABEL, AUTHOR_LABEL, SYSTEM_LABEL, LEADER_LABEL = "留言板编辑", "留言人", "系统", "领导"
DESK_LABEL = "留言办理工作机构"


def _side_of(actor, message: Message, desk: str) -> str | None:
    """For a step a desk, a leader or an editor may take: which of them `actor` is, by their rights over
    the message (the desk first: a desk's staff hold no leader's rights)."""
    for permission, label in (
        (Permission.ASSIGN, desk),
        (Permission.INSTRUCT, LEADER_LABEL),
        (Permission.MODERATE, EDITOR_LABEL),
    ):
        if can(actor, permission, message):
            return label
    return None


def label_actors(message: Message, events: list[Event]) -> list[Event]:
    """Name who took each event (`event.by`) as the public may read it — 留言人, 留言板编辑, the desk, the
    unit, 领导 or 系统, never a person — and, for an assignment or transfer, the unit it went to
    (`event.to`, else None). `events` in time order, with their units; returned as given."""
    holding: str | None = None  # the unit holding the message as the events go by
    sides: dict[int, str | None] = {}
    # The desk, by name when the events say it (publishing names the desk it pushes to), read no further.
    desk = next((e.unit.name for e in events if e.kind == EventKind.PUBLISHED and e.unit_id), DESK_LABEL)
    for event in events:
        kind, unit = event.kind, event.unit.name if event.unit_id else None
        if event.actor_id is None:
            by = SYSTEM_LABEL
        elif event.actor_id == message.author_id or kind in AUTHOR_EVENT_KINDS:
            by = AUTHOR_LABEL
        elif kind in EDITOR_EVENT_KINDS:
            by = EDITOR_LABEL
        elif kind == EventKind.TRANSFERRED:
            by = holding or "办理单位"
        elif kind in DESK_EVENT_KINDS:
            by = desk
        elif kind in (EventKind.SUPERVISED, EventKind.INSTRUCTED, EventKind.MERGED, EventKind.REOPENED):
            if event.actor_id not in sides:  # one look at each actor's rights, however many such steps
                sides[event.actor_id] = _side_of(event.actor, message, desk)
            by = sides[event.actor_id] or unit or desk
        else:
            by = unit or desk
        event.by = by
        event.to = unit if kind in TO_UNIT_EVENT_KINDS else None
        if kind in TO_UNIT_EVENT_KINDS:
            holding = unit
        elif kind == EventKind.RETURNED:
            holding = None
    return events


def replies_of(message: Message, *, staff: bool) -> list[Reply]:
    replies = message.replies.select_related("unit").prefetch_related("messages").order_by("created_at", "id")
    if not staff:
        replies = replies.filter(state=ReplyState.PUBLISHED)
    return list(replies)


def running_deadline(message: Message):
    """The deadline the unit is held to now: accepting while assigned, replying afterwards."""
    if message.state == MessageState.ASSIGNED:
        return message.accept_deadline
    if message.state in HANDLING_STATES:
        return message.reply_deadline
    return None


def is_overdue(message: Message, now=None) -> bool:
    deadline = running_deadline(message)
    return deadline is not None and deadline < (now or timezone.now())


def is_due_soon(message: Message, now=None) -> bool:
    deadline, now = running_deadline(message), now or timezone.now()
    return deadline is not None and now <= deadline < now + DUE_SOON


# The states a deadline runs in, said once more beside each OR of (state, deadline) pairs: PostgreSQL then
# reads only those states' rows of each region from the (region, state) index, not every row of the region.
_RUNNING = Q(state__in=[MessageState.ASSIGNED, MessageState.IN_PROGRESS])


def _overdue(now) -> Q:
    return _RUNNING & (
        Q(state=MessageState.ASSIGNED, accept_deadline__lt=now)
        | Q(state=MessageState.IN_PROGRESS, reply_deadline__lt=now)
    )


def overdue_condition(now) -> Q:
    """The messages past the deadline they run against at `now` (what `is_overdue` says of one)."""
    return _overdue(now)


def _due_soon(now) -> Q:
    until = now + DUE_SOON
    return _RUNNING & (
        Q(state=MessageState.ASSIGNED, accept_deadline__gte=now, accept_deadline__lt=until)
        | Q(state=MessageState.IN_PROGRESS, reply_deadline__gte=now, reply_deadline__lt=until)
    )


def workbench_queues(user, now=None) -> dict[str, QuerySet]:
    """The queues this user works from, by name; only those their roles give them."""
    now = now or timezone.now()
    live = Message.objects.filter(merged_into=None).select_related(*LIST_RELATED)
    queues: dict[str, QuerySet] = {}
    if scope_for(user, Permission.MODERATE).everywhere:
        queues["to_moderate"] = live.filter(state=MessageState.PENDING_REVIEW).order_by("created_at", "id")
        queues["tracked"] = tracked_messages()
    if scope_for(user, Permission.REVIEW_REPLY).everywhere:
        queues["replies_to_review"] = (
            Reply.objects.filter(state=ReplyState.IN_REVIEW)
            .select_related("unit", "author")
            .prefetch_related("messages")
            .order_by("created_at", "id")
        )
    if not scope_for(user, Permission.ASSIGN).empty:
        desk = restrict(live, user, Permission.ASSIGN)
        # A returned message waits in 被退回 only: the two queues share no row, nor do their badges.
        returned = Exists(Event.objects.filter(message=OuterRef("pk"), kind=EventKind.RETURNED))
        queues["desk_incoming"] = desk.filter(~returned, state=MessageState.PUBLISHED).order_by(
            "published_at", "id"
        )
        queues["desk_returned"] = desk.filter(returned, state=MessageState.PUBLISHED).order_by(
            "published_at", "id"
        )
        queues["desk_due_soon"] = desk.filter(_due_soon(now)).order_by("reply_deadline", "id")
        queues["desk_overdue"] = desk.filter(_overdue(now)).order_by("reply_deadline", "id")
        # After the reply: unhappy ratings awaiting a 回访, and follow-ups the units have yet to answer.
        queues["desk_revisit"] = desk.filter(state=MessageState.REPLIED, awaiting_revisit=True).order_by(
            "replied_at", "id"
        )
        queues["desk_follow_ups"] = desk.filter(
            state=MessageState.REPLIED, follow_up_deadline__isnull=False
        ).order_by("follow_up_deadline", "id")
    if not scope_for(user, Permission.DECIDE_EXTENSION).empty:
        queues["extensions_pending"] = (
            ExtensionRequest.objects.filter(
                state=ExtensionState.PENDING,
                message__in=restrict(Message.objects.all(), user, Permission.DECIDE_EXTENSION),
            )
            .select_related("message", "unit")
            .order_by("created_at", "id")
        )
    handle = scope_for(user, Permission.HANDLE)
    if handle.unit_ids:
        unit = live.filter(unit_id__in=handle.unit_ids)
        queues["unit_to_accept"] = unit.filter(state=MessageState.ASSIGNED).order_by("accept_deadline", "id")
        queues["unit_in_progress"] = unit.filter(state=MessageState.IN_PROGRESS).order_by(
            "reply_deadline", "id"
        )
        queues["unit_due_soon"] = unit.filter(_due_soon(now)).order_by("reply_deadline", "id")
        queues["unit_overdue"] = unit.filter(_overdue(now)).order_by("reply_deadline", "id")
        queues["unit_sent_back"] = (
            unit.filter(state=MessageState.IN_PROGRESS, replies__state=ReplyState.SENT_BACK)
            .distinct()
            .order_by("id")
        )
        queues["unit_follow_ups"] = unit.filter(
            state=MessageState.REPLIED, follow_up_deadline__isnull=False
        ).order_by("follow_up_deadline", "id")
        queues["unit_replied"] = unit.filter(
            state__in=[MessageState.REPLY_REVIEW, MessageState.REPLIED, MessageState.CLOSED]
        ).order_by("-replied_at", "-id")
    if not scope_for(user, Permission.INSTRUCT).empty:
        region = restrict(live, user, Permission.INSTRUCT)
        queues["supervised"] = region.filter(supervised=True, state__in=HANDLING_STATES).order_by(
            "reply_deadline"
        )
        queues["overdue"] = region.filter(_overdue(now)).order_by("reply_deadline", "id")
    return queues


# ---- The staff workbench's message page and unit picker ----

# A unit picker lists at most this many units; a text filter narrows the rest.
UNIT_CHOICES_LIMIT = 100
JOINT_REPLY_LIMIT = 50


def is_editor(user) -> bool:
    return scope_for(user, Permission.MODERATE).everywhere


def workbench_message(user, message_id: int) -> Message | None:
    """The message with what its handling page shows, if `user` sees it as staff; None otherwise."""
    message = (
        Message.objects.select_related(*LIST_RELATED, "merged_into", "desk__region", "unit__region")
        .filter(pk=message_id)
        .first()
    )
    if message is None or not (can(user, Permission.VIEW, message) or is_editor(user)):
        return None
    return message


@dataclass(frozen=True)
class HandlingRecord:
    """Everything that happened to a message, as staff see it (internal events and notes included)."""

    events: list[Event]
    replies: list[Reply]
    extensions: list[ExtensionRequest]
    instructions: list[Instruction]
    ratings: list[Rating]
    follow_ups: list[FollowUp]
    attachments: list[Attachment]
    revisits: list[Revisit] = field(default_factory=list)
    marks: list[EditorMark] = field(default_factory=list)  # editors' marks, cleared ones included

    @property
    def open_marks(self) -> list[EditorMark]:
        return [m for m in self.marks if m.cleared_at is None]

    @property
    def pending_extension(self) -> ExtensionRequest | None:
        return next((e for e in self.extensions if e.state == ExtensionState.PENDING), None)

    @property
    def reply_in_review(self) -> Reply | None:
        return next((r for r in reversed(self.replies) if r.state == ReplyState.IN_REVIEW), None)


def handling_record(message: Message) -> HandlingRecord:
    answered = Prefetch("messages", queryset=Message.objects.only("id", "serial", "title", "state"))
    return HandlingRecord(
        events=label_actors(
            message, list(message.events.select_related("unit", "actor").order_by("created_at", "id"))
        ),
        replies=list(
            message.replies.select_related("unit", "author", "reviewed_by")
            .prefetch_related(answered)
            .order_by("created_at", "id")
        ),
        extensions=list(
            message.extensions.select_related("unit", "requested_by", "decided_by").order_by(
                "created_at", "id"
            )
        ),
        instructions=list(
            message.instructions.select_related("leader", "author").order_by("created_at", "id")
        ),
        ratings=list(message.ratings.order_by("created_at", "id")),
        follow_ups=list(message.follow_ups.order_by("created_at", "id")),
        attachments=list(message.attachments.order_by("id")),
        revisits=list(message.revisits.select_related("by", "unit").order_by("at", "id"))
        if message.replied_at
        else [],
        marks=list(message.marks.select_related("marked_by", "cleared_by").order_by("created_at", "id")),
    )


def _live(message: Message, record: HandlingRecord) -> bool:
    return message.merged_into_id is None


# The steps of the lifecycle table (board/lifecycle.py) the handling page offers a form for, with what the
# page needs besides the table's states and permissions before offering it. Merging is offered beside
# each similar message instead.
_OFFERED_WHEN: dict[str, Callable[[Message, HandlingRecord], bool]] = {
    "publish": lambda message, record: True,
    "reject": lambda message, record: True,
    "hide": lambda message, record: not message.hidden,
    "unhide": lambda message, record: message.hidden,
    "approve-reply": lambda message, record: record.reply_in_review is not None,
    "send-back-reply": lambda message, record: record.reply_in_review is not None,
    "assign": _live,
    "decide-extension": lambda message, record: record.pending_extension is not None,
    "remind": lambda message, record: True,
    "supervise": lambda message, record: not message.supervised,
    "accept": _live,
    "transfer": _live,
    "return": _live,
    # On a replied message: the answer to a follow-up waiting in the unit's 追问 queue.
    "reply": lambda message, record: (
        _live(message, record)
        and (message.state != MessageState.REPLIED or message.follow_up_deadline is not None)
    ),
    "revisit": lambda message, record: True,
    "reopen": lambda message, record: message.unit_id is not None,
    "request-extension": lambda message, record: _live(message, record) and record.pending_extension is None,
    "instruct": lambda message, record: True,
    "mark": lambda message, record: len(record.open_marks) < len(MarkKind.values),
    "unmark": lambda message, record: bool(record.open_marks),
    "reclassify": _live,
}


def workbench_actions(user, message: Message, record: HandlingRecord) -> frozenset[str]:
    """The workbench actions (lifecycle slugs) `user` may take on `message` in its current state. The
    actions check again; this only decides which forms a page offers."""
    granted: dict[str, bool] = {}

    def may(step: lifecycle.Step) -> bool:
        for permission in sorted(step.permissions):
            if permission not in granted:
                granted[permission] = can(user, permission, message)
            if granted[permission]:
                return True
        return False

    return frozenset(
        step.slug
        for step in lifecycle.routed()
        if step.slug in _OFFERED_WHEN
        and message.state in step.allowed_from
        and _OFFERED_WHEN[step.slug](message, record)
        and may(step)
    )


def assign_candidates(user) -> QuerySet[Unit]:
    """The units a desk may assign to: active handling units in its scope, and the central departments."""
    units = restrict(Unit.objects.filter(active=True), user, Permission.ASSIGN)
    return units.exclude(kind=UnitKind.DISPATCH_DESK)


def transfer_candidates(user, message: Message) -> QuerySet[Unit]:
    """The units `user` may transfer `message` to (the rule is `dispatch.transfer_message`'s): active
    handling units but the one holding it, within the holding unit's place (its region's subtree; the
    central departments for a central department), or wherever `user` could assign it as a desk."""
    units = Unit.objects.filter(active=True).exclude(kind=UnitKind.DISPATCH_DESK).exclude(pk=message.unit_id)
    holding = message.unit
    if holding is None:
        place = Q(pk__in=[])
    elif holding.region_id is None:
        place = Q(kind=UnitKind.CENTRAL)
    else:
        place = Q(region__path__startswith=holding.region.path)
    return units.filter(place) | restrict(units, user, Permission.ASSIGN)


def unit_choices(
    candidates: QuerySet[Unit],
    *,
    near: Region | None,
    query: str = "",
    limit: int = UNIT_CHOICES_LIMIT,
    first: int | None = None,
) -> tuple[list[Unit], bool]:
    """Up to `limit` candidate units matching every word of `query` (in the unit's name, code or region),
    and whether more matched. Unit `first` comes first (a ministry's desk: its own department), then those
    of region `near`, then of its ancestors, then of the regions beside it (under its parent), then the
    rest in region order, the central departments last."""
    units = candidates.select_related("region")
    for word in query.split()[:5]:
        units = units.filter(
            Q(name__icontains=word) | Q(code__icontains=word) | Q(region__name__icontains=word)
        )
    nearest = [When(region__isnull=True, then=Value(4))]
    if near is not None:
        ancestors = [code for code in near.path.split("/") if code]
        nearest = [
            When(region_id=near.pk, then=Value(0)),
            When(region_id__in=ancestors, then=Value(1)),
            *nearest,
        ]
        if len(ancestors) > 1:
            parent_path = "".join(f"{code}/" for code in ancestors[:-1])
            nearest.insert(2, When(region__path__startswith=parent_path, then=Value(2)))
    if first is not None:
        nearest.insert(0, When(pk=first, then=Value(-1)))
    units = units.annotate(nearness=Case(*nearest, default=Value(3), output_field=IntegerField())).order_by(
        "nearness", "region__path", "kind", "id"
    )
    rows = list(units[: limit + 1])
    return rows[:limit], len(rows) > limit


def joint_reply_candidates(message: Message, limit: int = JOINT_REPLY_LIMIT) -> tuple[list[Message], bool]:
    """Other messages the same unit has in progress, which one reply may answer together with this one."""
    if message.unit_id is None:
        return [], False
    rows = list(
        Message.objects.filter(unit_id=message.unit_id, state=MessageState.IN_PROGRESS, merged_into=None)
        .exclude(pk=message.pk)
        .only("id", "serial", "title", "reply_deadline")
        .order_by("reply_deadline", "id")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def _open_mark(kind: str, column: str) -> Subquery:
    return Subquery(
        EditorMark.objects.filter(message=OuterRef("pk"), kind=kind, cleared_at=None).values(column)[:1]
    )


def tracked_messages() -> QuerySet[Message]:
    """The editors' 跟踪留言: messages with an open 跟踪督办 or 报道线索 mark, most recently marked first,
    each with its open marks' notes (`track_note`, `lead_note`: None when not so marked) and when it was
    last marked (`marked_at`). Marks are few: the messages are read by id from the open marks (the
    `mark_open` index), never by scanning the messages."""
    latest = EditorMark.objects.filter(message=OuterRef("pk"), cleared_at=None).order_by("-created_at")
    return (
        Message.objects.filter(pk__in=EditorMark.objects.filter(cleared_at=None).values("message_id"))
        .select_related(*LIST_RELATED)
        .annotate(
            track_note=_open_mark(MarkKind.TRACK, "note"),
            lead_note=_open_mark(MarkKind.LEAD, "note"),
            marked_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("-marked_at", "-id")
    )


def editor_campaigns() -> QuerySet[Campaign]:
    """Every campaign for the editors' list, newest window first, with its message count."""
    return (
        Campaign.objects.select_related("created_by")
        .prefetch_related("regions", "allowed_types")
        .annotate(message_count=Count("messages"))
        .order_by("-opens_at", "-id")
    )


# ---- The public pages: state tabs, latest replies, campaigns, what a message's reader may still do ----

# The state tabs of the public lists, as on the real board (全部 is no tab: every public state).
PUBLIC_TABS: dict[str, tuple[str, frozenset[str]]] = {
    tab: (label, frozenset(PUBLIC_TAB_STATES[tab]))
    for tab, label in (("waiting", "待回复"), ("handling", "办理中"), ("handled", "已办理"))
}
REPLIED_STATES = frozenset({MessageState.REPLIED, MessageState.CLOSED})


# What a public list's row shows beside the message: read by id for the page's ~20 rows, not joined. A join of
# nine tables costs PostgreSQL more to plan than the page costs to read (47 ms against 2 ms at 1M messages),
# and with an offset it joins every skipped row too.
ROW_RELATED = ("leader", "region", "message_type", "domain")


def for_page(messages: QuerySet[Message], related=ROW_RELATED) -> QuerySet[Message]:
    """`messages` read for one page of a list: the message table alone, the `related` rows by id after."""
    return messages.select_related(None).prefetch_related(*related).defer("search_tokens")


def public_list(filters: MessageFilters, tab: str | None = None) -> QuerySet[Message]:
    """The public messages matching `filters`, within one state tab (all public states when None)."""
    messages = filter_messages(public_messages(), filters)
    if tab in PUBLIC_TABS:
        messages = messages.filter(state__in=sorted(PUBLIC_TABS[tab][1]))
    return messages.defer("search_tokens")


def latest_replied(limit: int = 10) -> list[Message]:
    """The public messages answered most recently: the `message_latest_replied` index returns them in this
    order and the scan stops after `limit` rows, whatever the table's size and the ties in `replied_at`."""
    return list(
        public_messages()
        .filter(state__in=sorted(REPLIED_STATES), replied_at__isnull=False)
        .select_related("leader", "region", "message_type", "domain")
        .defer("search_tokens")
        .order_by("-replied_at", "-id")[:limit]
    )


# What a message's page shows of every message; the rest (campaign, merged-into, the desk and unit and the
# extensions staff see) is read by id when the message has it and the reader sees it.
PAGE_RELATED = ("leader", "region", "message_type", "domain", "author")


def visible_message(user, message_id: int) -> Message | None:
    """The message if `user` may read it (public, their own, or in their scope); None otherwise.

    Joined with what every page shows only: PostgreSQL spends longer planning a nine-table join than
    running it (8–11 ms against under 1 ms at a million messages)."""
    return visible_messages(user).select_related(*PAGE_RELATED).filter(pk=message_id).first()


def public_campaigns() -> QuerySet[Campaign]:
    """Campaigns the public may see (open or closed, never drafts), open ones first, newest first."""
    return Campaign.objects.exclude(state=CampaignState.DRAFT).order_by(
        Case(When(state=CampaignState.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "-opens_at",
        "-id",
    )


def open_campaigns(now=None) -> QuerySet[Campaign]:
    """Campaigns taking messages now."""
    now = now or timezone.now()
    return Campaign.objects.filter(state=CampaignState.OPEN, opens_at__lte=now, closes_at__gt=now).order_by(
        "closes_at", "id"
    )


def rating_due(message: Message) -> bool:
    """Whether the latest published reply to a replied message still awaits its author's rating."""
    if message.state != MessageState.REPLIED:
        return False
    reply = message.replies.filter(state=ReplyState.PUBLISHED).order_by("-reviewed_at", "-id").first()
    return reply is not None and not Rating.objects.filter(message=message, reply=reply).exists()


def has_supported(user, message: Message) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Support.objects.filter(message=message, user=user).exists()


def visible_message_id(user, serial: str) -> int | None:
    """The id of the message with this serial number, if `user` may read it."""
    return visible_messages(user).filter(serial=serial).values_list("pk", flat=True).first()


def search_public(
    q: str, filters: MessageFilters | None = None, tab: str | None = None
) -> RankedMatches | QuerySet[Message]:
    """The public messages best matching the words of `q`, most relevant first (board/search.py), among
    those of `filters` (their words and order aside) and of the state `tab`. The filters narrow the
    candidates a search ranks, so a filtered search stays as bounded as one over every message."""
    filters = filters or MessageFilters()
    # What the indexes order by publication (place, state, days); type and domain narrow within it.
    base = narrow_messages(public_messages(), replace(filters, message_type=None, domain=None))
    if tab in PUBLIC_TABS:
        base = base.filter(state__in=sorted(PUBLIC_TABS[tab][1]))
    messages = narrow_messages(base, MessageFilters(message_type=filters.message_type, domain=filters.domain))
    messages = messages.select_related("leader", "region", "message_type", "domain")
    return search_messages(messages.defer("search_tokens"), q, base=base)
