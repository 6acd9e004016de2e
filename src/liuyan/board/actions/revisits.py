"""After the reply: 回访 (a visit or call to the citizen, recorded by the unit that handled the message or by
its desk) and 重新办理 (the desk sends the message back to that unit).

An unhappy rating leaves a message replied and `awaiting_revisit` (the desk's 回访 queue). A revisit whose
citizen is satisfied or basically satisfied closes such a message; an unsatisfied one leaves it in the queue
for the desk to reopen (or, once the rating window is over, for the periodic task to close)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from liuyan import inputs
from liuyan.accounts.choices import Permission
from liuyan.accounts.models import User
from liuyan.accounts.scope import can, scope_for
from liuyan.board import deadlines, lifecycle
from liuyan.board.actions.base import (
    Forbidden,
    Invalid,
    clean_text,
    load_message,
    record_event,
    require_state,
    transition,
)
from liuyan.board.announce import changing
from liuyan.board.choices import (
    SATISFIED_OUTCOMES,
    EventKind,
    MessageState,
    RevisitMethod,
    RevisitOutcome,
)
from liuyan.board.models import Message, Revisit
from liuyan.core.times import parse_timestamp

SUMMARY_MAX = 2000
REASON_MAX = 500
# A visit's time is typed by hand: a clock a few minutes ahead of the server's is not "in the future".
CLOCK_SKEW = timedelta(minutes=5)


def _choice(
    value: object, choices: type[RevisitMethod] | type[RevisitOutcome], field: str, label: str
) -> str:
    """A choice given by its code (phone) or its Chinese label (电话)."""
    text = value.strip() if isinstance(value, str) else ""
    by_label = {str(choice.label): str(choice.value) for choice in choices}
    if text in choices.values:
        return text
    if text in by_label:
        return by_label[text]
    names = "、".join(by_label)
    raise Invalid(f"请选择{label}（{names}）。", field=field)


def _moment(value: object, message: Message, now: datetime) -> datetime:
    """When the visit happened: a datetime or a timestamp in any of the site's forms (full-width digits
    too), not in the future and not before the message was replied to."""
    at = parse_timestamp(value) if isinstance(value, datetime | str) else None
    if at is None:
        raise Invalid("请填写回访时间，如 2026-12-03 09:30。", field="at")
    if at > now + CLOCK_SKEW:
        raise Invalid("回访时间不能晚于现在。", field="at")
    if message.replied_at is not None and at < message.replied_at:
        replied = timezone.localtime(message.replied_at)
        raise Invalid(f"回访时间不能早于回复时间（{replied:%Y-%m-%d %H:%M}）。", field="at")
    return at


def _summary(value: str | None) -> str:
    text = clean_text(value, field="summary", label="回访情况", min_length=2, max_length=SUMMARY_MAX)
    if (character := inputs.forbidden_character(text, multiline=True)) is not None:
        raise Invalid(inputs.refusal(character), field="summary")
    return text


@transaction.atomic
def record_revisit(
    user: User,
    message_id: int,
    method: object,
    at: object,
    summary: str | None,
    outcome: object,
) -> Revisit:
    """回访: record a visit to the citizen, by the unit that handled the message or by its desk; one Event
    whose public text names the way and the outcome, never what the citizen said. A satisfied (or basically
    satisfied) visit to a message awaiting one closes it."""
    message = load_message(message_id, user)
    handles = message.unit_id is not None and can(user, Permission.HANDLE, message)
    if not (handles or can(user, Permission.ASSIGN, message)):
        raise Forbidden("只有办理这条留言的单位或留言办理工作机构可以回访。")
    require_state(message, lifecycle.REVISIT)
    now = timezone.now()
    method = _choice(method, RevisitMethod, "method", "回访方式")
    outcome = _choice(outcome, RevisitOutcome, "outcome", "回访结果")
    at = _moment(at, message, now)
    summary = _summary(summary)
    # The handling unit records as itself when the user works there; anyone else as the desk.
    by_unit = handles and message.unit_id in scope_for(user, Permission.HANDLE).unit_ids
    unit = message.unit if by_unit else message.desk
    assert unit is not None  # a unit holds a replied message
    with changing(message, revisited=True):
        revisit = Revisit.objects.create(
            message=message,
            method=method,
            at=at,
            by=user,
            unit=unit,
            summary=summary,
            outcome=outcome,
            created_at=now,
        )
    who = "办理单位" if by_unit else "留言办理工作机构"
    record_event(
        message,
        EventKind.REVISITED,
        user,
        unit=unit,
        note=f"{who}{RevisitMethod(method).label}回访，留言人表示{RevisitOutcome(outcome).label}",
        at=at,
        context={"revisit": revisit},
    )
    if message.state == MessageState.REPLIED and message.awaiting_revisit and outcome in SATISFIED_OUTCOMES:
        transition(
            message,
            lifecycle.CLOSE,
            actor=user,
            unit=unit,
            note="回访满意，办结。",
            closed_at=now,
            awaiting_revisit=False,
            follow_up_deadline=None,
        )
    return revisit


def closed_by(revisit: Revisit) -> bool:
    """Whether recording `revisit` closed its message (record_revisit dates both the same)."""
    return revisit.message.state == MessageState.CLOSED and revisit.message.closed_at == revisit.created_at


@transaction.atomic
def reopen_message(user: User, message_id: int, reason: str | None) -> Message:
    """重新办理: the desk sends a replied or closed message back to the unit that handled it, in progress
    again under supervision, with a new reply deadline from now and the reason for the unit."""
    message = load_message(message_id, user, Permission.ASSIGN)
    require_state(message, lifecycle.REOPEN)
    reason = clean_text(reason, field="reason", label="重新办理的理由", min_length=2, max_length=REASON_MAX)
    if (character := inputs.forbidden_character(reason, multiline=True)) is not None:
        raise Invalid(inputs.refusal(character), field="reason")
    assert message.unit is not None  # a unit answered a replied or closed message
    transition(
        message,
        lifecycle.REOPEN,
        actor=user,
        unit=message.unit,
        note=reason,
        supervised=True,
        reply_deadline=deadlines.reply_deadline(message, timezone.now()),
        closed_at=None,
        awaiting_revisit=False,
        follow_up_deadline=None,
        deadline_warned_for=None,
    )
    return message
