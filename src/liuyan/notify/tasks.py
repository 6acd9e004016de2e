"""Background work of notify: delivering notifications by e-mail and SMS, and webhook POSTs."""

import logging

from django_tasks import task

from liuyan.notify import webhooks
from liuyan.notify.actions import deliver_notification

logger = logging.getLogger(__name__)


@task()
def deliver_notifications(notification_ids: list[int]) -> None:
    """Deliver each notification; one failure does not hold back the others, but fails the task."""
    failed = []
    for notification_id in notification_ids:
        try:
            deliver_notification(notification_id)
        except Exception:
            logger.exception("Delivering notification %s failed.", notification_id)
            failed.append(notification_id)
    if failed:
        # Delivery is idempotent, so enqueueing these ids again sends only what is still missing.
        raise RuntimeError(f"Delivering notifications {failed} failed.")


@task()
def deliver_webhook(delivery_id: int) -> None:
    """One attempt at a webhook delivery; a failure enqueues the next attempt itself."""
    webhooks.deliver(delivery_id)
