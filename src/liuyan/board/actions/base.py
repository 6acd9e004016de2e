"""What every lifecycle action shares: its errors (liuyan.core's, re-exported here), loading a message
under lock with the caller's rights checked, and the one way a state changes (with its Event row)."""

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.accounts.scope import can
from liuyan.board.announce import changing, recorded
from liuyan.board.choices import MessageState
from liuyan.board.lifecycle import Step
from liuyan.board.models import Event, Message
from liuyan.board.visibility import may_read
from liuyan.core.errors import ActionError as ActionError  # re-exported: the board's actions raise it
from liuyan.core.errors import Conflict, Forbidden, Invalid, NotFound
from liuyan.directory.models import Unit

MESSAGE_NOT_FOUND = "留言不存在。"


def load_message(
    message_id: int,
    user: User,
    permission: Permission | None = None,
    *,
    author_only: bool = False,
    lock: bool = True,
) -> Message:
    """The message, locked for the rest of the transaction, if `user` may see it and act on it.

    Invisible and missing both answer NotFound; visible but not allowed answers Forbidden.
    """
    queryset = Message.objects.select_related(
        "region", "desk__region", "unit__region", "message_type", "campaign", "leader", "author"
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    try:
        message = queryset.get(pk=message_id)
    except Message.DoesNotExist:
        raise NotFound(MESSAGE_NOT_FOUND) from None
    if not may_read(user, message):
        raise NotFound(MESSAGE_NOT_FOUND)
    if author_only and message.author_id != user.id:
        raise Forbidden("只有留言人本人可以这样做。")
    if permission is not None and not can(user, permission, message):
        raise Forbidden("您没有办理这条留言的权限。")
    return message


def record_event(
    message: Message,
    kind: str,
    actor: User | None,
    *,
    from_state: str = "",
    to_state: str = "",
    unit: Unit | None = None,
    note: str = "",
    at: datetime | None = None,
    context: dict[str, Any] | None = None,
) -> Event:
    """Add an event to the message's history, dated `at` (default: now), and announce it (board/announce.py)
    in the same transaction, with `context`: what the action knows that the Event does not carry."""
    event = Event.objects.create(
        created_at=at or timezone.now(),
        message=message,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        unit=unit,
        note=note,
    )
    recorded(event, **(context or {}))
    return event


def require_state(message: Message, step: Step) -> None:
    """Conflict unless the lifecycle table allows `step` from the message's state."""
    if message.state not in step.allowed_from:
        label = MessageState(message.state).label
        raise Conflict(f"这条留言当前状态为“{label}”，不能{step.name}。", code="illegal_state")


def transition(
    message: Message,
    step: Step,
    *,
    actor: User | None,
    unit: Unit | None = None,
    note: str = "",
    context: dict[str, Any] | None = None,
    **fields: Any,
) -> Event:
    """Move `message` to the state `step` leads to (and set `fields`) if the lifecycle table allows `step`
    from its state; write exactly one Event, of the step's kind (announced with `context`, see
    `record_event`)."""
    require_state(message, step)
    from_state, to_state, kind = message.state, step.to_state, step.event
    assert to_state is not None, f"{step.slug} leaves the state as it is"
    with changing(message):
        message.state = to_state
        for name, value in fields.items():
            setattr(message, name, value)
        message.save(update_fields=["state", *fields])
    return record_event(
        message, kind, actor, from_state=from_state, to_state=to_state, unit=unit, note=note, context=context
    )


def clean_text(
    value: str | None, *, field: str, label: str, min_length: int = 1, max_length: int = 1000
) -> str:
    """Stripped text within bounds, or Invalid naming the field."""
    text = (value or "").strip()
    if len(text) < min_length:
        raise Invalid(
            f"请填写{label}。" if min_length <= 1 else f"{label}至少 {min_length} 个字。", field=field
        )
    if len(text) > max_length:
        raise Invalid(f"{label}不能超过 {max_length} 个字。", field=field)
    return text


def not_merged() -> Q:
    return Q(merged_into__isnull=True)
