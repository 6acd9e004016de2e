"""Writes to notify: create notifications, deliver them by e-mail and SMS, mark them read."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from liuyan.core.sms import get_sms_backend
from liuyan.core.text import normalise_text
from liuyan.notify.choices import DeliveryChannel, NotificationKind
from liuyan.notify.models import Notification, NotificationDelivery
from liuyan.notify.retries import next_attempt_at

if TYPE_CHECKING:
    from liuyan.accounts.models import User
    from liuyan.board.models import Message

logger = logging.getLogger(__name__)

# The kinds that also go out by SMS: news a citizen waits for, and work a unit must act on soon.
# Every kind is shown in the site and e-mailed to recipients who have an address.
SMS_KINDS: frozenset[str] = frozenset(
    {
        NotificationKind.MESSAGE_PUBLISHED,
        NotificationKind.MESSAGE_REJECTED,
        NotificationKind.REPLY_PUBLISHED,
        NotificationKind.ASSIGNED,
        NotificationKind.REMINDED,
        NotificationKind.SUPERVISED,
    }
)

SITE_NAME = "留言板"
EMAIL_SUBJECT_LENGTH = 30
# An SMTP server that accepts the connection and then hangs must not hold a worker for ever.
SEND_TIMEOUT_SECONDS = 20
# Far longer than any one send may take (the timeout above, the SMS gateway's): a claim older than this
# belongs to a worker that died mid-send.
SENDING_TIMEOUT = timedelta(minutes=10)
INTERRUPTED = (
    "发送过程中断（处理进程异常退出），无法确认对方是否已收到；为免重复发送不再自动重试，请核实后重新发送"
)


def notify(
    recipients: Iterable[User], kind: str, text: str, message: Message | None = None
) -> list[Notification]:
    """Create one notification per distinct active recipient and enqueue their delivery as one task.

    Call it inside the transaction of the change it reports: the rows and the task row commit (or roll
    back) with that change. `kind` is one of `NotificationKind` (other strings are stored but never
    texted); `text` longer than the field is cut with an ellipsis.
    """
    kind_length = Notification._meta.get_field("kind").max_length
    if len(kind) > kind_length:
        raise ValueError(f"Notification kind {kind!r} is longer than {kind_length} characters.")
    text_length = Notification._meta.get_field("text").max_length
    if len(text) > text_length:
        text = text[: text_length - 1] + "…"
    active = {user.pk: user for user in recipients if user.is_active}
    if not active:
        return []

    # tasks.py imports this module for the actions its task calls.
    from liuyan.notify.tasks import deliver_notifications  # tasks.py imports this module

    now = timezone.now()
    # savepoint=False: inside the caller's transaction this adds nothing; called on its own, the rows and
    # the task row still commit together.
    with transaction.atomic(savepoint=False):
        notifications = Notification.objects.bulk_create(
            [
                Notification(recipient=user, kind=kind, text=text, message=message, created_at=now)
                for user in active.values()
            ]
        )
        # Only what can go out by e-mail or SMS needs a worker; the rest is already delivered in the site.
        deliveries = NotificationDelivery.objects.bulk_create(
            [
                NotificationDelivery(notification=n, channel=channel, created_at=now)
                for n in notifications
                for channel in _channels(n.recipient, kind)
            ]
        )
        if deliveries:
            outgoing = list(dict.fromkeys(d.notification_id for d in deliveries))
            deliver_notifications.enqueue(notification_ids=outgoing)
    return notifications


def _channels(user: User, kind: str) -> list[str]:
    channels = [DeliveryChannel.EMAIL] if user.email else []
    if user.phone and kind in SMS_KINDS:
        channels.append(DeliveryChannel.SMS)
    return channels


def deliver_notification(notification_id: int) -> None:
    """Send the notification's pending deliveries (e-mail and, for `SMS_KINDS`, SMS), each at most once.

    Safe to run again after a worker died mid-batch, or in two workers at once: see `send_delivery`.
    A failed send is recorded and retried by its own task; it does not hold back the others.
    """
    pending = NotificationDelivery.objects.filter(
        notification_id=notification_id, delivered_at=None, abandoned_at=None
    )
    for delivery in pending.select_related("notification__recipient"):
        send_delivery(delivery)


def send_delivery(delivery: NotificationDelivery) -> bool:
    """One attempt at `delivery`; True once it is delivered.

    The attempt is claimed first, by stamping `sending_since` with a conditional UPDATE that commits
    before the send: a delivery already delivered, given up, waiting for its next try or claimed by
    another worker is left alone, so no e-mail or SMS goes out twice. A send that fails is released
    and scheduled again by the retry policy (notify/retries.py). A claim still standing after
    SENDING_TIMEOUT means the worker died during the send, and whether the receiver got it is unknown:
    that delivery is given up with a note for a person to check and re-send in the admin, rather than
    risk sending the same message twice. The receiver sees `delivery.key` on every attempt.
    """
    now = timezone.now()
    unsettled = NotificationDelivery.objects.filter(pk=delivery.pk, delivered_at=None, abandoned_at=None)
    interrupted = unsettled.filter(sending_since__lt=now - SENDING_TIMEOUT).update(
        sending_since=None, abandoned_at=now, last_error=INTERRUPTED
    )
    if interrupted:
        logger.warning("Delivery %s was interrupted mid-send; given up for a person to check.", delivery.pk)
        return False
    claimed = (
        unsettled.filter(sending_since=None)
        .filter(Q(next_attempt_at=None) | Q(next_attempt_at__lte=now))
        .update(sending_since=now, attempts=F("attempts") + 1, last_attempt_at=now)
    )
    if not claimed:
        return False
    try:
        _send(delivery)
    except Exception as error:
        _record_failure(delivery, now, error)
        return False
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        sending_since=None, delivered_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    return True


def _send(delivery: NotificationDelivery) -> None:
    notification = delivery.notification
    recipient = notification.recipient
    if not recipient.is_active:
        raise Undeliverable("接收人账号已停用")
    if delivery.channel == DeliveryChannel.EMAIL:
        if not recipient.email:
            raise Undeliverable("接收人已无邮箱地址")
        _email(notification, delivery.key)
    else:
        if not recipient.phone:
            raise Undeliverable("接收人已无手机号")
        get_sms_backend().send(recipient.phone, f"【{SITE_NAME}】{notification.text}", key=delivery.key)


class Undeliverable(Exception):
    """The recipient can no longer be reached by this channel: trying again would not help."""


def _record_failure(delivery: NotificationDelivery, attempted_at: datetime, error: Exception) -> None:
    """Release the claim and schedule the next attempt, or give up (the admin shows either)."""
    from liuyan.notify.tasks import retry_delivery  # tasks.py imports this module

    attempts = NotificationDelivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
    now = timezone.now()
    retry_at = None if isinstance(error, Undeliverable) else next_attempt_at(attempts, now)
    # The record and its retry task commit together: a delivery never waits for a task that is not there.
    with transaction.atomic():
        NotificationDelivery.objects.filter(pk=delivery.pk, sending_since=attempted_at).update(
            sending_since=None,
            last_error=str(error)[:300] or type(error).__name__,
            next_attempt_at=retry_at,
            abandoned_at=None if retry_at else now,
        )
        if retry_at:
            retry_delivery.using(run_after=retry_at).enqueue(delivery_id=delivery.pk)
    logger.warning(
        "Delivery %s (%s) failed on attempt %s: %r; %s",
        delivery.pk,
        delivery.channel,
        attempts,
        error,
        f"next attempt at {retry_at.isoformat()}" if retry_at else "given up",
    )


def _email(notification: Notification, key: str) -> None:
    # Collapsed whitespace: a line break in a subject is a header injection to Django (BadHeaderError).
    summary = normalise_text(notification.text)[:EMAIL_SUBJECT_LENGTH]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "liuyan.local"
    EmailMessage(
        subject=f"【{SITE_NAME}】{summary}",
        body=f"{notification.text}\n\n请登录{SITE_NAME}查看详情。",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        # The same Message-ID on every attempt lets mail systems recognise a repeat.
        headers={"Message-ID": f"<{key}@{domain}>"},
        connection=get_connection(timeout=settings.EMAIL_TIMEOUT or SEND_TIMEOUT_SECONDS),
    ).send()


def retry_deliveries(delivery_ids) -> int:
    """Send given-up deliveries again from the first attempt (the admin's re-send); returns how many."""
    from liuyan.notify.tasks import retry_delivery  # tasks.py imports this module

    with transaction.atomic():
        ids = list(
            NotificationDelivery.objects.filter(pk__in=delivery_ids, delivered_at=None)
            .exclude(abandoned_at=None)
            .values_list("pk", flat=True)
        )
        NotificationDelivery.objects.filter(pk__in=ids).update(
            abandoned_at=None, attempts=0, next_attempt_at=None, sending_since=None
        )
        for delivery_id in ids:
            retry_delivery.enqueue(delivery_id=delivery_id)
    return len(ids)


def mark_read(user: User, ids: list[int] | None) -> int:
    """Mark the user's unread notifications with these ids (all of them when `ids` is None) read.

    Ids of other users' notifications are ignored. Returns how many were marked.
    """
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
