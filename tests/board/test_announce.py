"""The board's announcements (board/announce.py): the apps above it hear of every Event and every change
inside the action's transaction, and the board's actions import none of them."""

import ast
from contextlib import contextmanager
from pathlib import Path

import pytest

import liuyan.board
from liuyan.board import announce
from liuyan.board.actions import handling, moderation
from liuyan.board.actions.base import ActionError
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from liuyan.notify.models import Notification
from tests.factories import make_message

pytestmark = pytest.mark.django_db

# The apps that hear the board through its announcements (intelligence's calls are inverted on their own).
UPPER_APPS = ("liuyan.reports", "liuyan.notify", "liuyan.api", "liuyan.web")


@pytest.fixture
def connected():
    """Connect receivers for one test, and disconnect them after it."""
    added = []

    def connect(hook, receiver):
        hook.connect(receiver)
        added.append((hook, receiver))
        return receiver

    yield connect
    for hook, receiver in added:
        hook.disconnect(receiver)


def test_a_listener_hears_each_event_with_its_context_and_watchers_see_the_change(
    citizen, admin_user, connected
):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    heard, seen = [], []
    connected(announce.event_recorded, lambda event, **context: heard.append((event.kind, set(context))))

    @contextmanager
    def watch(message, *, rated, revisited):
        before = message.state
        yield
        seen.append((before, message.state, rated or revisited))

    connected(announce.message_changing, watch)
    extension = handling.request_extension(admin_user, message.pk, 3, "需要协调多个部门。")
    handling.decide_extension(admin_user, extension.pk, True)

    assert heard == [
        (EventKind.EXTENSION_REQUESTED, {"extension"}),
        (EventKind.EXTENSION_APPROVED, {"extension"}),
    ]
    # The approved extension moves the reply deadline: a change of what the message counts for.
    assert seen == [(MessageState.IN_PROGRESS, MessageState.IN_PROGRESS, False)]


def test_a_failing_listener_undoes_the_whole_action(citizen, admin_user, connected):
    message = make_message(citizen, admin_user)
    events, notifications = Event.objects.count(), Notification.objects.count()

    def refuse(event, **context):
        raise ActionError("listener failed")

    connected(announce.event_recorded, refuse)
    with pytest.raises(ActionError):
        moderation.publish_message(admin_user, message.pk)
    assert Message.objects.get(pk=message.pk).state == MessageState.PENDING_REVIEW
    assert (Event.objects.count(), Notification.objects.count()) == (events, notifications)


def test_the_apps_above_connect_once():
    receivers = [list(hook) for hook in (announce.event_recorded, announce.message_changing)]
    assert all(len(hook) == len(set(hook)) for hook in receivers)
    assert announce.backlog() is not None


def test_the_board_actions_import_no_app_above_the_board():
    board = Path(liuyan.board.__file__).parent
    upward = []
    for path in [board / "announce.py", *sorted((board / "actions").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            upward += [f"{path.name}: {name}" for name in names if name.startswith(UPPER_APPS)]
    assert upward == []
