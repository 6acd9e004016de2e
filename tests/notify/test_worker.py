"""A real `liuyan db_worker` process delivers committed notifications from the task queue."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from liuyan.notify.actions import notify
from liuyan.notify.choices import NotificationKind

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """A DATABASE_URL for the test database this process is using."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        credentials = quote(db["USER"], safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"
    raise AssertionError(f"no DATABASE_URL for {db['ENGINE']}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_a_committed_notification(seeded_transactional_db, handler):
    handler.email = "handler@example.com"
    handler.phone = "13900000002"
    handler.save()
    # notify() outside any transaction commits its rows and the task row together.
    (notification,) = notify([handler], NotificationKind.ASSIGNED, "新交办留言：县城路灯不亮")
    task = DBTaskResult.objects.get(task_path="liuyan.notify.tasks.deliver_notifications")

    worker = subprocess.run(
        [sys.executable, "-m", "liuyan", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "LOG_LEVEL": "INFO",
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "SMS_BACKEND": "liuyan.core.sms.LogSmsBackend",
        },
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    output = worker.stdout + worker.stderr
    assert worker.returncode == 0, output
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL", task.traceback
    deliveries = notification.deliveries.all()
    assert sorted(d.channel for d in deliveries if d.delivered_at) == ["email", "sms"]
    assert "SMS to 13900000002: 【留言板】新交办留言：县城路灯不亮" in worker.stderr
    assert "To: handler@example.com" in worker.stdout
