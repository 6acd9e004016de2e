"""Reads of messages: the public list with its filters, what a viewer may see of one message, and the
staff queues of the workbench. Overdue and due-soon are derived from deadlines here, never stored."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from liuyan.accounts.choices import Permission
from liuyan.accounts.scope import PUBLIC_MESSAGE, can, restrict, scope_for
from liuyan.board.choices import HANDLING_STATES, PUBLIC_EVENT_KINDS, ExtensionState, MessageState, ReplyState
from liuyan.board.models import Event, ExtensionRequest, Message, Reply
from liuyan.directory.models import Domain, Region

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


def public_messages() -> QuerySet[Message]:
    return Message.objects.filter(PUBLIC_MESSAGE, merged_into=None)


def filter_messages(messages: QuerySet[Message], filters: MessageFilters) -> QuerySet[Message]:
    """Apply list filters; an unknown region or domain yields an empty list, not an error."""
    if filters.region:
        region = Region.objects.filter(pk=filters.region).only("path").first()
        messages = messages.filter(region__path__startswith=region.path) if region else messages.none()
    if filters.leader:
        messages = messages.filter(leader_id=filters.leader)
    if filters.message_type:
        messages = messages.filter(
            Q(message_type__code=filters.message_type) | Q(message_type__name=filters.message_type)
        )
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
        messages = messages.filter(campaign__slug=filters.campaign)
    if filters.q:
        for word in filters.q.split()[:5]:
            messages = messages.filter(Q(title__icontains=word) | Q(body__icontains=word))
    order = (
        ["-support_count", "-published_at", "-id"] if filters.sort == "support" else ["-published_at", "-id"]
    )
    return messages.select_related(*LIST_RELATED).order_by(*order)


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
    """The message's events: all of them for staff in scope, the public kinds for everyone else."""
    events = message.events.select_related("unit").order_by("created_at", "id")
    if not staff:
        events = events.filter(kind__in=PUBLIC_EVENT_KINDS)
    return list(events)


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


def _overdue(now) -> Q:
    return Q(state=MessageState.ASSIGNED, accept_deadline__lt=now) | Q(
        state=MessageState.IN_PROGRESS, reply_deadline__lt=now
    )


def _due_soon(now) -> Q:
    until = now + DUE_SOON
    return Q(state=MessageState.ASSIGNED, accept_deadline__gte=now, accept_deadline__lt=until) | Q(
        state=MessageState.IN_PROGRESS, reply_deadline__gte=now, reply_deadline__lt=until
    )


def workbench_queues(user, now=None) -> dict[str, QuerySet]:
    """The queues this user works from, by name; only those their roles give them."""
    now = now or timezone.now()
    live = Message.objects.filter(merged_into=None).select_related(*LIST_RELATED)
    queues: dict[str, QuerySet] = {}
    if scope_for(user, Permission.MODERATE).everywhere:
        queues["to_moderate"] = live.filter(state=MessageState.PENDING_REVIEW).order_by("created_at", "id")
    if scope_for(user, Permission.REVIEW_REPLY).everywhere:
        queues["replies_to_review"] = (
            Reply.objects.filter(state=ReplyState.IN_REVIEW)
            .select_related("unit", "author")
            .prefetch_related("messages")
            .order_by("created_at", "id")
        )
    if not scope_for(user, Permission.ASSIGN).empty:
        desk = restrict(live, user, Permission.ASSIGN)
        queues["desk_incoming"] = desk.filter(state=MessageState.PUBLISHED).order_by("published_at", "id")
        queues["desk_returned"] = (
            desk.filter(state=MessageState.PUBLISHED, events__kind="returned")
            .distinct()
            .order_by("published_at", "id")
        )
        queues["desk_due_soon"] = desk.filter(_due_soon(now)).order_by("reply_deadline", "id")
        queues["desk_overdue"] = desk.filter(_overdue(now)).order_by("reply_deadline", "id")
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
