"""Replies (回复): a unit submits one, an editor approves it (it goes public) or sends it back (退回回复).
A joint reply (公开回复) answers several messages; approving it replies to all of them."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.board import lifecycle
from liuyan.board.actions import handling
from liuyan.board.actions.base import (
    Conflict,
    Invalid,
    NotFound,
    clean_text,
    load_message,
    transition,
)
from liuyan.board.choices import MERGEABLE_STATES, MessageState, ReplyState
from liuyan.board.models import Message, Reply

REPLY_MIN, REPLY_MAX = 10, 10000


@transaction.atomic
def submit_reply(
    handler: User, message_id: int, body: str | None, also_message_ids: Sequence[int] = ()
) -> Reply:
    """The unit's answer goes to review; with `also_message_ids` it answers those messages too."""
    ids = sorted({message_id, *also_message_ids})
    messages = {pk: load_message(pk, handler, Permission.HANDLE) for pk in ids}  # locks in id order
    primary = messages[message_id]
    body = clean_text(body, field="body", label="回复内容", min_length=REPLY_MIN, max_length=REPLY_MAX)
    for message in messages.values():
        if message.merged_into_id:
            raise Conflict(f"留言 {message.serial} 已并入其他留言。", code="merged")
        if message.unit_id != primary.unit_id:
            raise Invalid(f"留言 {message.serial} 不由本单位办理，不能合并回复。", field="also_message_ids")
        if message.state not in lifecycle.REPLY.allowed_from:
            raise Conflict(
                f"留言 {message.serial} 当前状态为“{message.get_state_display()}”，不能回复。",
                code="illegal_state",
            )
        # A replied message is answered again only for a follow-up waiting in the unit's 追问 queue.
        if message.state == MessageState.REPLIED and message.follow_up_deadline is None:
            raise Conflict(f"留言 {message.serial} 已回复，没有待答复的追问。", code="illegal_state")
    assert primary.unit is not None  # a message in a state to be replied to is held by a unit
    reply = Reply.objects.create(body=body, unit=primary.unit, author=handler, state=ReplyState.IN_REVIEW)
    reply.messages.set(messages.values())
    for message in messages.values():
        # An answer to a follow-up is held to the follow-up's deadline, through review and a send-back.
        answering = message.follow_up_deadline if message.state == MessageState.REPLIED else None
        transition(
            message,
            lifecycle.REPLY,
            actor=handler,
            unit=primary.unit,
            follow_up_deadline=None,  # the reply answers the follow-ups waiting too
            reply_deadline=answering or message.reply_deadline,
        )
    return reply


@transaction.atomic
def accept_and_submit_reply(
    handler: User, message_id: int, body: str | None, also_message_ids: Sequence[int] = ()
) -> Reply:
    """受理并答复: a message still awaiting acceptance is accepted (accept_message), then answered
    (submit_reply), two steps with an event each; a refused reply leaves it unaccepted. One a colleague
    has accepted meanwhile is only answered."""
    message = load_message(message_id, handler, Permission.HANDLE)
    if message.state == MessageState.ASSIGNED:
        handling.accept_message(handler, message_id)
    return submit_reply(handler, message_id, body, also_message_ids)


def _load_reply_in_review(reply_id: int, editor: User) -> tuple[Reply, list[Message]]:
    reply = Reply.objects.select_for_update().select_related("unit").filter(pk=reply_id).first()
    if reply is None:
        raise NotFound("回复不存在。")
    messages = [
        load_message(m.pk, editor, Permission.REVIEW_REPLY) for m in reply.messages.order_by("pk").only("pk")
    ]
    if reply.state != ReplyState.IN_REVIEW:
        raise Conflict(f"这份回复当前状态为“{reply.get_state_display()}”，不能审核。", code="illegal_state")
    return reply, messages


@transaction.atomic
def approve_reply(editor: User, reply_id: int) -> Reply:
    """Publish the reply: every message it answers (and their merged duplicates) becomes `replied`."""
    reply, messages = _load_reply_in_review(reply_id, editor)
    now = timezone.now()
    reply.state, reply.reviewed_by, reply.reviewed_at = ReplyState.PUBLISHED, editor, now
    reply.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    for message in messages:
        transition(
            message,
            lifecycle.APPROVE_REPLY,
            actor=editor,
            unit=reply.unit,
            replied_at=now,
            context={"answered": messages},
        )
    duplicates = list(
        Message.objects.select_for_update()
        .filter(merged_into__in=messages, state__in=MERGEABLE_STATES)
        .order_by("pk")
    )
    for duplicate in duplicates:
        transition(
            duplicate,
            lifecycle.ANSWER_MERGED,
            actor=editor,
            unit=reply.unit,
            replied_at=now,
            note="随合并办理的留言一并答复",
            context={"answered": messages},
        )
    reply.messages.add(*duplicates)
    return reply


@transaction.atomic
def send_back_reply(editor: User, reply_id: int, reason: str | None) -> Reply:
    """退回回复: a perfunctory or wrong answer goes back to the unit, which must answer again."""
    reply, messages = _load_reply_in_review(reply_id, editor)
    reason = clean_text(reason, field="reason", label="退回理由", max_length=1000)
    reply.state, reply.review_note = ReplyState.SENT_BACK, reason
    reply.reviewed_by, reply.reviewed_at = editor, timezone.now()
    reply.save(update_fields=["state", "review_note", "reviewed_by", "reviewed_at"])
    for message in messages:
        transition(
            message,
            lifecycle.SEND_BACK_REPLY,
            actor=editor,
            unit=reply.unit,
            note=reason,
            context={"answered": messages},
        )
    return reply
