"""Reads of notify: a user's inbox."""

from django.db.models import QuerySet

from liuyan.accounts.models import User
from liuyan.notify.models import Notification


def inbox(user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, with their messages."""
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at=None)
    return notifications.select_related("message").order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()
