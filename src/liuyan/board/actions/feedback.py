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

# A rating averaging at least this closes the message; below it, a follow-up reopens it. (满意 in the figures
# is stricter: reports/counts.SATISFIED_SUM.)
CLOSING_AVERAGE = 3
FOLLOW_UP_STATES = lifecycle.FOLLOW_UP.allowed_from


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
    """Rate the latest published reply; a rating averaging at least CLOSING_AVERAGE closes the message."""
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
    record_event(
        message,
        EventKind.RATED,
        author,
        unit=reply.unit,
        note=f"解决程度 {rating.resolution} 分，办理态度 {rating.attitude} 分，办理速度 {rating.speed} 分",
        context={"rating": rating},
    )
    if rating.average >= CLOSING_AVERAGE:
        transition(
            message,
            lifecycle.CLOSE,
            actor=author,
            closed_at=timezone.now(),
        )
    return rating


def _last_rating_below_closing(message: Message) -> bool:
    last = message.ratings.order_by("-created_at", "-id").first()
    return last is not None and last.average < CLOSING_AVERAGE


@transaction.atomic
def follow_up_message(
    author: User, message_id: int, body: str | None, new_question: bool = False
) -> FollowUp:
    """追问. On a replied message it reopens handling, under supervision, when the last rating was
    below CLOSING_AVERAGE or the author asks a new question; otherwise it is added for the unit to read."""
    message = load_message(message_id, author, author_only=True)
    require_state(message, lifecycle.FOLLOW_UP)
    body = clean_text(body, field="body", label="追问内容", min_length=5, max_length=BODY_MAX)
    reopen = message.state == MessageState.REPLIED and (new_question or _last_rating_below_closing(message))
    follow_up = FollowUp.objects.create(
        message=message, body=body, new_question=new_question, reopened=reopen
    )
    record_event(message, EventKind.FOLLOWED_UP, author, note=body[:200], context={"follow_up": follow_up})
    if reopen:
        now = timezone.now()
        transition(
            message,
            lifecycle.REOPEN,
            actor=author,
            unit=message.unit,
            supervised=True,
            reply_deadline=deadlines.reply_deadline(message, now),
        )
    return follow_up
