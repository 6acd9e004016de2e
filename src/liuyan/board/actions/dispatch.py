"""Moving a message between desk and units: assign (交办), transfer (转办), return (退回), merge (并单)."""

from django.db import transaction
from django.utils import timezone

from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.accounts.scope import can
from liuyan.board import deadlines, lifecycle
from liuyan.board.actions.base import (
    Conflict,
    Forbidden,
    Invalid,
    clean_text,
    load_message,
    record_event,
    require_state,
    transition,
)
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Message
from liuyan.board.selectors import transfer_candidates
from liuyan.directory.choices import UnitKind
from liuyan.directory.models import AutoAssignPolicy, Unit


def _handling_unit(unit_id: int | None, *, field: str = "unit_id") -> Unit:
    """An active unit that can hold a message (not a dispatch desk)."""
    unit = (
        Unit.objects.select_related("region")
        .filter(pk=unit_id, active=True)
        .exclude(kind=UnitKind.DISPATCH_DESK)
        .first()
        if unit_id
        else None
    )
    if unit is None:
        raise Invalid("请选择有效的办理单位。", field=field)
    return unit


def _refuse_merged(message: Message) -> None:
    if message.merged_into_id:
        raise Conflict("这条留言已并入其他留言，请办理主留言。", code="merged")


@transaction.atomic
def assign_message(
    dispatcher: User,
    message_id: int,
    unit_id: int | None,
    note: str | None = "",
    urgent: bool | None = None,
    *,
    actor: User | None = None,
) -> Message:
    """交办: the desk hands a published message to a unit in its region subtree (or a central department);
    it may re-assign until the unit accepts. The deadlines start now.

    `dispatcher` is checked; `actor` (default: the dispatcher) is who the Event names — None for an
    assignment the system makes on a desk's behalf.
    """
    message = load_message(message_id, dispatcher, Permission.ASSIGN)
    _refuse_merged(message)
    unit = _handling_unit(unit_id)
    if not can(dispatcher, Permission.ASSIGN, unit):
        raise Invalid("只能交办给本地区的单位或中央部门。", field="unit_id")
    if message.state == MessageState.ASSIGNED and unit.pk == message.unit_id:
        raise Conflict(f"这条留言已经交办给{unit.name}。", code="already_assigned")
    if urgent is not None:
        message.urgent = urgent
    _hand_to_unit(
        message, unit, actor=dispatcher if actor is None else actor, note=(note or "").strip()[:500]
    )
    return message


def _hand_to_unit(message: Message, unit: Unit, *, actor: User | None, note: str) -> None:
    """The assignment itself, once it is allowed: the deadlines start now, the unit and the author hear."""
    now = timezone.now()
    accept_by, reply_by = deadlines.handling_deadlines(message, now)
    transition(
        message,
        lifecycle.ASSIGN,
        actor=actor,
        unit=unit,
        note=note,
        unit_id=unit.pk,
        assigned_at=now,
        accepted_at=None,
        accept_deadline=accept_by,
        reply_deadline=reply_by,
        urgent=message.urgent,
    )
    message.unit = unit


@transaction.atomic
def auto_assign_message(message_id: int, unit_id: int, *, confidence: float, reason: str) -> Message | None:
    """自动交办: the system assigns a published message to a suggested unit on its desk's behalf, when the
    desk has turned auto-assignment on, the unit is within the desk's region and the suggestion's
    `confidence` is at least what the desk asked. The suggestion (unit, confidence, reason) is the caller's:
    intelligence's routing (`intelligence.analyze.auto_assign_message`). The Event names no actor (the
    system) and says why; the desk can still reassign until the unit accepts. Returns None, changing
    nothing, when it does not assign."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("desk__region", "region", "domain", "author")
        .filter(pk=message_id, state=MessageState.PUBLISHED, merged_into=None)
        .first()
    )
    if message is None or message.desk is None:
        return None
    policy = AutoAssignPolicy.objects.filter(desk=message.desk, enabled=True).first()
    if policy is None or confidence < float(policy.min_confidence):
        return None
    unit = (
        Unit.objects.select_related("region")
        .filter(pk=unit_id, active=True)
        .exclude(kind=UnitKind.DISPATCH_DESK)
        .first()
    )
    if unit is None or not within_desk_region(unit, message.desk):
        return None
    _hand_to_unit(
        message,
        unit,
        actor=None,
        note=(
            f"自动交办（置信度 {confidence:.0%}，"
            f"{message.desk.name}设定下限 {policy.min_confidence:.0%}）：{reason}"
        )[:500],
    )
    return message


def within_desk_region(unit: Unit, desk: Unit) -> bool:
    """Whether the desk may have `unit` assigned automatically: a unit of the desk's region or below; for
    a ministry's desk (no region), a central department."""
    if desk.region is None:
        return unit.region is None
    return bool(unit.region and unit.region.path.startswith(desk.region.path))


