"""The periodic checks: deadline warnings, automatic supervision of overdue messages, closing replied
messages whose rating window passed. Each is safe to run twice."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from liuyan.board.actions.oversight import close_unrated, supervise_overdue, warn_due_soon
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from liuyan.directory.calendar import working_days_between
from liuyan.notify.models import Notification
from tests.factories import make_message

pytestmark = pytest.mark.django_db


def test_due_soon_warning_once_per_deadline(citizen, admin_user, handler):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    now = message.reply_deadline - timedelta(hours=3)

    assert warn_due_soon(now) == 1
    assert warn_due_soon(now) == 0  # idempotent
    assert Event.objects.filter(message=message, kind=EventKind.DEADLINE_WARNING, actor=None).count() == 1
    assert Notification.objects.filter(recipient=handler, kind="deadline_warning", message=message).exists()
    # An approved extension moves the deadline: the new one is warned about again when it nears.
    Message.objects.filter(pk=message.pk).update(reply_deadline=message.reply_deadline + timedelta(days=5))
    assert warn_due_soon(now + timedelta(days=5)) == 1


def test_accept_deadline_is_warned_while_assigned(citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    assert warn_due_soon(message.accept_deadline - timedelta(hours=1)) == 1
    assert warn_due_soon(message.accept_deadline + timedelta(hours=1)) == 0  # already past: overdue, not due


def test_overdue_by_more_than_n_working_days_is_supervised(citizen, admin_user, settings, dispatcher):
    settings.LIUYAN_SUPERVISE_AFTER_OVERDUE_DAYS = 3
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    just = message.reply_deadline + timedelta(days=2)
    assert supervise_overdue(just) == 0
    later = message.reply_deadline + timedelta(days=10)
    assert working_days_between(message.reply_deadline, later) > 3

    assert supervise_overdue(later) == 1
    assert supervise_overdue(later) == 0
    message.refresh_from_db()
    assert message.supervised
    event = Event.objects.get(message=message, kind=EventKind.SUPERVISED)
    assert event.actor is None and "系统自动督办" in event.note
    assert Notification.objects.filter(recipient=dispatcher, kind="supervised").exists()


def test_replied_messages_close_after_the_rating_window(citizen, admin_user, settings):
    settings.LIUYAN_RATING_WINDOW_DAYS = 7
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    assert close_unrated(message.replied_at + timedelta(days=6)) == 0
    assert close_unrated(message.replied_at + timedelta(days=8)) == 1
    assert close_unrated(message.replied_at + timedelta(days=9)) == 0
    message.refresh_from_db()
    assert message.state == MessageState.CLOSED
    assert (
        Event.objects.filter(
            message=message, kind=EventKind.CLOSED, actor=None, from_state="replied", to_state="closed"
        ).count()
        == 1
    )


def test_command_runs_the_checks_and_can_enqueue_them():
    out = StringIO()
    call_command("run_periodic", stdout=out)
    assert "warn_due_soon: 0" in out.getvalue()
    call_command("run_periodic", "--enqueue", stdout=out)
    assert "enqueued" in out.getvalue()
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path__endswith="supervise_overdue").exists()


def test_overdue_is_derived_not_stored(citizen, admin_user, dispatcher):
    from liuyan.board.selectors import is_overdue, workbench_queues

    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    assert not is_overdue(message)
    assert is_overdue(message, message.reply_deadline + timedelta(minutes=1))
    queues = workbench_queues(dispatcher, now=message.reply_deadline + timedelta(minutes=1))
    assert message in queues["desk_overdue"]
    assert message not in workbench_queues(dispatcher, now=timezone.now())["desk_overdue"]
