"""Oversight of handling: reminders (催办), supervision (督办), leaders' instructions (批示), and the
periodic checks the system runs: deadline warnings, supervision of overdue messages, closing unrated ones."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from liuyan.accounts.choices import Permission, Role
from liuyan.accounts.models import User
from liuyan.board import lifecycle
from liuyan.board.actions.base import (
    Conflict,
    Forbidden,
    clean_text,
    load_message,
    record_event,
    require_state,
    transition,
)
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Instruction, Message, Rating
from liuyan.directory.calendar import working_days_between
from liuyan.directory.models import Leader


@transaction.atomic
def remind_message(dispatcher: User, message_id: int, note: str | None = "") -> Message:
    """催办: nudge the unit holding the message."""
    message = load_message(message_id, dispatcher, Permission.REMIND)
    require_state(message, lifecycle.REMIND)
    note = (note or "").strip()[:500]
    message.remind_count += 1
    message.save(update_fields=["remind_count"])
    record_event(message, EventKind.REMINDED, dispatcher, unit=message.unit, note=note)
    return message


@transaction.atomic
def supervise_message(user: User, message_id: int, note: str | None = "") -> Message:
    """督办: a desk or a leader puts the message under priority tracking."""
    message = load_message(message_id, user, Permission.SUPERVISE)
    require_state(message, lifecycle.SUPERVISE)
    if message.supervised:
        raise Conflict("这条留言已在督办中。", code="already_supervised")
    _supervise(message, user, (note or "").strip()[:500])
    return message


def _supervise(message: Message, actor: User | None, note: str) -> None:
    message.supervised = True
    message.save(update_fields=["supervised"])
    record_event(message, EventKind.SUPERVISED, actor, unit=message.unit, note=note)


def _leader_for(user: User, message: Message) -> Leader | None:
    """The leader in whose name `user` writes: the first leader of the deepest region the user covers."""
    regions = [
        m.region
        for m in user.memberships.select_related("region").filter(role=Role.LEADER)
        if m.region and message.region and message.region.is_within(m.region)
    ]
    if not regions and user.is_superuser:
        return message.leader
    for region in sorted(regions, key=lambda r: len(r.path), reverse=True):
        leader = Leader.objects.filter(region=region, active=True).order_by("order", "id").first()
        if leader:
            return leader
    return None


@transaction.atomic
def instruct_message(leader_user: User, message_id: int, text: str | None) -> Instruction:
    """批示: a leader's written instruction on a message, sent to the desk and the unit."""
    message = load_message(message_id, leader_user, Permission.INSTRUCT)
    require_state(message, lifecycle.INSTRUCT)
    text = clean_text(text, field="text", label="批示内容", max_length=2000)
    leader = _leader_for(leader_user, message)
    if leader is None:
        raise Forbidden("您不是可以批示这条留言的领导。")
    instruction = Instruction.objects.create(message=message, leader=leader, author=leader_user, text=text)
    record_event(
        message,
        EventKind.INSTRUCTED,
        leader_user,
        unit=message.unit,
        note=f"{leader.title}：{text}",
        context={"instruction": instruction},
    )
    return instruction


# The deadline that runs now: accepting while assigned, replying while in progress.
ASSIGNED, IN_PROGRESS = Q(state=MessageState.ASSIGNED), Q(state=MessageState.IN_PROGRESS)


def warn_due_soon(now: datetime | None = None) -> int:
    """Tell units whose accept or reply deadline falls within 24 hours; once per deadline (idempotent)."""
    now = now or timezone.now()
    soon = now + timedelta(hours=24)
    candidates = (
        Message.objects.filter(merged_into=None)
        .filter(
            (ASSIGNED & Q(accept_deadline__gt=now, accept_deadline__lte=soon))
            | (IN_PROGRESS & Q(reply_deadline__gt=now, reply_deadline__lte=soon))
        )
        .values_list("pk", flat=True)
    )
    warned = 0
    for pk in candidates.iterator():
        with transaction.atomic():
            message = Message.objects.select_for_update(of=("self",)).select_related("unit").get(pk=pk)
            deadline = (
                message.accept_deadline if message.state == MessageState.ASSIGNED else message.reply_deadline
            )
            if (
                message.state not in (MessageState.ASSIGNED, MessageState.IN_PROGRESS)
                or deadline is None
                or not (now < deadline <= soon)
                or message.deadline_warned_for == deadline
            ):
                continue
            message.deadline_warned_for = deadline
            message.save(update_fields=["deadline_warned_for"])
            what = "受理" if message.state == MessageState.ASSIGNED else "回复"
            local = timezone.localtime(deadline)
            record_event(
                message,
                EventKind.DEADLINE_WARNING,
                None,
                unit=message.unit,
                note=f"{what}时限 {local:%Y-%m-%d %H:%M}",
            )
            warned += 1
    return warned


def supervise_overdue(now: datetime | None = None) -> int:
    """Put messages overdue by more than N working days under supervision.

    Idempotent: a message once flagged is skipped."""
    now = now or timezone.now()
    days = settings.LIUYAN_SUPERVISE_AFTER_OVERDUE_DAYS
    # Calendar days are a cheap lower bound for working days: anything overdue by N working days is
    # overdue by at least N calendar days.
    cutoff = now - timedelta(days=days)
    candidates = (
        Message.objects.filter(supervised=False, merged_into=None)
        .filter((ASSIGNED & Q(accept_deadline__lt=cutoff)) | (IN_PROGRESS & Q(reply_deadline__lt=cutoff)))
        .values_list("pk", flat=True)
    )
    flagged = 0
    for pk in candidates.iterator():
        with transaction.atomic():
            # Lock the message row only: PostgreSQL cannot lock the nullable side of the join to unit.
            locked = Message.objects.select_for_update(of=("self",))
            message = locked.select_related("unit", "desk").get(pk=pk)
            if message.supervised or message.state not in (MessageState.ASSIGNED, MessageState.IN_PROGRESS):
                continue
            deadline = (
                message.accept_deadline if message.state == MessageState.ASSIGNED else message.reply_deadline
            )
            assert deadline is not None  # set when the message was assigned
            overdue = working_days_between(deadline, now)
            if overdue <= days:
                continue
            _supervise(message, None, f"超期 {overdue} 个工作日，系统自动督办。")
            flagged += 1
    return flagged


def close_unrated(now: datetime | None = None) -> int:
    """Close replied messages whose rating window has passed (idempotent: closed ones are skipped).

    A message whose 追问 still waits for the unit's answer stays open, and so does one awaiting a 回访
    that has had none since the reply: the desk must revisit it first (after an unsatisfied revisit it
    may close)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LIUYAN_RATING_WINDOW_DAYS)
    closed = 0
    for pk in Message.objects.filter(
        state=MessageState.REPLIED, replied_at__lt=cutoff, follow_up_deadline=None
    ).values_list("pk", flat=True):
        with transaction.atomic():
            message = Message.objects.select_for_update().get(pk=pk)
            if message.state != MessageState.REPLIED or message.follow_up_deadline is not None:
                continue
            revisited = message.revisits.filter(at__gte=message.replied_at).exists()
            if message.awaiting_revisit and not revisited:
                continue
            rated = Rating.objects.filter(message=message, created_at__gte=message.replied_at).exists()
            if message.awaiting_revisit:
                note = "回访后评价期满，办结。"
            else:
                note = "评价期满，办结。" if rated else "评价期满未评价，自动办结。"
            transition(message, lifecycle.CLOSE, actor=None, closed_at=now, note=note, awaiting_revisit=False)
            closed += 1
    return closed
