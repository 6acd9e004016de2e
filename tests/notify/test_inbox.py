"""mark_read(), inbox() and unread_count()."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.notify.actions import mark_read, notify
from liuyan.notify.choices import NotificationKind
from liuyan.notify.models import Notification
from liuyan.notify.selectors import inbox, unread_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_notices(citizen):
    """Three notices to the citizen, one hour apart, oldest first."""
    notices = [notify([citizen], NotificationKind.REPLY_PUBLISHED, f"通知{i}")[0] for i in range(3)]
    for hours_ago, notice in zip([3, 2, 1], notices, strict=True):
        Notification.objects.filter(pk=notice.pk).update(
            created_at=timezone.now() - timedelta(hours=hours_ago)
        )
    return notices


def test_inbox_is_newest_first_and_only_the_users(citizen, handler, three_notices):
    notify([handler], NotificationKind.ASSIGNED, "新交办留言")

    assert [n.text for n in inbox(citizen)] == ["通知2", "通知1", "通知0"]
    assert unread_count(citizen) == 3
    assert [n.text for n in inbox(handler)] == ["新交办留言"]


def test_mark_read_by_ids_ignores_others_notifications(citizen, handler, three_notices):
    (handlers,) = notify([handler], NotificationKind.ASSIGNED, "新交办留言")

    assert mark_read(citizen, [three_notices[0].pk, handlers.pk]) == 1

    assert [n.text for n in inbox(citizen, unread_only=True)] == ["通知2", "通知1"]
    assert unread_count(citizen) == 2
    assert unread_count(handler) == 1
    # Already read: marking again changes nothing and keeps the first read time.
    read_at = Notification.objects.get(pk=three_notices[0].pk).read_at
    assert read_at is not None
    assert mark_read(citizen, [three_notices[0].pk]) == 0
    assert Notification.objects.get(pk=three_notices[0].pk).read_at == read_at


def test_mark_read_all(citizen, handler, three_notices):
    notify([handler], NotificationKind.ASSIGNED, "新交办留言")
    mark_read(citizen, [three_notices[0].pk])

    assert mark_read(citizen, None) == 2

    assert unread_count(citizen) == 0
    assert list(inbox(citizen, unread_only=True)) == []
    assert len(inbox(citizen)) == 3
    assert unread_count(handler) == 1


def test_mark_read_with_no_ids_marks_nothing(citizen, three_notices):
    assert mark_read(citizen, []) == 0
    assert unread_count(citizen) == 3
