"""Editors' marks (跟踪督办 / 报道线索): who may mark, one open mark per kind, clearing keeps the row, one
staff-only Event each, and the editors' 跟踪留言 queue lists the marked messages with their marks."""

import pytest

from liuyan.board import selectors
from liuyan.board.actions import marks
from liuyan.board.actions.base import Conflict, Forbidden, Invalid, NotFound
from liuyan.board.choices import PUBLIC_EVENT_KINDS, EventKind, MarkKind, MessageState
from liuyan.board.models import EditorMark, Event
from tests.factories import make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(citizen, admin_user):
    return make_message(citizen, admin_user, MessageState.IN_PROGRESS)


def test_an_editor_marks_a_message_for_tracking_with_a_note(editor, message):
    mark = marks.mark_message(editor, message.id, "track", "  群众反映强烈，跟踪到底  ")

    assert (mark.kind, mark.note, mark.marked_by, mark.cleared_at) == (
        MarkKind.TRACK,
        "群众反映强烈，跟踪到底",
        editor,
        None,
    )
    event = Event.objects.filter(message=message).latest("id")
    assert (event.kind, event.actor, event.note) == (
        EventKind.MARKED,
        editor,
        "跟踪督办：群众反映强烈，跟踪到底",
    )
    assert EventKind.MARKED not in PUBLIC_EVENT_KINDS and EventKind.UNMARKED not in PUBLIC_EVENT_KINDS


def test_both_kinds_may_be_open_but_each_only_once(editor, message):
    marks.mark_message(editor, message.id, "track")
    marks.mark_message(editor, message.id, "lead", "可做专题报道")
    events = Event.objects.filter(message=message, kind=EventKind.MARKED).count()

    with pytest.raises(Conflict) as refused:
        marks.mark_message(editor, message.id, "track", "再标一次")

    assert refused.value.message == "这条留言已标记为跟踪督办。" and refused.value.errors == {
        "kind": "这条留言已标记为跟踪督办。"
    }
    assert EditorMark.objects.filter(message=message, cleared_at=None).count() == 2
    assert Event.objects.filter(message=message, kind=EventKind.MARKED).count() == events


def test_unmarking_keeps_the_row_and_allows_marking_again(editor, message):
    marks.mark_message(editor, message.id, "lead", "线索")

    cleared = marks.unmark_message(editor, message.id, "lead")

    cleared.refresh_from_db()
    assert cleared.cleared_by == editor and cleared.cleared_at is not None
    assert Event.objects.filter(message=message).latest("id").kind == EventKind.UNMARKED
    with pytest.raises(Conflict, match="这条留言没有报道线索标记。"):
        marks.unmark_message(editor, message.id, "lead")
    marks.mark_message(editor, message.id, "lead", "新线索")
    assert EditorMark.objects.filter(message=message).count() == 2


@pytest.mark.parametrize("kind", [None, "", "TRACK", "跟踪", "track\x00", "x" * 500])
def test_an_unknown_kind_is_refused_on_its_field(editor, message, kind):
    with pytest.raises(Invalid) as refused:
        marks.mark_message(editor, message.id, kind, "说明")
    assert refused.value.errors == {"kind": "请选择标记类型：跟踪督办或报道线索。"}
    assert not EditorMark.objects.exists()


def test_a_note_over_500_characters_is_refused(editor, message):
    with pytest.raises(Invalid, match="标记说明不能超过 500 个字。"):
        marks.mark_message(editor, message.id, "track", "长" * 501)
    assert not EditorMark.objects.exists()


@pytest.mark.parametrize("role", ["citizen", "dispatcher", "handler", "leader"])
def test_only_editors_mark(request, role, message, editor):
    user = request.getfixturevalue(role)
    marks.mark_message(editor, message.id, "track")
    with pytest.raises((Forbidden, NotFound)):
        marks.mark_message(user, message.id, "lead")
    with pytest.raises((Forbidden, NotFound)):
        marks.unmark_message(user, message.id, "track")
    assert EditorMark.objects.filter(cleared_at=None).count() == 1


def test_a_missing_message_is_not_found(editor):
    with pytest.raises(NotFound):
        marks.mark_message(editor, 10**9, "track")


def test_the_tracked_queue_lists_marked_messages_with_their_marks(editor, citizen, admin_user, message):
    other = make_message(citizen, admin_user, MessageState.PUBLISHED, title="路灯损坏无人修理")
    unmarked = make_message(citizen, admin_user, MessageState.PUBLISHED, title="公交线路调整建议")
    marks.mark_message(editor, message.id, "track", "跟踪")
    marks.mark_message(editor, other.id, "lead", "")
    marks.mark_message(editor, unmarked.id, "track")
    marks.unmark_message(editor, unmarked.id, "track")

    queue = selectors.workbench_queues(editor)["tracked"]

    rows = list(queue)
    assert [m.pk for m in rows] == [other.pk, message.pk]  # most recently marked first
    assert (rows[0].track_note, rows[0].lead_note) == (None, "")
    assert (rows[1].track_note, rows[1].lead_note) == ("跟踪", None)
    assert queue.count() == 2


def test_only_editors_have_the_tracked_queue(dispatcher, handler, leader):
    for user in (dispatcher, handler, leader):
        assert "tracked" not in selectors.workbench_queues(user)
