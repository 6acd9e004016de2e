"""Editors' decisions on messages: publish (刊发) or reject, hide or unhide."""

from django.db import transaction
from django.utils import timezone

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.board import lifecycle
from liuyan.board.actions.base import Conflict, clean_text, load_message, record_event, transition
from liuyan.board.choices import EventKind
from liuyan.board.models import Message


@transaction.atomic
def publish_message(editor: User, message_id: int) -> Message:
    """Publish a message; it goes to its leader's dispatch desk, which assigns it."""
    message = load_message(message_id, editor, Permission.MODERATE)
    transition(
        message,
        lifecycle.PUBLISH,
        actor=editor,
        unit=message.desk,
        published_at=timezone.now(),
    )
    return message


@transaction.atomic
def reject_message(editor: User, message_id: int, reason: str | None) -> Message:
    message = load_message(message_id, editor, Permission.MODERATE)
    reason = clean_text(reason, field="reason", label="不予刊发的理由", max_length=500)
    transition(
        message,
        lifecycle.REJECT,
        actor=editor,
        note=reason,
    )
    return message


@transaction.atomic
def hide_message(editor: User, message_id: int, reason: str | None) -> Message:
    """Take a message out of public view (kept and still handled)."""
    message = load_message(message_id, editor, Permission.MODERATE)
    if message.hidden:
        raise Conflict("这条留言已经隐藏。", code="already_hidden")
    reason = clean_text(reason, field="reason", label="隐藏理由", max_length=500)
    message.hidden = True
    message.save(update_fields=["hidden"])
    record_event(message, EventKind.HIDDEN, editor, note=reason)
    return message


@transaction.atomic
def unhide_message(editor: User, message_id: int) -> Message:
    message = load_message(message_id, editor, Permission.MODERATE)
    if not message.hidden:
        raise Conflict("这条留言没有隐藏。", code="not_hidden")
    message.hidden = False
    message.save(update_fields=["hidden"])
    record_event(message, EventKind.UNHIDDEN, editor)
    return message
