"""Webhooks: every event of a message (Event row) is POSTed as JSON to the webhooks that want it.

An event matches a webhook when the webhook is active, its kinds are empty or include the event's kind,
its region is empty or contains the message's region, and its unit is empty or is the event's or the
message's unit. Matching happens inside the transaction that writes the event: the delivery rows and one
task row commit (or roll back) with it, so a webhook hears of exactly what happened. The task POSTs each
delivery; a failure is retried by the retry policy (notify/retries.py), then given up (the admin shows
every attempt). A receiver uses X-Liuyan-Delivery as its idempotency key: an attempt whose worker died
before recording the answer is POSTed again with the same id.

The body is thin — what happened, to which message, when — never the message's text or the citizen's
details: a receiver reads those through the API with its own account, where scope and masking apply.

    POST <url>
    Content-Type: application/json; charset=utf-8
    X-Liuyan-Event: assigned
    X-Liuyan-Delivery: 42
    X-Liuyan-Signature: sha256=<hex HMAC-SHA256 of the body with the webhook's secret>

    {"delivery": 42, "event": {"id", "kind", "label", "at", "from_state", "to_state", "unit", "by_system"},
     "message": {"id", "serial", "state", "region", "unit", "public", "path", "api"}}

Which webhooks are active is read once per process and again after RECHECK_SECONDS (or at once in the
process that saves one), so that the many events written without any webhook cost no query.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from liuyan.board.choices import PUBLIC_STATES
from liuyan.core.times import iso_time
from liuyan.notify.models import Webhook, WebhookDelivery
from liuyan.notify.retries import next_attempt_at

if TYPE_CHECKING:
    from liuyan.board.models import Event

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 30
TIMEOUT_SECONDS = 10
USER_AGENT = "Liuyan-Webhook/1"


@dataclass(frozen=True)
class _Filter:
    id: int
    kinds: frozenset[str]
    region_path: str | None
    unit_id: int | None


_lock = threading.Lock()
_active: tuple[float, list[_Filter]] | None = None


def _active_webhooks() -> list[_Filter]:
    global _active
    with _lock:
        if _active is None or time.monotonic() - _active[0] > RECHECK_SECONDS:
            rows = Webhook.objects.filter(active=True).select_related("region")
            _active = (
                time.monotonic(),
                [
                    _Filter(w.pk, frozenset(w.kinds or ()), w.region.path if w.region_id else None, w.unit_id)
                    for w in rows
                ],
            )
        return _active[1]


@receiver([post_save, post_delete], sender=Webhook)
def forget_active_webhooks(**kwargs) -> None:
    global _active
    with _lock:
        _active = None


def _matches(webhook: _Filter, event: Event) -> bool:
    message = event.message
    if webhook.kinds and event.kind not in webhook.kinds:
        return False
    if webhook.unit_id is not None and webhook.unit_id not in (event.unit_id, message.unit_id):
        return False
    return webhook.region_path is None or (
        message.region is not None and message.region.path.startswith(webhook.region_path)
    )


def enqueue_for_event(event: Event) -> list[WebhookDelivery]:
    """Create the deliveries of `event` and enqueue their sending (call within the event's transaction)."""
    wanted = [webhook for webhook in _active_webhooks() if _matches(webhook, event)]
    if not wanted:
        return []
    from liuyan.notify.tasks import deliver_webhook  # tasks.py imports this module

    with transaction.atomic(savepoint=False):
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(webhook_id=webhook.id, event=event) for webhook in wanted]
        )
        for delivery in deliveries:
            deliver_webhook.enqueue(delivery_id=delivery.pk)
    return deliveries


def payload(delivery: WebhookDelivery) -> dict:
    event, message = delivery.event, delivery.event.message
    return {
        "delivery": delivery.pk,
        "event": {
            "id": event.pk,
            "kind": event.kind,
            "label": event.get_kind_display(),
            "at": iso_time(event.created_at),
            "from_state": event.from_state or None,
            "to_state": event.to_state or None,
            "unit": {"id": event.unit_id, "name": event.unit.name} if event.unit_id else None,
            "by_system": event.actor_id is None,
        },
        "message": {
            "id": message.pk,
            "serial": message.serial,
            "state": message.state,
            "region": message.region_id,
            "unit": message.unit_id,
            # Whether the public can read it now: published, public, not hidden.
            "public": message.public and not message.hidden and message.state in PUBLIC_STATES,
            "path": reverse("web:message-detail", args=[message.pk]),
            "api": f"/api/v1/messages/{message.pk}",
        },
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(delivery_id: int) -> bool:
    """Make one attempt at `delivery_id`; True once it is delivered. A failed attempt is recorded and the
    next one enqueued after its delay, until the retry policy gives up."""
    delivery = (
        WebhookDelivery.objects.select_related("webhook", "event__message", "event__unit")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.delivered_at or delivery.abandoned_at:
        return delivery is not None and delivery.delivered_at is not None
    webhook = delivery.webhook
    body = json.dumps(payload(delivery), ensure_ascii=False).encode()
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Liuyan-Event": delivery.event.kind,
            "X-Liuyan-Delivery": str(delivery.pk),
            "X-Liuyan-Signature": signature(webhook.secret, body),
        },
    )
    status, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as failure:
        status, error = failure.code, f"HTTP {failure.code}"
    except (urllib.error.URLError, OSError, ValueError) as failure:
        error = str(getattr(failure, "reason", failure))[:300] or type(failure).__name__
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status, delivery.last_error = now, status, error
    ok = status is not None and 200 <= status < 300
    if ok:
        delivery.delivered_at = now
    elif (retry_at := next_attempt_at(delivery.attempts, now)) is None or not webhook.active:
        delivery.abandoned_at = now
        logger.warning("Webhook %s gave up on delivery %s: %s", webhook.pk, delivery.pk, error)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status",
            "last_error",
            "delivered_at",
            "abandoned_at",
        ]
    )
    if not ok and delivery.abandoned_at is None:
        from liuyan.notify.tasks import deliver_webhook  # tasks.py imports this module

        deliver_webhook.using(run_after=retry_at).enqueue(delivery_id=delivery.pk)
    return ok


def retry_abandoned(delivery_ids) -> int:
    """Send given-up deliveries again from the first attempt; returns how many were requeued."""
    from liuyan.notify.tasks import deliver_webhook  # tasks.py imports this module

    with transaction.atomic():
        abandoned = WebhookDelivery.objects.filter(pk__in=delivery_ids, delivered_at=None).exclude(
            abandoned_at=None
        )
        ids = list(abandoned.values_list("pk", flat=True))
        WebhookDelivery.objects.filter(pk__in=ids).update(abandoned_at=None, attempts=0)
        for delivery_id in ids:
            deliver_webhook.enqueue(delivery_id=delivery_id)
    return len(ids)
