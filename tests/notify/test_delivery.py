"""deliver_notification(): e-mail and SMS, each sent at most once; the SMS backend setting."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from liuyan.core.sms import LogSmsBackend, SmsBackend, get_sms_backend
from liuyan.notify.actions import deliver_notification, notify
from liuyan.notify.choices import NotificationKind
from liuyan.notify.models import Notification, NotificationDelivery
from liuyan.notify.tasks import deliver_notifications

pytestmark = pytest.mark.django_db


class RefusingSmsBackend(SmsBackend):
    """A gateway that refuses every SMS, as a real one does when its account runs out of credit."""

    def send(self, phone: str, text: str, key: str | None = None) -> None:
        raise ConnectionError("gateway refused the SMS")


def sent_at(notification: Notification, channel: str):
    """When the notification went out by `channel`, or None."""
    delivery = NotificationDelivery.objects.filter(notification=notification, channel=channel).first()
    return delivery and delivery.delivered_at


@pytest.fixture
def sms_log(caplog):
    caplog.set_level(logging.INFO, logger="liuyan.sms")
    return caplog


@pytest.fixture
def sms_backend(settings):
    """Set settings.SMS_BACKEND through this fixture's `use`, so the cached backend follows it."""

    def use(path: str) -> None:
        settings.SMS_BACKEND = path
        get_sms_backend.cache_clear()

    yield use
    get_sms_backend.cache_clear()


def sms_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "liuyan.sms"]


@pytest.fixture
def citizen_in_touch(citizen):
    citizen.email = "citizen@example.com"
    citizen.phone = "13800000001"
    citizen.save()
    return citizen


def test_sends_email_and_sms_once(citizen_in_touch, mailoutbox, sms_log):
    text = "您的留言“县城路灯不亮”已由临沧市住房和城乡建设局回复，\n请查看。"
    (notification,) = notify([citizen_in_touch], NotificationKind.REPLY_PUBLISHED, text)

    deliver_notification(notification.pk)

    (mail,) = mailoutbox
    assert mail.to == ["citizen@example.com"]
    assert mail.from_email == "留言板 <noreply@liuyan.local>"
    assert mail.subject == "【留言板】" + " ".join(text.split())[:30]
    assert text in mail.body
    assert sms_lines(sms_log) == [f"SMS to 13800000001: 【留言板】{text}"]
    assert mail.extra_headers["Message-ID"] == f"<liuyan-notification-{notification.pk}-email@liuyan.local>"
    stamps = (sent_at(notification, "email"), sent_at(notification, "sms"))
    assert None not in stamps

    deliver_notification(notification.pk)

    assert len(mailoutbox) == 1
    assert len(sms_lines(sms_log)) == 1
    assert (sent_at(notification, "email"), sent_at(notification, "sms")) == stamps


def test_kinds_outside_sms_kinds_are_only_emailed(citizen_in_touch, mailoutbox, sms_log):
    (notification,) = notify([citizen_in_touch], NotificationKind.RATED, "网友已评价您的回复")

    deliver_notification(notification.pk)

    assert len(mailoutbox) == 1
    assert sms_lines(sms_log) == []
    assert not NotificationDelivery.objects.filter(notification=notification, channel="sms").exists()


def test_a_user_without_email_or_phone_gets_only_the_site_notice(citizen, mailoutbox, sms_log):
    (notification,) = notify([citizen], NotificationKind.REPLY_PUBLISHED, "您的留言已回复")

    deliver_notification(notification.pk)

    assert mailoutbox == []
    assert sms_lines(sms_log) == []
    assert not NotificationDelivery.objects.filter(notification=notification).exists()


def test_a_user_deactivated_after_notify_gets_nothing(citizen_in_touch, mailoutbox, sms_log):
    (notification,) = notify([citizen_in_touch], NotificationKind.REPLY_PUBLISHED, "您的留言已回复")
    citizen_in_touch.is_active = False
    citizen_in_touch.save()

    deliver_notification(notification.pk)

    assert mailoutbox == []
    assert sms_lines(sms_log) == []
    # Given up at once, with the reason: retrying would not reach a deactivated account either.
    deliveries = NotificationDelivery.objects.filter(notification=notification)
    assert {(d.channel, d.last_error, d.next_attempt_at) for d in deliveries} == {
        ("email", "接收人账号已停用", None),
        ("sms", "接收人账号已停用", None),
    }
    assert all(d.abandoned_at is not None for d in deliveries)


def test_a_missing_notification_is_a_no_op(mailoutbox):
    deliver_notification(987654321)

    assert mailoutbox == []


def test_a_refused_sms_waits_for_its_retry_and_the_others_still_go(
    citizen_in_touch, handler, mailoutbox, sms_log, sms_backend
):
    sms_backend("tests.notify.test_delivery.RefusingSmsBackend")
    handler.email = "handler@example.com"
    handler.save()
    refused, delivered = notify([citizen_in_touch, handler], NotificationKind.ASSIGNED, "新交办留言")

    # The batch task succeeds: the refusal is recorded on its delivery, which has a task of its own.
    deliver_notifications.call(notification_ids=[refused.pk, delivered.pk])

    assert sorted(m.to[0] for m in mailoutbox) == ["citizen@example.com", "handler@example.com"]
    assert sent_at(delivered, "email") is not None
    sms = NotificationDelivery.objects.get(notification=refused, channel="sms")
    assert sms.delivered_at is None and sms.abandoned_at is None
    assert sms.attempts == 1 and sms.last_error == "gateway refused the SMS"
    assert sms.next_attempt_at is not None

    # Running the batch again sends nothing: the e-mails went, the SMS waits for its next try.
    deliver_notifications.call(notification_ids=[refused.pk, delivered.pk])
    assert len(mailoutbox) == 2
    assert NotificationDelivery.objects.get(pk=sms.pk).attempts == 1
    assert sms_lines(sms_log) == []


def test_the_default_sms_backend_is_the_log(sms_backend):
    assert isinstance(get_sms_backend(), LogSmsBackend)
    assert get_sms_backend() is get_sms_backend()


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("liuyan.core.sms.NoSuchBackend", "cannot be imported"),
        ("not_a_module.Backend", "cannot be imported"),
        ("liuyan.core.sms.get_sms_backend", "is not a subclass of SmsBackend"),
        ("logging.Logger", "is not a subclass of SmsBackend"),
    ],
)
def test_a_bad_sms_backend_setting_fails_loudly(sms_backend, path, error):
    sms_backend(path)
    with pytest.raises(ImproperlyConfigured, match=error):
        get_sms_backend()
