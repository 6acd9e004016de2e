"""`liuyan setup_demo`: a consistent history in every state, written through the actions, once."""

import csv
import io
import itertools
import re
from collections import defaultdict
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from liuyan.accounts.choices import Role
from liuyan.accounts.models import User
from liuyan.board.choices import EventKind, ExtensionState, MessageState, ReplyState
from liuyan.board.models import (
    Campaign,
    Event,
    ExtensionRequest,
    FollowUp,
    Instruction,
    Message,
    Rating,
    Reply,
    SerialCounter,
)
from liuyan.board.selectors import is_due_soon, is_overdue
from liuyan.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, STAFF_ACCOUNTS
from liuyan.demo.history import HISTORY
from liuyan.intelligence import classifier
from liuyan.notify.models import Notification

# The demo is written once for the module (the `demo` fixture, the slowest set-up of the suite): under
# pytest-xdist (`--dist loadgroup`) one worker runs all of its tests.
pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.xdist_group("demo")]

MESSAGES = 300


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("setup_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, written once for this module's tests (each test still runs in its own savepoint), then
    rolled back. (A test that needs a database without the demo belongs in another module.)"""
    with django_db_blocker.unblock(), transaction.atomic():
        tasks_before = DBTaskResult.objects.count()
        output = run_demo("--messages", str(MESSAGES))
        yield output, tasks_before
        transaction.set_rollback(True)


def test_demo_writes_every_state_and_every_kind_of_case(demo):
    output, tasks_before = demo
    messages = Message.objects.all()
    assert messages.count() == MESSAGES
    states = set(messages.values_list("state", flat=True))
    assert states == set(MessageState.values)

    now = timezone.now()
    handled = list(messages.filter(state__in=["assigned", "in_progress", "reply_review"], merged_into=None))
    assert any(is_overdue(m, now) for m in handled)
    assert any(is_due_soon(m, now) for m in handled)  # urgent (24 h) ones can be due soon on any day
    assert any(not is_overdue(m, now) and not is_due_soon(m, now) for m in handled)
    assert messages.filter(hidden=True).exists()
    assert messages.filter(public=False).exists()
    assert messages.filter(anonymous=True).exists()
    assert messages.exclude(merged_into=None).exists()
    assert messages.filter(supervised=True).exists()
    assert messages.filter(urgent=True).exists()
    assert Instruction.objects.exists()
    assert Event.objects.filter(kind=EventKind.REMINDED).exists()
    assert Event.objects.filter(kind=EventKind.TRANSFERRED).exists()
    assert Event.objects.filter(kind=EventKind.RETURNED).exists()
    assert Event.objects.filter(kind=EventKind.CLOSED, actor=None).exists()  # closed when the window passed
    assert set(ExtensionRequest.objects.values_list("state", flat=True)) == set(ExtensionState.values)
    # A joint reply answers several messages in their own right (merged duplicates join their reply too).
    replies = Reply.objects.annotate(answered=Count("messages", filter=Q(messages__merged_into=None)))
    assert replies.filter(answered__gt=2, state=ReplyState.PUBLISHED).exists()
    assert Reply.objects.filter(state=ReplyState.SENT_BACK).exists()
    ratings = list(Rating.objects.all())
    assert any(r.average >= 3 for r in ratings) and any(r.average < 3 for r in ratings)
    assert FollowUp.objects.filter(reopened=True).exists()
    assert FollowUp.objects.filter(reopened=False).exists()
    assert {c.state for c in Campaign.objects.all()} == {"open", "closed"}
    assert Campaign.objects.filter(urgent_hours=24, regions__code="530000").exists()
    assert messages.filter(campaign__isnull=False).count() >= 10
    # Masked on public pages: some bodies carry a phone or ID number.
    assert messages.filter(body__regex=r"1[3-9]\d{9}").exists()

    # The demo's delivery tasks were never enqueued for a worker.
    assert DBTaskResult.objects.count() == tasks_before
    assert "演示数据已生成" in output and "Liuyan-demo-2026" in output


def test_demo_history_is_consistent(demo):
    now = timezone.now()
    events = defaultdict(list)
    for event in Event.objects.order_by("created_at", "id"):
        events[event.message_id].append(event)
    for message in Message.objects.all():
        timeline = events[message.pk]
        assert [e.id for e in timeline] == sorted(e.id for e in timeline), message.serial
        changes = [e for e in timeline if e.to_state]
        assert changes[0].kind == EventKind.SUBMITTED and changes[0].from_state == ""
        for before, after in itertools.pairwise(changes):
            assert after.from_state == before.to_state, message.serial
        assert changes[-1].to_state == message.state, message.serial
        assert now - HISTORY - timedelta(days=1) <= timeline[0].created_at <= timeline[-1].created_at <= now

        stamps = [message.created_at, message.published_at, message.assigned_at, message.replied_at]
        present = [s for s in stamps if s]
        assert present == sorted(present), message.serial
        assert abs(message.created_at - timeline[0].created_at) < timedelta(seconds=1)
        assert message.serial[2:10] == f"{timezone.localtime(message.created_at):%Y%m%d}"
        if message.assigned_at:
            # (A transfer restarts only the accept deadline, so it may end after the reply deadline.)
            assert message.accept_deadline > message.assigned_at
            assert message.reply_deadline > message.assigned_at
        if message.state in (MessageState.REPLIED, MessageState.CLOSED):
            assert message.replies.filter(state=ReplyState.PUBLISHED).exists(), message.serial
            assert message.replied_at
        if message.state == MessageState.CLOSED:
            assert message.closed_at >= message.replied_at
        if message.state == MessageState.REPLIED:  # still within the rating window
            assert now - message.replied_at < timedelta(days=7)

    for campaign in Campaign.objects.all():  # submitted while the campaign took messages
        for message in campaign.messages.all():
            assert campaign.opens_at <= message.created_at < campaign.closes_at, message.serial
            assert message.urgent == bool(campaign.urgent_hours)
    for rating in Rating.objects.select_related("reply"):
        assert rating.created_at > rating.reply.reviewed_at
    for extension in ExtensionRequest.objects.exclude(decided_at=None):
        assert extension.decided_at > extension.created_at
    assert not Notification.objects.filter(created_at__gt=now).exists()
    serials = Message.objects.values_list("serial", flat=True)
    assert len(set(serials)) == len(serials)
    by_day = defaultdict(int)
    for serial in serials:
        by_day[serial[2:10]] += 1
    for counter in SerialCounter.objects.all():
        assert counter.last == by_day[f"{counter.day:%Y%m%d}"]


def test_demo_accounts_can_sign_in_with_their_roles(demo):
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.check_password(DEMO_PASSWORD)
        membership = user.memberships.get()
        assert membership.role == account.role
        assert (membership.unit.code if membership.unit else None) == account.unit
        assert membership.region_id == account.region
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert User.objects.filter(memberships__role=Role.CITIZEN).exclude(phone=None).exists()
    assert User.objects.filter(memberships__role=Role.CITIZEN).exclude(nickname="").exists()
    # The demo handlers and desks have work waiting in their queues.
    for username in ("desk-lincang", "edu-lincang", "housing-lincang", "edu-yongde"):
        user = User.objects.get(username=username)
        unit = user.memberships.get().unit
        held = Message.objects.filter(unit=unit) if unit.kind != "desk" else Message.objects.filter(desk=unit)
        assert held.filter(state__in=["published", "assigned", "in_progress"]).exists(), username


def test_demo_staff_sign_in_with_the_code_totp_code_prints(demo):
    staff = {account.username for account in STAFF_ACCOUNTS}
    bound = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
    assert staff <= bound
    assert not bound & {a.username for a in DEMO_ACCOUNTS if a.role == Role.CITIZEN}
    assert "totp_code" in demo[0]

    code = io.StringIO()
    call_command("totp_code", "--username", "editor", stdout=code)
    client = Client()
    client.post("/accounts/login/", {"username": "editor", "password": DEMO_PASSWORD})
    assert client.post("/accounts/two-factor/", {"code": code.getvalue().strip()}).status_code == 302
    assert client.get("/workbench/").status_code == 200


def test_second_run_changes_nothing(demo):
    models = (Message, Event, User, Notification, Reply, Campaign)
    counts = [model.objects.count() for model in models]
    latest = Event.objects.order_by("-id").values_list("id", flat=True).first()
    output = run_demo()
    assert "已有留言" in output
    assert [model.objects.count() for model in models] == counts
    assert Event.objects.order_by("-id").values_list("id", flat=True).first() == latest


def test_a_second_run_trains_again_a_model_this_version_cannot_read(demo, settings):
    run_demo()
    assert classifier.load_classifier("domain") is not None
    meta_path = settings.LIUYAN_MODEL_DIR / f"{classifier.current_version('domain')}.json"
    meta = meta_path.read_text(encoding="utf-8")
    meta_path.write_text(meta.replace(f'"format": {classifier.FORMAT}', '"format": 2'))
    classifier.forget_loaded_classifiers()
    assert classifier.load_classifier("domain") is None
    type_version = classifier.current_version("type")

    run_demo()
    classifier.forget_loaded_classifiers()
    assert classifier.load_classifier("domain") is not None
    assert classifier.current_version("type") == type_version  # a readable model is left alone


def test_demo_texts_are_our_own(demo, shared_data):
    """No title or passage of the real message data set appears in the demo."""
    titles, passages = set(), set()
    for name in ("hot_messages.csv", "replied_messages.csv", "unlabeled_messages.csv"):
        with (shared_data / "taidi2020" / name).open(encoding="utf-8") as file:
            for row in csv.DictReader(file):
                titles.add(re.sub(r"\s+", "", row["留言主题"]))
                body = re.sub(r"\s+", "", row["留言详情"])
                if len(body) >= 40:
                    passages.add(body[10:30])
    written = list(Message.objects.values_list("title", "body"))
    written += [("", body) for body in Reply.objects.values_list("body", flat=True)]
    windows = set()
    for title, body in written:
        assert re.sub(r"\s+", "", title) not in titles
        text = re.sub(r"\s+", "", body)
        windows.update(text[i : i + 20] for i in range(len(text) - 19))
    assert not passages & windows
