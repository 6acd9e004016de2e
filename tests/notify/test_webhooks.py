"""Webhooks: the events a webhook wants are POSTed, signed, to a real HTTP server; failures are retried
and then given up; nothing is sent for a change that rolls back."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from liuyan.board.actions import dispatch
from liuyan.board.choices import EventKind, MessageState
from liuyan.directory.models import Region
from liuyan.notify import retries, webhooks
from liuyan.notify.models import Webhook, WebhookDelivery
from tests.conftest import unit
from tests.factories import make_message

pytestmark = pytest.mark.django_db

TASK = "liuyan.notify.tasks.deliver_webhook"


class Receiver:
    """A real HTTP server on a free loopback port that records each POST and answers `statuses` in turn
    (200 once they run out)."""

    def __init__(self):
        self.received: list[dict] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def fresh_webhook_cache():
    # A rolled-back test's webhooks vanish without a delete signal: forget them between tests.
    webhooks.forget_active_webhooks()
    yield
    webhooks.forget_active_webhooks()


def deliver_all() -> list[bool]:
    pending = WebhookDelivery.objects.filter(delivered_at=None, abandoned_at=None).order_by("pk")
    return [webhooks.deliver(pk) for pk in pending.values_list("pk", flat=True)]


def test_a_webhook_hears_the_kinds_it_wants_in_its_region_signed(receiver, citizen, admin_user):
    hook = Webhook.objects.create(
        name="临沧市数据平台",
        url=receiver.url,
        kinds=[EventKind.SUBMITTED, EventKind.PUBLISHED],
        region=Region.objects.get(pk="530900"),
    )
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)  # 永德县, in 临沧市
    make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False)  # 北京: not this webhook's
    deliveries = WebhookDelivery.objects.filter(webhook=hook).order_by("pk")
    assert [d.event.kind for d in deliveries] == [EventKind.SUBMITTED, EventKind.PUBLISHED]
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 2

    assert deliver_all() == [True, True]
    assert [r["headers"]["X-Liuyan-Event"] for r in receiver.received] == ["submitted", "published"]
    first = receiver.received[0]
    expected = "sha256=" + hmac.new(hook.secret.encode(), first["body"], hashlib.sha256).hexdigest()
    assert first["headers"]["X-Liuyan-Signature"] == expected
    assert first["headers"]["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(first["body"])
    assert body["delivery"] == deliveries[0].pk
    assert body["event"]["kind"] == "submitted" and body["event"]["label"] == "提交留言"
    assert body["message"] == {
        "id": message.pk,
        "serial": message.serial,
        "state": MessageState.ASSIGNED,
        "region": "530923",
        "unit": message.unit_id,
        "public": True,
        "path": f"/messages/{message.pk}/",
        "api": f"/api/v1/messages/{message.pk}",
    }
    # The body never carries the message's text or its author.
    assert message.title.encode() not in first["body"] and citizen.username.encode() not in first["body"]
    assert json.loads(first["body"])["event"]["to_state"] == MessageState.PENDING_REVIEW
    assert all(d.delivered_at and d.attempts == 1 and d.last_status == 200 for d in deliveries.all())
    # Delivered once: another attempt sends nothing more.
    assert webhooks.deliver(deliveries[0].pk) is True and len(receiver.received) == 2


def test_a_units_webhook_hears_only_the_messages_it_handles(receiver, citizen, admin_user):
    hook = Webhook.objects.create(
        name="临沧市教育局办件系统",
        url=receiver.url,
        kinds=[EventKind.ASSIGNED],
        unit=unit("530900-education"),
    )
    mine = make_message(citizen, admin_user, MessageState.ASSIGNED)  # assigned to 530900-education
    other = make_message(citizen, admin_user, MessageState.PUBLISHED)
    dispatch.assign_message(admin_user, other.pk, unit("530900-housing").pk)
    (delivery,) = WebhookDelivery.objects.filter(webhook=hook)
    assert delivery.event.message_id == mine.pk


def test_a_failing_receiver_is_retried_later_then_given_up(client, receiver, citizen, admin_user):
    Webhook.objects.create(name="测试", url=receiver.url, kinds=[EventKind.SUBMITTED])
    make_message(citizen, admin_user)
    (delivery,) = WebhookDelivery.objects.all()
    receiver.statuses = [500] * (len(retries.RETRY_DELAYS) + 1)
    started = timezone.now()
    assert webhooks.deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (1, 500, "HTTP 500")
    assert delivery.delivered_at is None and delivery.abandoned_at is None
    retry = DBTaskResult.objects.filter(task_path=TASK).order_by("-enqueued_at").first()
    assert retry.args_kwargs["kwargs"] == {"delivery_id": delivery.pk}
    assert started + timedelta(seconds=50) < retry.run_after < timezone.now() + timedelta(seconds=70)
    for _ in retries.RETRY_DELAYS:
        assert webhooks.deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.attempts == len(retries.RETRY_DELAYS) + 1 and delivery.abandoned_at is not None
    assert len(receiver.received) == delivery.attempts
    assert webhooks.deliver(delivery.pk) is False and len(receiver.received) == delivery.attempts

    # An operator sends it again from the admin: a fresh start, and this time the receiver answers 200.
    client.force_login(admin_user)
    response = client.post(
        "/admin/notify/webhookdelivery/",
        {"action": "retry", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.abandoned_at is None and delivery.attempts == 0
    assert webhooks.deliver(delivery.pk) is True


def test_an_unreachable_receiver_is_recorded(citizen, admin_user):
    closed = Receiver()
    url = closed.url
    closed.close()  # nothing listens on that port any more
    Webhook.objects.create(name="已停用的系统", url=url)
    make_message(citizen, admin_user)
    (delivery,) = WebhookDelivery.objects.all()
    assert webhooks.deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_status is None and delivery.last_error


def test_nothing_is_sent_for_a_change_that_rolls_back_or_to_an_inactive_webhook(
    receiver, citizen, admin_user
):
    Webhook.objects.create(name="停用", url=receiver.url, active=False)
    make_message(citizen, admin_user)
    assert not WebhookDelivery.objects.exists()
    Webhook.objects.create(name="启用", url=receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_message(citizen, admin_user)
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the change fails after its event")
    assert not WebhookDelivery.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


def test_admins_add_a_webhook_with_chosen_kinds(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/notify/webhook/add/").status_code == 200
    response = client.post(
        "/admin/notify/webhook/add/",
        {
            "name": "市大数据局",
            "url": "https://data.example.gov.cn/liuyan",
            "secret": "s3cret",
            "kinds": ["assigned", "reply_approved"],
            "region": "530900",
            "active": "on",
        },
    )
    assert response.status_code == 302
    hook = Webhook.objects.get(name="市大数据局")
    assert hook.kinds == ["assigned", "reply_approved"] and hook.region_id == "530900"
    assert client.get("/admin/notify/webhookdelivery/").status_code == 200
