"""Background work of notify: delivering notifications by e-mail and SMS, and webhook POSTs."""

import logging

from django_tasks import task

from liuyan.notify import webhooks
from liuyan.notify.actions import deliver_notification, send_delivery
from liuyan.notify.models import NotificationDelivery

logger = logging.getLogger(__name__)


@task()
def deliver_notifications(notification_ids: list[int]) -> None:
    """Deliver each notification. Safe to run again (a worker that died mid-batch): what was already sent
    is skipped; a failed send is recorded and retried by `retry_delivery`, not by failing this task."""
    for notification_id in notification_ids:
        deliver_notification(notification_id)


@task()
def retry_delivery(delivery_id: int) -> None:
    """The next attempt at one e-mail or SMS delivery, enqueued by the retry policy or the admin."""
    delivery = NotificationDelivery.objects.select_related("notification__recipient").filter(pk=delivery_id)
    if delivery := delivery.first():
        send_delivery(delivery)


@task()
def deliver_webhook(delivery_id: int) -> None:
    """One attempt at a webhook delivery; a failure enqueues the next attempt itself."""
    webhooks.deliver(delivery_id)
