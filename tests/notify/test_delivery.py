"""deliver_notification(): e-mail and SMS, each sent at most once; the SMS backend setting."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from liuyan.notify.actions import deliver_notification, notify
from liuyan.notify.choices import NotificationKind
from liuyan.notify.models import Notification
from liuyan.notify.sms import LogSmsBackend, SmsBackend, get_sms_backend
from liuyan.notify.tasks import deliver_notifications

pytestmark = pytest.mark.django_db


class RefusingSmsBackend(SmsBackend):
    """A gateway that refuses every SMS, as a real one does when its account runs out of credit."""

    def send(self, phone: str, text: str) -> None:
        raise ConnectionError("gateway refused the SMS")


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
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notification.texted_at is not None

    stamps = (notification.emailed_at, notification.texted_at)
    deliver_notification(notification.pk)

    assert len(mailoutbox) == 1
    assert len(sms_lines(sms_log)) == 1
    notification.refresh_from_db()
    assert (notification.emailed_at, notification.texted_at) == stamps


def test_kinds_outside_sms_kinds_are_only_emailed(citizen_in_touch, mailoutbox, sms_log):
    (notification,) = notify([citizen_in_touch], NotificationKind.RATED, "网友已评价您的回复")

    deliver_notification(notification.pk)

    assert len(mailoutbox) == 1
    assert sms_lines(sms_log) == []
    notification.refresh_from_db()
    assert notification.texted_at is None


def test_a_user_without_email_or_phone_gets_only_the_site_notice(citizen, mailoutbox, sms_log):
    (notification,) = notify([citizen], NotificationKind.REPLY_PUBLISHED, "您的留言已回复")

    deliver_notification(notification.pk)

    assert mailoutbox == []
    assert sms_lines(sms_log) == []
    notification.refresh_from_db()
    assert notification.emailed_at is None and notification.texted_at is None


def test_a_user_deactivated_after_notify_gets_nothing(citizen_in_touch, mailoutbox, sms_log):
    (notification,) = notify([citizen_in_touch], NotificationKind.REPLY_PUBLISHED, "您的留言已回复")
    citizen_in_touch.is_active = False
    citizen_in_touch.save()

    deliver_notification(notification.pk)

    assert mailoutbox == []
    assert sms_lines(sms_log) == []


def test_a_missing_notification_is_a_logged_no_op(caplog, mailoutbox):
    caplog.set_level(logging.INFO, logger="liuyan.notify.actions")

    deliver_notification(987654321)

    assert mailoutbox == []
    assert "Notification 987654321 no longer exists" in caplog.text


def test_a_refused_sms_is_released_for_a_retry_and_the_email_still_goes(
    citizen_in_touch, mailoutbox, sms_log, sms_backend
):
    sms_backend("tests.notify.test_delivery.RefusingSmsBackend")
    (notification,) = notify([citizen_in_touch], NotificationKind.ASSIGNED, "新交办留言")

    with pytest.raises(ConnectionError):
        deliver_notification(notification.pk)

    notification.refresh_from_db()
    assert len(mailoutbox) == 1 and notification.emailed_at is not None
    assert notification.texted_at is None

    sms_backend("liuyan.notify.sms.LogSmsBackend")
    deliver_notification(notification.pk)

    notification.refresh_from_db()
    assert notification.texted_at is not None
    assert len(mailoutbox) == 1
    assert sms_lines(sms_log) == ["SMS to 13800000001: 【留言板】新交办留言"]


def test_the_task_delivers_the_others_when_one_fails_and_then_fails(
    citizen_in_touch, handler, mailoutbox, sms_backend
):
    sms_backend("tests.notify.test_delivery.RefusingSmsBackend")
    handler.email = "handler@example.com"
    handler.save()
    refused, delivered = notify([citizen_in_touch, handler], NotificationKind.ASSIGNED, "新交办留言")

    with pytest.raises(RuntimeError, match=rf"\[{refused.pk}\]"):
        deliver_notifications.call(notification_ids=[refused.pk, delivered.pk])

    assert sorted(m.to[0] for m in mailoutbox) == ["citizen@example.com", "handler@example.com"]
    assert Notification.objects.get(pk=delivered.pk).emailed_at is not None
    assert Notification.objects.get(pk=refused.pk).texted_at is None


def test_the_default_sms_backend_is_the_log(sms_backend):
    assert isinstance(get_sms_backend(), LogSmsBackend)
    assert get_sms_backend() is get_sms_backend()


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("liuyan.notify.sms.NoSuchBackend", "cannot be imported"),
        ("not_a_module.Backend", "cannot be imported"),
        ("liuyan.notify.sms.get_sms_backend", "is not a subclass of SmsBackend"),
        ("logging.Logger", "is not a subclass of SmsBackend"),
    ],
)
def test_a_bad_sms_backend_setting_fails_loudly(sms_backend, path, error):
    sms_backend(path)
    with pytest.raises(ImproperlyConfigured, match=error):
        get_sms_backend()
