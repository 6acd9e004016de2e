"""A real `liuyan db_worker` killed with SIGKILL in the middle of a batch of deliveries: the task runs
again, and no SMS or e-mail goes out twice.

django-tasks-db leaves the killed worker's task RUNNING for good; `run_periodic`'s recovery step
(notify.recovery.requeue_stalled_tasks) puts it back in the queue, and a new worker finishes the batch,
skipping what was already sent. The one send that was under way when the worker died cannot be known to
have arrived or not: it is given up with a note for a person, never repeated.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import F
from django_tasks_db.models import DBTaskResult

from liuyan.accounts.models import User
from liuyan.core.sms import FileSmsBackend
from liuyan.notify.actions import INTERRUPTED, notify
from liuyan.notify.choices import NotificationKind
from liuyan.notify.models import NotificationDelivery
from liuyan.notify.recovery import STALLED_AFTER, requeue_stalled_tasks
from tests.notify.test_worker import PROJECT_ROOT, database_url

RECIPIENTS = 60
GATEWAY_SECONDS = 0.03


class SlowGateway(FileSmsBackend):
    """The outbox file, answering as slowly as a remote SMS gateway does: the worker is killed mid-batch."""

    def send(self, phone: str, text: str, key: str | None = None) -> None:
        time.sleep(GATEWAY_SECONDS)
        super().send(phone, text, key)


def start_worker(tmp_path, name: str) -> subprocess.Popen:
    output = (tmp_path / f"{name}.out").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "liuyan", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "SMS_BACKEND": f"{__name__}.SlowGateway",
            "SMS_FILE_PATH": str(tmp_path / "sms.jsonl"),
        },
        cwd=PROJECT_ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def sms_keys(tmp_path) -> list[str]:
    path = tmp_path / "sms.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["key"] for line in path.read_text().splitlines()]


def email_keys(tmp_path) -> list[str]:
    """Message-IDs of the e-mails the console backend wrote, in both workers' output."""
    text = "".join(path.read_text() for path in tmp_path.glob("*.out"))
    return re.findall(r"^Message-ID: <([^@>]+)@", text, flags=re.MULTILINE)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_batch_killed_mid_way_is_finished_without_sending_anything_twice(seeded_transactional_db, tmp_path):
    users = User.objects.bulk_create(
        User(username=f"reader{i:03d}", email=f"reader{i:03d}@example.com", phone=f"139{i:08d}")
        for i in range(RECIPIENTS)
    )
    notify(users, NotificationKind.ASSIGNED, "新交办留言：县城路灯不亮")
    (task,) = DBTaskResult.objects.filter(task_path="liuyan.notify.tasks.deliver_notifications")

    first = start_worker(tmp_path, "first")
    try:
        deadline = time.monotonic() + 60
        while len(sms_keys(tmp_path)) < RECIPIENTS // 4 and time.monotonic() < deadline:
            time.sleep(0.005)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(timeout=30)
    sent_before = len(sms_keys(tmp_path))
    assert RECIPIENTS // 4 <= sent_before < RECIPIENTS, "the worker was not killed mid-batch"

    # What django-tasks-db leaves behind: the task RUNNING, with no worker to finish it.
    task.refresh_from_db()
    assert task.status == "RUNNING"
    assert requeue_stalled_tasks() == 0  # not stalled yet: it might still be running somewhere
    # The next run of `run_periodic` after STALLED_AFTER; the claim of the interrupted send ages with it.
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=F("started_at") - STALLED_AFTER - timedelta(1))
    NotificationDelivery.objects.exclude(sending_since=None).update(
        sending_since=F("sending_since") - STALLED_AFTER - timedelta(1)
    )
    assert requeue_stalled_tasks() == 1

    second = start_worker(tmp_path, "second")
    assert second.wait(timeout=120) == 0, (tmp_path / "second.out").read_text()

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL", task.traceback
    texted, emailed = sms_keys(tmp_path), email_keys(tmp_path)
    assert [key for key, n in Counter(texted).items() if n > 1] == []
    assert [key for key, n in Counter(emailed).items() if n > 1] == []

    deliveries = NotificationDelivery.objects.select_related("notification")
    assert deliveries.count() == 2 * RECIPIENTS
    interrupted = [d for d in deliveries if d.abandoned_at]
    delivered = {d.key for d in deliveries if d.delivered_at}
    # At most the one send under way when the worker died; every other one delivered, and only those.
    assert len(interrupted) <= 1
    assert all(d.last_error == INTERRUPTED for d in interrupted)
    assert len(delivered) == 2 * RECIPIENTS - len(interrupted)
    assert delivered <= set(texted) | set(emailed)
    assert set(texted) | set(emailed) <= delivered | {d.key for d in interrupted}
