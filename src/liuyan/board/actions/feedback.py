"""The author's word on the answer: rating (评价) and follow-up (追问)."""

from django.db import transaction
from django.utils import timezone

from liuyan.accounts.models import User
from liuyan.board import deadlines, lifecycle
from liuyan.board.actions.base import (
    Conflict,
    Invalid,
    clean_text,
    load_message,
    record_event,
    require_state,
    transition,
)
from liuyan.board.announce import changing
from liuyan.board.choices import EventKind, MessageState, ReplyState
from liuyan.board.models import BODY_MAX, FollowUp, Message, Rating

# A rating averaging at least this, with a 解决程度 above the region's revisit threshold
# (deadlines.revisit_resolution), closes the message; any other rating is unhappy and leaves it open for the
# desk's 回访. (满意 in the figures is stricter: reports/counts.SATISFIED_SUM.)
CLOSING_AVERAGE = 3
FOLLOW_UP_STATES = lifecycle.FOLLOW_UP.allowed_from


def is_unhappy(rating: Rating, message: Message) -> bool:
    """Whether `rating` calls for a 回访 rather than closing the message."""
    return rating.average < CLOSING_AVERAGE or rating.resolution <= deadlines.revisit_resolution(message)


def _score(value: object, field: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise Invalid(f"{label}请打 1–5 分。", field=field)
    return value


@transaction.atomic
def rate_message(
    author: User,
    message_id: int,
    *,
    resolution: object,
    attitude: object,
    speed: object,
    comment: str | None = "",
) -> Rating:
    """Rate the latest published reply. A satisfied rating closes the message; an unhappy one (is_unhappy)
    leaves it replied, awaiting the desk's 回访, and its author may still follow up."""
    message = load_message(message_id, author, author_only=True)
    require_state(message, lifecycle.RATE)
    scores = {
        "resolution": _score(resolution, "resolution", "解决程度"),
        "attitude": _score(attitude, "attitude", "办理态度"),
        "speed": _score(speed, "speed", "办理速度"),
    }
    reply = message.replies.filter(state=ReplyState.PUBLISHED).order_by("-reviewed_at", "-id").first()
    assert reply is not None  # a message that may be rated has a published reply
    if Rating.objects.filter(message=message, reply=reply).exists():
        raise Conflict("您已经评价过这次回复。", code="already_rated")
    with changing(message, rated=True):
        rating = Rating.objects.create(
            message=message, reply=reply, comment=(comment or "").strip()[:1000], **scores
        )
        unhappy = is_unhappy(rating, message)
        if unhappy and not message.awaiting_revisit:
            message.awaiting_revisit = True
            message.save(update_fields=["awaiting_revisit"])
    note = f"解决程度 {rating.resolution} 分，办理态度 {rating.attitude} 分，办理速度 {rating.speed} 分"
    record_event(
        message,
        EventKind.RATED,
        author,
        unit=reply.unit,
        note=f"{note}；不满意，转入回访" if unhappy else note,
        context={"rating": rating},
    )
    if not unhappy:
        transition(
            message,
            lifecycle.CLOSE,
            actor=author,
            closed_at=timezone.now(),
            awaiting_revisit=False,
            follow_up_deadline=None,
        )
    return rating


@transaction.atomic
def follow_up_message(
    author: User, message_id: int, body: str | None, new_question: bool = False
) -> FollowUp:
    """追问. On a replied message a new question reopens handling, under supervision; any other follow-up
    waits in the unit's 追问 queue, to be answered (a reply, reviewed as any) within the region's follow-up
    deadline. While the unit still holds the message, the follow-up is added for it to read."""
    message = load_message(message_id, author, author_only=True)
    require_state(message, lifecycle.FOLLOW_UP)
    body = clean_text(body, field="body", label="追问内容", min_length=5, max_length=BODY_MAX)
    replied = message.state == MessageState.REPLIED
    reopen = replied and new_question
    now = timezone.now()
    answer_deadline = deadlines.follow_up_deadline(message, now) if replied and not reopen else None
    follow_up = FollowUp.objects.create(
        message=message,
        body=body,
        new_question=new_question,
        reopened=reopen,
        answer_deadline=answer_deadline,
    )
    if answer_deadline is not None and message.follow_up_deadline is None:
        # The queue is ordered by the earliest follow-up still unanswered.
        message.follow_up_deadline = answer_deadline
        message.save(update_fields=["follow_up_deadline"])
    record_event(message, EventKind.FOLLOWED_UP, author, note=body[:200], context={"follow_up": follow_up})
    if reopen:
        transition(
            message,
            lifecycle.REOPEN_ON_FOLLOW_UP,
            actor=author,
            unit=message.unit,
            supervised=True,
            reply_deadline=deadlines.reply_deadline(message, now),
            follow_up_deadline=None,
        )
    return follow_up
