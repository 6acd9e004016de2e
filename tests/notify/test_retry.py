"""SMTP or the SMS gateway down: the delivery is recorded as failed with its next attempt (the webhooks'
retry policy), shown in the admin, and sent exactly once when the server is back; run_periodic puts back
tasks a dead worker left RUNNING."""

import socket
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from liuyan.notify import retries
from liuyan.notify.actions import notify
from liuyan.notify.choices import NotificationKind
from liuyan.notify.models import NotificationDelivery
from liuyan.notify.tasks import deliver_notifications, retry_delivery

pytestmark = pytest.mark.django_db

RETRY_TASK = "liuyan.notify.tasks.retry_delivery"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_down(settings):
    """Django's SMTP backend aimed at a loopback port where nothing listens: a real refused connection."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    return settings


@pytest.fixture
def reader(citizen):
    citizen.email = "citizen@example.com"
    citizen.save()
    return citizen


def due_now(delivery: NotificationDelivery) -> None:
    """Let the retry's wait pass: the delivery and its queued task become due."""
    past = timezone.now() - timedelta(seconds=1)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=past)
    DBTaskResult.objects.filter(task_path=RETRY_TASK, status="READY").update(run_after=past)


def test_smtp_down_records_the_failure_and_the_next_attempt_then_delivers_once(reader, smtp_down):
    (notification,) = notify([reader], NotificationKind.REPLY_PUBLISHED, "您的留言已回复")

    before = timezone.now()
    deliver_notifications.call(notification_ids=[notification.pk])

    delivery = NotificationDelivery.objects.get(notification=notification)
    assert delivery.delivered_at is None and delivery.abandoned_at is None
    assert delivery.attempts == 1 and delivery.sending_since is None
    assert "refused" in delivery.last_error.lower()
    wait = retries.RETRY_DELAYS[0]
    assert before + wait <= delivery.next_attempt_at <= timezone.now() + wait
    (retry,) = DBTaskResult.objects.filter(task_path=RETRY_TASK)
    assert retry.status == "READY" and retry.run_after == delivery.next_attempt_at
    assert retry.args_kwargs["kwargs"] == {"delivery_id": delivery.pk}

    # Too early: the retry's wait has not passed, so nothing is tried.
    retry_delivery.call(delivery_id=delivery.pk)
    assert NotificationDelivery.objects.get(pk=delivery.pk).attempts == 1

    smtp_down.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    due_now(delivery)
    retry_delivery.call(delivery_id=delivery.pk)
    retry_delivery.call(delivery_id=delivery.pk)
    deliver_notifications.call(notification_ids=[notification.pk])

    (sent,) = mail.outbox
    assert sent.to == ["citizen@example.com"]
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 2
    assert delivery.next_attempt_at is None and delivery.last_error == ""


def test_after_the_last_retry_it_is_given_up_and_the_admin_sends_it_again(
    reader, smtp_down, admin_user, client
):
    (notification,) = notify([reader], NotificationKind.REPLY_PUBLISHED, "您的留言已回复")
    deliver_notifications.call(notification_ids=[notification.pk])
    delivery = NotificationDelivery.objects.get(notification=notification)
    for _ in retries.RETRY_DELAYS:
        due_now(delivery)
        retry_delivery.call(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.attempts == len(retries.RETRY_DELAYS) + 1
    assert delivery.abandoned_at is not None and delivery.next_attempt_at is None

    client.force_login(admin_user)
    changelist = reverse("admin:notify_notificationdelivery_changelist")
    page = client.get(changelist).content.decode()
    assert "通知发送记录" in page and delivery.last_error[:20] in page

    smtp_down.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = client.post(changelist, {"action": "resend", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    queued = (
        DBTaskResult.objects.filter(task_path=RETRY_TASK, status="READY").order_by("-enqueued_at").first()
    )
    retry_delivery.call(**queued.args_kwargs["kwargs"])

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 1


def test_a_refused_sms_is_retried_like_an_email(settings, citizen):
    citizen.phone = "13800000001"
    citizen.save()
    settings.SMS_BACKEND = "tests.notify.test_delivery.RefusingSmsBackend"
    from liuyan.core.sms import get_sms_backend

    get_sms_backend.cache_clear()
    try:
        (notification,) = notify([citizen], NotificationKind.ASSIGNED, "新交办留言")
        deliver_notifications.call(notification_ids=[notification.pk])
    finally:
        get_sms_backend.cache_clear()

    delivery = NotificationDelivery.objects.get(notification=notification, channel="sms")
    assert delivery.last_error == "gateway refused the SMS" and delivery.next_attempt_at is not None
    assert DBTaskResult.objects.filter(task_path=RETRY_TASK, status="READY").count() == 1


def test_run_periodic_requeues_a_task_its_dead_worker_left_running(citizen):
    stalled, recent = (deliver_notifications.enqueue(notification_ids=[]) for _ in range(2))
    long_ago = timezone.now() - timedelta(hours=1)
    DBTaskResult.objects.filter(pk=stalled.id).update(status="RUNNING", started_at=long_ago)
    DBTaskResult.objects.filter(pk=recent.id).update(status="RUNNING", started_at=timezone.now())

    out = StringIO()
    call_command("run_periodic", "--enqueue", stdout=out)

    assert "requeue_stalled_tasks: 1" in out.getvalue()
    assert DBTaskResult.objects.get(pk=stalled.id).status == "READY"
    assert DBTaskResult.objects.get(pk=recent.id).status == "RUNNING"
