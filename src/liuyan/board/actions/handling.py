"""A unit's handling of a message: accept (受理) and extensions (延期) with the desk's decision."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.board import deadlines, lifecycle
from liuyan.board.actions.base import (
    Conflict,
    Invalid,
    NotFound,
    clean_text,
    load_message,
    record_event,
    require_state,
    transition,
)
from liuyan.board.announce import changing
from liuyan.board.choices import EventKind, ExtensionState
from liuyan.board.models import ExtensionRequest, Message

MAX_EXTENSION_DAYS = 30


@transaction.atomic
def accept_message(handler: User, message_id: int) -> Message:
    """受理. Two handlers accepting at once: the row lock makes the second see `in_progress` (409)."""
    message = load_message(message_id, handler, Permission.HANDLE)
    transition(
        message,
        lifecycle.ACCEPT,
        actor=handler,
        unit=message.unit,
        accepted_at=timezone.now(),
    )
    return message


@transaction.atomic
def request_extension(
    handler: User, message_id: int, days: int | None, reason: str | None
) -> ExtensionRequest:
    message = load_message(message_id, handler, Permission.HANDLE)
    require_state(message, lifecycle.REQUEST_EXTENSION)
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise Invalid(f"延期天数应为 1–{MAX_EXTENSION_DAYS} 个工作日。", field="days")
    reason = clean_text(reason, field="reason", label="延期理由", max_length=1000)
    assert message.unit is not None  # an accepted message is held by a unit
    try:
        with transaction.atomic():
            extension = ExtensionRequest.objects.create(
                message=message, unit=message.unit, requested_by=handler, days=days, reason=reason
            )
    except IntegrityError:
        raise Conflict("已有待审批的延期申请。", code="extension_pending") from None
    record_event(
        message,
        EventKind.EXTENSION_REQUESTED,
        handler,
        unit=message.unit,
        note=f"{days} 个工作日：{reason}",
        context={"extension": extension},
    )
    return extension


@transaction.atomic
def decide_extension(
    dispatcher: User, extension_id: int, approve: bool, note: str | None = ""
) -> ExtensionRequest:
    """The desk approves (the reply deadline moves by the days asked) or refuses an extension."""
    extension = ExtensionRequest.objects.select_for_update().filter(pk=extension_id).first()
    if extension is None:
        raise NotFound("延期申请不存在。")
    message = load_message(extension.message_id, dispatcher, Permission.DECIDE_EXTENSION)
    if extension.state != ExtensionState.PENDING:
        raise Conflict(f"这份延期申请已审批（{extension.get_state_display()}）。", code="extension_decided")
    require_state(message, lifecycle.DECIDE_EXTENSION)
    note = (note or "").strip()[:1000]
    now = timezone.now()
    extension.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = dispatcher, now, note
    extension.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    if approve:
        # A reopened message keeps its earlier reply, whose on-time figure follows the new deadline.
        assert message.reply_deadline is not None  # set when the message was assigned
        with changing(message):
            message.reply_deadline = deadlines.extended(message.reply_deadline, extension.days)
            message.save(update_fields=["reply_deadline"])
        kind, text = EventKind.EXTENSION_APPROVED, f"同意延期 {extension.days} 个工作日"
    else:
        kind, text = EventKind.EXTENSION_REFUSED, "不同意延期"
    record_event(
        message,
        kind,
        dispatcher,
        unit=extension.unit,
        note=f"{text}。{note}".rstrip("。") + "。",
        context={"extension": extension},
    )
    return extension
