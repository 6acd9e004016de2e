"""A submission through the API: the message, its event and serial at once; its search tokens, similarity
index, `received` count and notification by a task (board.tasks.follow_up_submissions) that finishes the
submissions waiting for it."""

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from liuyan.board.actions import submission
from liuyan.board.actions.submission import next_serial
from liuyan.board.models import Message
from liuyan.board.tasks import follow_up_submissions
from liuyan.directory.models import Leader
from liuyan.intelligence.models import SimilaritySignature
from liuyan.notify.models import Notification
from liuyan.reports.counts import rebuild_counts
from liuyan.reports.models import DailyCount, UncountedSubmission
from tests.api_client import ApiClient, ok

pytestmark = pytest.mark.django_db

BODY = {
    "type": "complaint",
    "domain": "教育",
    "region_code": "530923",
    "title": "永德县某小学校舍漏雨",
    "body": "学校教室屋顶漏雨已经两个月，下雨天学生只能挤在走廊上课，请尽快安排维修。",
}


def submit(citizen) -> Message:
    leader = Leader.objects.get(code="530900-head")
    created = ok(ApiClient(citizen).post("/messages", {**BODY, "leader_id": leader.id}), 201)
    return Message.objects.get(pk=created["id"])


def received_today() -> int:
    row = DailyCount.objects.filter(dimension="national", key="", day=timezone.localdate()).first()
    return row.received if row else 0


def test_the_task_finishes_the_submission(citizen):
    message = submit(citizen)
    assert message.search_tokens == ""
    assert not SimilaritySignature.objects.filter(message=message).exists()
    assert not Notification.objects.filter(message=message).exists()
    assert UncountedSubmission.objects.filter(message=message).exists() and received_today() == 0

    assert follow_up_submissions.call() == 1
    message.refresh_from_db()
    assert "校舍" in message.search_tokens.split()
    assert SimilaritySignature.objects.filter(message=message).exists()
    notification = Notification.objects.get(message=message, recipient=citizen)
    assert notification.kind == "message_submitted" and message.serial in notification.text
    assert not UncountedSubmission.objects.exists() and received_today() == 1
    counted = {(r.dimension, r.key): r.received for r in DailyCount.objects.all()}
    rebuild_counts()
    assert {(r.dimension, r.key): r.received for r in DailyCount.objects.all()} == counted


def test_a_process_enqueues_the_task_once_for_a_burst(
    citizen, monkeypatch, django_capture_on_commit_callbacks
):
    submission._next_wake.clear()
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    with django_capture_on_commit_callbacks(execute=True):
        submit(citizen)
    submit(citizen)
    # Due a moment after the first submission: it finds the burst's others committed.
    job = DBTaskResult.objects.get(task_path="liuyan.board.tasks.follow_up_submissions")
    assert job.run_after == now + submission.FOLLOW_UP_DELAY
    monkeypatch.setattr(timezone, "now", lambda: now + submission.FOLLOW_UP_DELAY)
    with django_capture_on_commit_callbacks(execute=True):
        submit(citizen)
    assert DBTaskResult.objects.filter(task_path="liuyan.board.tasks.follow_up_submissions").count() == 2
    assert follow_up_submissions.call() == 3


def test_a_submission_is_finished_once(citizen):
    message = submit(citizen)
    assert follow_up_submissions.call() == 1
    assert follow_up_submissions.call() == 0
    assert submission.follow_up_submission(message.pk) is False
    assert Notification.objects.filter(message=message).count() == 1 and received_today() == 1


def test_search_finds_the_message_once_its_task_ran(citizen, editor):
    message = submit(citizen)
    ok(ApiClient(editor).act(message.pk, "publish"))
    assert ok(ApiClient().get("/messages", q="校舍"))["results"] == []

    follow_up_submissions.call()
    found = ok(ApiClient().get("/messages", q="校舍"))["results"]
    assert [m["id"] for m in found] == [message.pk]


@pytest.mark.django_db(transaction=True)
def test_serials_taken_outside_a_transaction_follow_each_other():
    """Outside a transaction (a request's), the day's number commits on its own, at once."""
    assert not connection.in_atomic_block
    now = timezone.now()
    first, second = next_serial(now), next_serial(now)
    assert first == f"LY{timezone.localdate(now):%Y%m%d}000001"
    assert second == f"LY{timezone.localdate(now):%Y%m%d}000002"
