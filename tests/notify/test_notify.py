"""notify(): rows for distinct active recipients, and one delivery task enqueued with them."""

import pytest
from django_tasks_db.models import DBTaskResult

from liuyan.notify.actions import notify
from liuyan.notify.choices import NotificationKind
from liuyan.notify.models import Notification, NotificationDelivery

pytestmark = pytest.mark.django_db

TASK_PATH = "liuyan.notify.tasks.deliver_notifications"


def test_creates_one_row_per_distinct_active_recipient_and_enqueues_one_task(citizen, handler, other_handler):
    other_handler.is_active = False
    other_handler.save()
    handler.email = "handler@example.com"
    handler.save()

    created = notify([handler, citizen, handler, other_handler], NotificationKind.ASSIGNED, "新交办留言")

    assert [n.recipient for n in created] == [handler, citizen]
    rows = Notification.objects.filter(kind="assigned", text="新交办留言")
    assert sorted(rows.values_list("recipient__username", flat=True)) == ["citizen", "handler"]
    assert all(n.read_at is None for n in rows)
    # One pending e-mail, for the only recipient with an address.
    (delivery,) = NotificationDelivery.objects.all()
    assert (delivery.notification, delivery.channel, delivery.delivered_at) == (created[0], "email", None)
    task = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert task.status == "READY"
    # The citizen has neither e-mail nor phone: their notice is only in the site, so no worker needs it.
    assert task.args_kwargs == {"args": [], "kwargs": {"notification_ids": [created[0].pk]}}


def test_enqueues_nothing_when_no_recipient_can_be_reached_outside_the_site(citizen):
    assert citizen.email == "" and not citizen.phone
    assert len(notify([citizen], NotificationKind.REPLY_PUBLISHED, "您的留言已回复")) == 1
    assert not DBTaskResult.objects.filter(task_path=TASK_PATH).exists()


def test_enqueues_nothing_without_active_recipients(citizen):
    citizen.is_active = False
    citizen.save()

    assert notify([], NotificationKind.REPLY_PUBLISHED, "您的留言已回复") == []
    assert notify([citizen], NotificationKind.REPLY_PUBLISHED, "您的留言已回复") == []

    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=TASK_PATH).exists()


def test_truncates_long_text_to_the_field(citizen):
    (notification,) = notify([citizen], NotificationKind.REPLY_PUBLISHED, "长" * 400)

    notification.refresh_from_db()
    assert len(notification.text) == Notification._meta.get_field("text").max_length
    assert notification.text.endswith("长…")


def test_rejects_a_kind_longer_than_the_field(citizen):
    with pytest.raises(ValueError, match="longer than 32"):
        notify([citizen], "k" * 33, "文本")
    assert not Notification.objects.exists()
