"""Who is told what, for which event of a message.

The board announces each Event its actions write (board/announce.py); `tell` turns it into notifications
(`actions.notify`), and `enqueue_webhooks` into webhook deliveries, inside the action's transaction.
`NotifyConfig.ready()` connects them. A kind not listed in TELLERS tells nobody (its webhooks still hear).
What the Event does not carry comes in the announcement's context, from the action: the extension asked
for or decided, the leader's instruction, the rating, the follow-up, the messages a reply answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from liuyan.accounts.selectors import dispatchers_of, handlers_of
from liuyan.board.choices import EventKind, MessageState
from liuyan.notify import webhooks
from liuyan.notify.actions import notify
from liuyan.notify.choices import NotificationKind as Kind

if TYPE_CHECKING:
    from liuyan.accounts.models import User
    from liuyan.board.models import Event, ExtensionRequest, FollowUp, Instruction, Message, Rating
    from liuyan.directory.models import Unit

Teller = Callable[..., None]  # (event, message, **context)
TELLERS: dict[str, Teller] = {}


def tells(*kinds: str) -> Callable[[Teller], Teller]:
    def register(teller: Teller) -> Teller:
        for kind in kinds:
            TELLERS[kind] = teller
        return teller

    return register


def tell(event: Event, **context: Any) -> None:
    """The notifications `event` calls for (board/announce.py's `event_recorded`)."""
    teller = TELLERS.get(event.kind)
    if teller is not None:
        teller(event, event.message, **context)


def enqueue_webhooks(event: Event, **context: Any) -> None:
    webhooks.enqueue_for_event(event)


def tell_submitted(message: Message, *, fresh: bool) -> None:
    """The citizen hears that the submission is in, once its follow-up is done (`submission_finished`)."""
    notify(
        [message.author],
        Kind.MESSAGE_SUBMITTED,
        f"您的留言《{message.title}》已提交，编号 {message.serial}，等待审核。",
        message,
    )


def _unit(event: Event) -> Unit:
    """The unit the event names: every kind told below about a unit's work names it."""
    if event.unit is None:
        raise ValueError(f"A {event.kind} event names no unit.")
    return event.unit


def _desk_and_unit(message: Message) -> list[User]:
    recipients = [*dispatchers_of(message.desk)]
    if (unit := message.unit) is not None:
        recipients += handlers_of(unit)
    return recipients


@tells(EventKind.PUBLISHED)
def _published(event: Event, message: Message) -> None:
    notify(
        [message.author], Kind.MESSAGE_PUBLISHED, f"您的留言《{message.title}》已刊发，正在交办。", message
    )
    notify(
        dispatchers_of(message.desk),
        Kind.DESK_INCOMING,
        f"新留言待交办：{message.serial}《{message.title}》",
        message,
    )


@tells(EventKind.REJECTED)
def _rejected(event: Event, message: Message) -> None:
    notify(
        [message.author],
        Kind.MESSAGE_REJECTED,
        f"您的留言《{message.title}》未通过审核：{event.note}",
        message,
    )


@tells(EventKind.ASSIGNED)
def _assigned(event: Event, message: Message) -> None:
    unit = _unit(event)
    notify(
        handlers_of(unit), Kind.ASSIGNED, f"新交办留言待受理：{message.serial}《{message.title}》", message
    )
    notify(
        [message.author],
        Kind.MESSAGE_ASSIGNED,
        f"您的留言《{message.title}》已交办给{unit.name}。",
        message,
    )


@tells(EventKind.TRANSFERRED)
def _transferred(event: Event, message: Message) -> None:
    notify(
        handlers_of(_unit(event)),
        Kind.ASSIGNED,
        f"转办留言待受理：{message.serial}《{message.title}》",
        message,
    )


@tells(EventKind.RETURNED)
def _returned(event: Event, message: Message) -> None:
    notify(
        dispatchers_of(message.desk),
        Kind.RETURNED,
        f"{_unit(event).name}退回留言 {message.serial}：{event.note}",
        message,
    )


@tells(EventKind.MERGED)
def _merged(event: Event, message: Message) -> None:
    # Both messages get an event; the duplicate's author is told, the primary's is not.
    if (primary := message.merged_into) is not None:
        notify(
            [message.author],
            Kind.MESSAGE_MERGED,
            f"您的留言《{message.title}》与同类留言 {primary.serial} 合并办理，答复将一并告知。",
            message,
        )


@tells(EventKind.ACCEPTED)
def _accepted(event: Event, message: Message) -> None:
    notify(
        [message.author],
        Kind.MESSAGE_ACCEPTED,
        f"您的留言《{message.title}》已由{_unit(event).name}受理。",
        message,
    )


@tells(EventKind.EXTENSION_REQUESTED)
def _extension_requested(event: Event, message: Message, *, extension: ExtensionRequest) -> None:
    notify(
        dispatchers_of(message.desk),
        Kind.EXTENSION_REQUESTED,
        f"{_unit(event).name}申请延期 {extension.days} 个工作日：{message.serial}",
        message,
    )


@tells(EventKind.EXTENSION_APPROVED, EventKind.EXTENSION_REFUSED)
def _extension_decided(event: Event, message: Message, *, extension: ExtensionRequest) -> None:
    approved = event.kind == EventKind.EXTENSION_APPROVED
    text = f"同意延期 {extension.days} 个工作日" if approved else "不同意延期"
    notify(handlers_of(_unit(event)), Kind.EXTENSION_DECIDED, f"{text}：{message.serial}", message)


@tells(EventKind.REMINDED)
def _reminded(event: Event, message: Message) -> None:
    notify(
        handlers_of(_unit(event)), Kind.REMINDED, f"请抓紧办理留言 {message.serial}。{event.note}", message
    )


@tells(EventKind.SUPERVISED)
def _supervised(event: Event, message: Message) -> None:
    notify(
        _desk_and_unit(message), Kind.SUPERVISED, f"留言 {message.serial} 已列入督办。{event.note}", message
    )


@tells(EventKind.INSTRUCTED)
def _instructed(event: Event, message: Message, *, instruction: Instruction) -> None:
    notify(
        _desk_and_unit(message),
        Kind.INSTRUCTED,
        f"{instruction.leader.title}对留言 {message.serial} 作出批示。",
        message,
    )


@tells(EventKind.DEADLINE_WARNING)
def _deadline_warning(event: Event, message: Message) -> None:
    what = "受理" if message.state == MessageState.ASSIGNED else "回复"
    local = timezone.localtime(message.deadline_warned_for)
    notify(
        handlers_of(_unit(event)),
        Kind.DEADLINE_WARNING,
        f"留言 {message.serial} 将于 {local:%m月%d日 %H:%M} 到达{what}时限。",
        message,
    )


@tells(EventKind.REPLY_APPROVED)
def _reply_approved(event: Event, message: Message, *, answered: list[Message]) -> None:
    """Each message answered (merged duplicates too) tells its author; the unit hears once per reply,
    on the first message it answers."""
    notify(
        [message.author],
        Kind.REPLY_PUBLISHED,
        f"您的留言《{message.title}》已获{_unit(event).name}回复，欢迎评价。",
        message,
    )
    if message.pk == answered[0].pk:
        notify(
            handlers_of(_unit(event)), Kind.REPLY_APPROVED, f"回复已通过审核并公开：{message.serial}", message
        )


@tells(EventKind.REPLY_SENT_BACK)
def _reply_sent_back(event: Event, message: Message, *, answered: list[Message]) -> None:
    if message.pk == answered[0].pk:
        notify(
            handlers_of(_unit(event)),
            Kind.REPLY_SENT_BACK,
            f"回复被退回（{message.serial}）：{event.note}",
            message,
        )


@tells(EventKind.RATED)
def _rated(event: Event, message: Message, *, rating: Rating) -> None:
    """The unit hears of every rating; the desk of an unhappy one, which leaves the message awaiting its
    回访."""
    notify(
        handlers_of(_unit(event)),
        Kind.RATED,
        f"留言 {message.serial} 收到评价：平均 {rating.average:.1f} 分",
        message,
    )
    if message.awaiting_revisit and message.state == MessageState.REPLIED:
        notify(
            dispatchers_of(message.desk),
            Kind.REVISIT_DUE,
            f"留言 {message.serial} 评价不满意（解决程度 {rating.resolution} 分），请回访。",
            message,
        )


@tells(EventKind.FOLLOWED_UP)
def _followed_up(event: Event, message: Message, *, follow_up: FollowUp) -> None:
    if (unit := message.unit) is not None:
        if follow_up.answer_deadline is not None:
            due = timezone.localtime(follow_up.answer_deadline)
            text = f"留言 {message.serial} 有新的追问，请于 {due:%m月%d日 %H:%M} 前答复。"
        else:
            text = f"留言 {message.serial} 有新的追问{'，已重新交办' if follow_up.reopened else ''}。"
        notify(handlers_of(unit), Kind.FOLLOWED_UP, text, message)


@tells(EventKind.REOPENED)
def _reopened(event: Event, message: Message, **context: Any) -> None:
    """The desk's 重新办理 tells the unit why and the citizen that it is handled again (a reopening after a
    follow-up was told with the follow-up)."""
    if event.actor_id is None or event.actor_id == message.author_id or message.unit is None:
        return
    notify(
        handlers_of(message.unit), Kind.REOPENED, f"留言 {message.serial} 需重新办理：{event.note}", message
    )
    notify(
        [message.author],
        Kind.MESSAGE_REOPENED,
        f"您的留言《{message.title}》已交{message.unit.name}重新办理。",
        message,
    )
