"""Search, filters, sort and pages of the staff queues (selectors.workbench_queues), the same for the
workbench's tables and the queue API.

`parse_filters` reads what a reader typed in a queue's URL: each bad value is named with the reason, in
Chinese, and left out, so the rest of the filter still applies. `filter_queue` applies the filters and the
sort to a queue's rows. Every filter is a condition on the message's own columns; a queue of replies or of
extension requests is filtered by the messages it concerns."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Case, F, Q, QuerySet, When

from liuyan import inputs
from liuyan.accounts.choices import Permission
from liuyan.accounts.scope import scope_for
from liuyan.board.choices import HANDLING_STATES, EventKind, MessageState
from liuyan.board.models import Campaign, Event, ExtensionRequest, Message, Reply
from liuyan.board.selectors import LIST_RELATED, for_page, overdue_condition, region_filter
from liuyan.directory import lookups
from liuyan.directory.models import Region

PER_PAGE = 20
# The desk's queues, whose rows show the best routing suggestion (what 「交办给建议单位」 assigns to).
SUGGESTING = frozenset({"desk_incoming", "desk_returned"})
# What a queue's table shows of each message besides its own columns.
ROW_RELATED = ("region", "message_type", "domain")
SORT_LABELS = {"newest": "最新在前", "oldest": "最早在前", "deadline": "时限最近在前"}
# A full serial (LY + day + sequence) is looked up exactly; anything else is searched in titles and serials.
SERIAL = re.compile(r"LY[0-9]{14}")
Q_MAX_LENGTH = 60
# Pages a queue may be asked for: past the count cap a page is empty anyway; the bound keeps the offset a
# number the database takes.
MAX_PAGE = 100_000
TRUE, FALSE = {"1", "true", "on", "yes"}, {"", "0", "false", "off", "no"}


@dataclass(frozen=True)
class QueueSpec:
    """How a queue's table reads: the states its rows may be in, the time it shows and sorts by (its
    column label), the sorts it offers and the one it starts with ("" keeps the queue's own order)."""

    states: tuple[str, ...] = ()
    received: str = "created_at"
    received_label: str = "提交时间"
    sorts: tuple[str, ...] = ("newest", "oldest", "deadline")
    default_sort: str = ""
    # The permission whose scope the queue's rows come from: the places a reader may filter by.
    permission: Permission = Permission.VIEW


_ON_DEADLINE = (MessageState.ASSIGNED, MessageState.IN_PROGRESS)
_DESK = QueueSpec(
    (MessageState.PUBLISHED,),
    received="published_at",
    received_label="刊发时间",
    sorts=("oldest", "newest"),
    default_sort="oldest",
    permission=Permission.ASSIGN,
)
QUEUES: dict[str, QueueSpec] = {
    "to_moderate": QueueSpec(
        (MessageState.PENDING_REVIEW,),
        sorts=("oldest", "newest"),
        default_sort="oldest",
        permission=Permission.MODERATE,
    ),
    "replies_to_review": QueueSpec(
        received_label="回复提交时间",
        sorts=("oldest", "newest"),
        default_sort="oldest",
        permission=Permission.REVIEW_REPLY,
    ),
    "desk_incoming": _DESK,
    "desk_returned": _DESK,
    "extensions_pending": QueueSpec(
        received_label="申请时间", default_sort="oldest", permission=Permission.DECIDE_EXTENSION
    ),
    "desk_due_soon": QueueSpec(_ON_DEADLINE, default_sort="deadline", permission=Permission.ASSIGN),
    "desk_overdue": QueueSpec(_ON_DEADLINE, default_sort="deadline", permission=Permission.ASSIGN),
    "unit_to_accept": QueueSpec(
        (MessageState.ASSIGNED,), default_sort="deadline", permission=Permission.HANDLE
    ),
    "unit_in_progress": QueueSpec(
        (MessageState.IN_PROGRESS,), default_sort="deadline", permission=Permission.HANDLE
    ),
    "unit_due_soon": QueueSpec(_ON_DEADLINE, default_sort="deadline", permission=Permission.HANDLE),
    "unit_overdue": QueueSpec(_ON_DEADLINE, default_sort="deadline", permission=Permission.HANDLE),
    "unit_sent_back": QueueSpec(
        (MessageState.IN_PROGRESS,), default_sort="oldest", permission=Permission.HANDLE
    ),
    "unit_replied": QueueSpec(
        (MessageState.REPLY_REVIEW, MessageState.REPLIED, MessageState.CLOSED),
        received="replied_at",
        received_label="回复时间",
        sorts=("newest", "oldest"),
        default_sort="newest",
        permission=Permission.HANDLE,
    ),
    # After the reply: unhappy ratings awaiting a 回访 (by the reply's time), follow-ups awaiting the unit's
    # answer (by the answer's deadline, shown as the row's time).
    "desk_revisit": QueueSpec(
        (MessageState.REPLIED,),
        received="replied_at",
        received_label="回复时间",
        sorts=("oldest", "newest"),
        default_sort="oldest",
        permission=Permission.ASSIGN,
    ),
    "desk_follow_ups": QueueSpec(
        (MessageState.REPLIED,),
        received="follow_up_deadline",
        received_label="追问答复时限",
        sorts=("oldest", "newest"),
        default_sort="oldest",
        permission=Permission.ASSIGN,
    ),
    "unit_follow_ups": QueueSpec(
        (MessageState.REPLIED,),
        received="follow_up_deadline",
        received_label="追问答复时限",
        sorts=("oldest", "newest"),
        default_sort="oldest",
        permission=Permission.HANDLE,
    ),
    "supervised": QueueSpec(
        tuple(s for s in MessageState.values if s in HANDLING_STATES),
        default_sort="deadline",
        permission=Permission.INSTRUCT,
    ),
    "overdue": QueueSpec(_ON_DEADLINE, default_sort="deadline", permission=Permission.INSTRUCT),
}


def spec_for(queue: str) -> QueueSpec:
    """The queue's table; a queue not described here keeps its own order until a reader picks one."""
    return QUEUES.get(queue, QueueSpec())


@dataclass(frozen=True)
class QueueFilters:
    """What a queue's table is narrowed by, as checked by `parse_filters`: the values as the URL spells them
    (to keep them in links and forms) and what they name (domain_ids, type_id, campaign_id)."""

    q: str = ""
    region: str = ""
    domain: str = ""
    type: str = ""
    campaign: str = ""
    urgent: bool = False
    overdue: bool = False
    supervised: bool = False
    state: str = ""
    sort: str = ""
    page: int = 1
    domain_ids: tuple[int, ...] = ()
    type_id: int | None = None
    campaign_id: int | None = None

    @property
    def narrowing(self) -> bool:
        """Whether any filter (not the sort or the page) is set."""
        return bool(
            self.q
            or self.region
            or self.domain
            or self.type
            or self.campaign
            or self.urgent
            or self.overdue
            or self.supervised
            or self.state
        )

    def query(self, **changes) -> dict[str, str]:
        """The filters as URL parameters (the set ones only), with `changes` applied."""
        values = {
            "q": self.q,
            "region": self.region,
            "domain": self.domain,
            "type": self.type,
            "campaign": self.campaign,
            "urgent": "1" if self.urgent else "",
            "overdue": "1" if self.overdue else "",
            "supervised": "1" if self.supervised else "",
            "state": self.state,
            "sort": self.sort,
            "page": str(self.page) if self.page != 1 else "",
        }
        values.update({name: str(value) for name, value in changes.items()})
        return {name: value for name, value in values.items() if value}


# The URL's parameters, with the label a refusal names.
FIELD_LABELS = {
    "q": "搜索",
    "region": "地区",
    "domain": "领域",
    "type": "类型",
    "campaign": "专栏",
    "urgent": "紧急",
    "overdue": "超期",
    "supervised": "督办",
    "state": "状态",
    "sort": "排序",
    "page": "页码",
}


def parse_filters(data: Mapping[str, str], queue: str) -> tuple[QueueFilters, dict[str, str]]:
    """The filters of `queue` in `data` (a request's GET), and the refused values: parameter → why, in
    Chinese. A refused value is left out; a reference (region, domain, type, campaign) is looked up once."""
    spec = spec_for(queue)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for name in FIELD_LABELS:
        value = str(data.get(name) or "").strip()
        if (character := inputs.forbidden_character(value)) is not None:
            errors[name] = inputs.refusal(character)
        elif value:
            values[name] = value
    found: dict = {}

    if (q := values.get("q", "")) and len(q) > Q_MAX_LENGTH:
        errors["q"] = f"搜索词不能超过 {Q_MAX_LENGTH} 个字。"
    elif q:
        found["q"] = q

    if region := values.get("region"):
        if not inputs.REGION_CODE.fullmatch(region):
            errors["region"] = "应为 6 位（乡镇 9 位）行政区划代码（半角数字），或从列表中选择地区。"
        elif not Region.objects.filter(pk=region).exists():
            errors["region"] = f"没有代码为 {region} 的地区。"
        else:
            found["region"] = region

    if domain := values.get("domain"):
        chosen = lookups.active_domain(domain)
        if chosen is None:
            errors["domain"] = "没有这个领域。"
        else:
            found["domain"] = domain
            found["domain_ids"] = domain_subtree(chosen.pk)

    if kind := values.get("type"):
        message_type = lookups.active_message_type(kind)
        if message_type is None:
            errors["type"] = "没有这个留言类型。"
        else:
            found.update(type=kind, type_id=message_type.pk)

    if slug := values.get("campaign"):
        campaign_id = Campaign.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if campaign_id is None:
            errors["campaign"] = "没有这个专栏。"
        else:
            found.update(campaign=slug, campaign_id=campaign_id)

    for flag in ("urgent", "overdue", "supervised"):
        value = values.get(flag, "").lower()
        if value in TRUE:
            found[flag] = True
        elif value not in FALSE:
            errors[flag] = "应为 1（是）或 0（否）。"

    if state := values.get("state"):
        if state in spec.states and len(spec.states) > 1:
            found["state"] = state
        else:
            errors["state"] = "这个队列里没有这种状态的事项。"

    sort = values.get("sort", "")
    if sort and sort not in spec.sorts:
        errors["sort"] = "排序方式应为" + "、".join(f"{s}（{SORT_LABELS[s]}）" for s in spec.sorts) + "之一。"
        sort = ""
    found["sort"] = sort or spec.default_sort

    if page := values.get("page"):
        number = inputs.parse_id(page)
        if number is None or number > MAX_PAGE:
            errors["page"] = f"页码应为 1 至 {MAX_PAGE} 之间的整数（半角数字）。"
        else:
            found["page"] = number
    for name in errors:
        errors[name] = f"{FIELD_LABELS[name]}：{errors[name]}"
    return QueueFilters(**found), errors


def domain_subtree(domain_id: int) -> tuple[int, ...]:
    """The domain and those under it (two levels), from the directory's per-process copy."""
    domains = lookups.active_domains()
    children = {d.pk for d in domains if d.parent_id == domain_id}
    grandchildren = {d.pk for d in domains if d.parent_id in children}
    return (domain_id, *sorted(children | grandchildren))


def message_condition(filters: QueueFilters, now) -> Q:
    """The filters as one condition on a message's own columns."""
    condition = Q()
    if filters.q:
        text = filters.q.upper()
        condition &= (
            Q(serial=text)
            if SERIAL.fullmatch(text)
            else Q(title__icontains=filters.q) | Q(serial__icontains=filters.q)
        )
    if filters.region:
        region = region_filter(filters.region)
        condition &= region if region is not None else Q(pk__in=[])
    if filters.domain_ids:
        condition &= Q(domain_id__in=filters.domain_ids)
    if filters.type_id is not None:
        condition &= Q(message_type_id=filters.type_id)
    if filters.campaign_id is not None:
        condition &= Q(campaign_id=filters.campaign_id)
    if filters.urgent:
        condition &= Q(urgent=True)
    if filters.supervised:
        condition &= Q(supervised=True)
    if filters.overdue:
        condition &= overdue_condition(now)
    if filters.state:
        condition &= Q(state=filters.state)
    return condition


def _deadline_order(states: tuple[str, ...]):
    """The deadline a queue's messages run against (selectors.running_deadline), as an expression: one
    column where the queue's states agree on it, so an index on that column serves the order."""
    if states == (MessageState.ASSIGNED,):
        return F("accept_deadline")
    if states and MessageState.ASSIGNED not in states:
        return F("reply_deadline")
    return Case(When(state=MessageState.ASSIGNED, then=F("accept_deadline")), default=F("reply_deadline"))


def filter_queue(rows: QuerySet, queue: str, filters: QueueFilters, now) -> QuerySet:
    """The rows of `queue` matching `filters`, in the order of the filters' sort."""
    spec = spec_for(queue)
    model = rows.model
    if model is Message:
        # The message table alone, what the rows show read by id after (selectors.for_page): joined,
        # PostgreSQL joins every row of the queue to each related table before it sorts them.
        rows = for_page(rows, related=ROW_RELATED if queue in QUEUES else LIST_RELATED)
        if queue in QUEUES and queue != "to_moderate":
            rows = rows.defer("body")  # only the moderation queue shows an excerpt: a narrower sort
    if filters.narrowing:
        condition = message_condition(filters, now)
        if model is Message:
            rows = rows.filter(condition)
        else:
            matching = Message.objects.filter(condition).values("pk")
            if model is Reply:
                answered = Reply.messages.through.objects.filter(message_id__in=matching)
                rows = rows.filter(pk__in=answered.values("reply_id"))
            else:  # extension requests, and any other row about one message
                rows = rows.filter(message_id__in=matching)
    if not filters.sort:
        return rows
    newest = filters.sort == "newest"
    if model is Message:
        if filters.sort == "deadline":
            return rows.order_by(_deadline_order(spec.states).asc(nulls_last=True), "id")
        received = spec.received
    elif model is ExtensionRequest and filters.sort == "deadline":
        return rows.order_by(F("message__reply_deadline").asc(nulls_last=True), "id")
    else:
        received = "created_at"
    return rows.order_by(f"-{received}", "-id") if newest else rows.order_by(received, "id")


@dataclass(frozen=True)
class Return:
    """Why and by whom a message was last sent back to its desk (退回)."""

    reason: str
    unit: str
    by: str
    at: object


def latest_returns(message_ids: list[int]) -> dict[int, Return]:
    """The latest return of each of the messages that were returned (one query, the returns' index)."""
    events = (
        Event.objects.filter(message_id__in=message_ids, kind=EventKind.RETURNED)
        .select_related("unit", "actor")
        .order_by("message_id", "-created_at", "-id")
    )
    returns: dict[int, Return] = {}
    for event in events:
        if event.message_id not in returns:
            returns[event.message_id] = Return(
                reason=event.note,
                unit=event.unit.name if event.unit else "",
                by=event.actor.display_name if event.actor else "系统",
                at=event.created_at,
            )
    return returns


def places_for(user, queue: str) -> list[Region]:
    """The places a reader may narrow `queue` to in one choice: the regions of their scope and the places one
    level below them (the provinces for a platform-wide scope)."""
    scope = scope_for(user, spec_for(queue).permission)
    if scope.everywhere:
        return list(Region.objects.filter(parent=None).order_by("code"))
    paths = set(scope.region_paths)
    if scope.unit_ids:
        paths |= set(Region.objects.filter(units__in=sorted(scope.unit_ids)).values_list("path", flat=True))
    if not paths:
        return []
    # A region's code is the last part of its path: its children are found by their parent's code through
    # an index, not by joining every region to its parent.
    codes = sorted(path.rstrip("/").rsplit("/", 1)[-1] for path in paths)
    return list(Region.objects.filter(Q(path__in=sorted(paths)) | Q(parent__in=codes)).order_by("path"))