@transaction.atomic
def transfer_message(handler: User, message_id: int, unit_id: int | None, note: str | None) -> Message:
    """转办: a unit passes the message to another unit, which must accept it anew.

    Only within the holding unit's own place: the target's region is the holding unit's region or a
    region under it (临沧市教育局 may pass to 临沧市住建局 or 永德县教育局, not to 云南省 or 北京 units);
    a central department passes only to another central department. Anything else goes back through
    the desk (退回, and the desk assigns anew) and is refused here (Forbidden, `transfer_outside_area`) —
    unless the user holds the desk's ASSIGN right over the target unit themselves (an administrator).
    `selectors.transfer_candidates` lists exactly these units.
    """
    message = load_message(message_id, handler, Permission.HANDLE)
    _refuse_merged(message)
    note = clean_text(note, field="note", label="转办说明", max_length=500)
    unit = _handling_unit(unit_id)
    if unit.pk == message.unit_id:
        raise Invalid("不能转办给本单位。", field="unit_id")
    if message.unit is not None and not transfer_candidates(handler, message).filter(pk=unit.pk).exists():
        holding = message.unit
        place = f"{holding.region.name}及其下辖地区的单位" if holding.region else "其他中央部门"
        raise Forbidden(
            f"{holding.name}只能转办给{place}；{unit.name}不在此范围，请退回{message.desk.name}重新交办。",
            code="transfer_outside_area",
            field="unit_id",
        )
    # Checked before the deadline below is worked out: a message never assigned has no reply deadline.
    require_state(message, lifecycle.TRANSFER)
    assert message.reply_deadline is not None  # set when the message was assigned
    now = timezone.now()
    transition(
        message,
        lifecycle.TRANSFER,
        actor=handler,
        unit=unit,
        note=note,
        unit_id=unit.pk,
        accepted_at=None,
        # The new unit gets its time to accept, but never past the reply deadline, which keeps running.
        accept_deadline=min(deadlines.accept_deadline(message, now), message.reply_deadline),
    )
    message.unit = unit
    return message


@transaction.atomic
def return_message(handler: User, message_id: int, reason: str | None) -> Message:
    """退回: the unit sends a message that is not its business back to the desk."""
    message = load_message(message_id, handler, Permission.HANDLE)
    reason = clean_text(reason, field="reason", label="退回理由", max_length=500)
    unit = message.unit
    transition(
        message,
        lifecycle.RETURN,
        actor=handler,
        unit=unit,
        note=reason,
        unit_id=None,
        accepted_at=None,
    )
    message.unit = None
    return message


@transaction.atomic
def merge_messages(user: User, message_id: int, into_id: int | None) -> Message:
    """并单: join a duplicate to the message that will be answered; the duplicate follows its answer."""
    if not into_id or into_id == message_id:
        raise Invalid("请选择要并入的另一条留言。", field="into_id")
    # Lock both rows in id order, so that two opposite merges cannot deadlock.
    first, second = sorted([message_id, into_id])
    locked = {pk: load_message(pk, user) for pk in (first, second)}
    duplicate, primary = locked[message_id], locked[into_id]
    for message in (duplicate, primary):
        if not (can(user, Permission.ASSIGN, message) or can(user, Permission.MODERATE, message)):
            raise Forbidden("您没有合并这条留言的权限。")
        _refuse_merged(message)
        if message.state not in lifecycle.MERGE.allowed_from:
            raise Conflict(f"留言 {message.serial} 当前状态为“{message.get_state_display()}”，不能并单。")
    duplicate.merged_into = primary
    duplicate.save(update_fields=["merged_into"])
    record_event(duplicate, EventKind.MERGED, user, note=f"并入留言 {primary.serial}")
    record_event(primary, EventKind.MERGED, user, note=f"留言 {duplicate.serial} 并入本留言")
    return duplicate
