"""Writes to notify: create notifications, deliver them by e-mail and SMS, mark them read."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from liuyan.notify.choices import NotificationKind
from liuyan.notify.models import Notification
from liuyan.notify.sms import get_sms_backend

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
    from liuyan.notify.tasks import deliver_notifications

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
        outgoing = [n.pk for n in notifications if _has_channel(n.recipient, kind)]
        if outgoing:
            deliver_notifications.enqueue(notification_ids=outgoing)
    return notifications


def _has_channel(user: User, kind: str) -> bool:
    return bool(user.email) or (bool(user.phone) and kind in SMS_KINDS)


def deliver_notification(notification_id: int) -> None:
    """Send the notification by e-mail and, for `SMS_KINDS`, by SMS, each at most once.

    Safe to run twice or in two workers at once: each channel is claimed by stamping `emailed_at` /
    `texted_at` with a conditional UPDATE before sending. A send that raises releases its stamp (so a
    retry sends it) and the exception propagates; an e-mail failure does not hold back the SMS.
    """
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        logger.info("Notification %s no longer exists; nothing to deliver.", notification_id)
        return
    recipient = notification.recipient
    if not recipient.is_active:
        logger.info("Notification %s is for inactive user %s; not delivered.", notification_id, recipient.pk)
        return

    try:
        if recipient.email and notification.emailed_at is None:
            _send_once(notification, "emailed_at", lambda: _email(notification))
    finally:
        if recipient.phone and notification.texted_at is None and notification.kind in SMS_KINDS:
            _send_once(
                notification,
                "texted_at",
                lambda: get_sms_backend().send(recipient.phone, f"【{SITE_NAME}】{notification.text}"),
            )


def _email(notification: Notification) -> None:
    # Collapsed whitespace: a line break in a subject is a header injection to Django (BadHeaderError).
    summary = " ".join(notification.text.split())[:EMAIL_SUBJECT_LENGTH]
    send_mail(
        subject=f"【{SITE_NAME}】{summary}",
        message=f"{notification.text}\n\n请登录{SITE_NAME}查看详情。",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notification.recipient.email],
    )


def _send_once(notification: Notification, stamp: str, send: Callable[[], None]) -> bool:
    """Claim the channel by stamping it where it is still unstamped, then send; False if already claimed.

    Claiming first means a crash between the claim and the send loses that one send rather than repeating
    it: a citizen is better served by one missing SMS than by the same SMS on every retry.
    """
    now = timezone.now()
    if not Notification.objects.filter(pk=notification.pk, **{stamp: None}).update(**{stamp: now}):
        return False
    try:
        send()
    except Exception:
        Notification.objects.filter(pk=notification.pk, **{stamp: now}).update(**{stamp: None})
        raise
    setattr(notification, stamp, now)
    return True


def mark_read(user: User, ids: list[int] | None) -> int:
    """Mark the user's unread notifications with these ids (all of them when `ids` is None) read.

    Ids of other users' notifications are ignored. Returns how many were marked.
    """
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
