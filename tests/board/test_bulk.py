"""Bulk actions on the board (board/actions/bulk.py): each row through its own action and transaction, one
Event each, refusals reported per row in Chinese, rows outside the user's workbench looking missing."""

import pytest

from liuyan.board.actions import replies
from liuyan.board.actions.base import ActionError, Invalid, NotFound
from liuyan.board.actions.bulk import MAX_BULK_IDS, NO_SUGGESTION, BulkInput, run_bulk
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from liuyan.intelligence.routing_choice import suggested_unit_ids
from tests.conftest import unit
from tests.factories import latest_reply, make_message

pytestmark = pytest.mark.django_db


def kinds(message: Message) -> list[str]:
    return list(message.events.order_by("pk").values_list("kind", flat=True))


def test_publish_runs_each_row_once_with_one_event(editor, citizen, admin_user):
    messages = [make_message(citizen, admin_user) for _ in range(3)]
    results = run_bulk(editor, "publish", [m.pk for m in messages])
    assert [(r.id, r.serial, r.done) for r in results] == [(m.pk, m.serial, True) for m in messages]
    assert results[0].message == "已刊发，推送到临沧市留言办理工作机构。"
    for message in messages:
        message.refresh_from_db()
        assert message.state == MessageState.PUBLISHED
        assert kinds(message) == [EventKind.SUBMITTED, EventKind.PUBLISHED]
        assert message.events.get(kind=EventKind.PUBLISHED).actor == editor


def test_a_refused_row_does_not_stop_or_undo_the_others(editor, citizen, admin_user):
    first, published, last = (
        make_message(citizen, admin_user),
        make_message(citizen, admin_user, MessageState.PUBLISHED),
        make_message(citizen, admin_user),
    )
    results = run_bulk(editor, "publish", [first.pk, published.pk, last.pk])
    assert [r.done for r in results] == [True, False, True]
    assert results[1].serial == published.serial
    assert results[1].message == "这条留言当前状态为“待交办”，不能刊发。"
    assert Message.objects.get(pk=last.pk).state == MessageState.PUBLISHED
    assert Event.objects.filter(message=published, kind=EventKind.PUBLISHED).count() == 1


def test_ids_are_taken_once_in_the_order_given(editor, citizen, admin_user):
    a, b = make_message(citizen, admin_user), make_message(citizen, admin_user)
    results = run_bulk(editor, "publish", [b.pk, a.pk, b.pk, b.pk])
    assert [r.id for r in results] == [b.pk, a.pk] and all(r.done for r in results)
    assert Event.objects.filter(message=b, kind=EventKind.PUBLISHED).count() == 1


def test_no_ids_or_too_many_refuse_the_whole_request(editor, citizen, admin_user):
    message = make_message(citizen, admin_user)
    with pytest.raises(Invalid) as error:
        run_bulk(editor, "publish", [])
    assert error.value.message == "请选择要操作的留言。"
    with pytest.raises(Invalid) as error:
        run_bulk(editor, "publish", [message.pk, *range(10**9, 10**9 + MAX_BULK_IDS)])
    assert error.value.message == f"一次最多操作 {MAX_BULK_IDS} 条，已选 {MAX_BULK_IDS + 1} 条，请分批操作。"
    assert Message.objects.get(pk=message.pk).state == MessageState.PENDING_REVIEW


def test_an_unknown_action_is_not_found(editor):
    with pytest.raises(NotFound):
        run_bulk(editor, "delete", [1])
    with pytest.raises(NotFound):
        run_bulk(editor, "reject", [1])  # a lifecycle step, but not offered in bulk


def test_hiding_needs_one_reason_for_all_rows(editor, citizen, admin_user):
    messages = [make_message(citizen, admin_user, MessageState.PUBLISHED) for _ in range(2)]
    with pytest.raises(ActionError) as error:
        run_bulk(editor, "hide", [m.pk for m in messages], BulkInput(reason="   "))
    assert error.value.message == "请填写隐藏理由。" and error.value.errors == {"reason": "请填写隐藏理由。"}
    assert not Event.objects.filter(kind=EventKind.HIDDEN).exists()
    messages[1].hidden = True
    messages[1].save(update_fields=["hidden"])
    results = run_bulk(editor, "hide", [m.pk for m in messages], BulkInput(reason="含有他人隐私"))
    assert [(r.done, r.message) for r in results] == [(True, "已隐藏。"), (False, "这条留言已经隐藏。")]
    assert Event.objects.get(kind=EventKind.HIDDEN).note == "含有他人隐私"


def test_rights_are_checked_per_row_and_rows_outside_the_scope_look_missing(dispatcher, citizen, admin_user):
    inside = make_message(citizen, admin_user, MessageState.PUBLISHED)
    outside = make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False)  # public: visible
    hidden_pending = make_message(citizen, admin_user, inside=False)
    # A dispatcher may not publish or hide, even in its own region.
    results = run_bulk(dispatcher, "hide", [inside.pk], BulkInput(reason="测试"))
    assert (results[0].done, results[0].message) == (False, "您没有办理这条留言的权限。")
    target = unit("530923-education")
    ids = [inside.pk, outside.pk, hidden_pending.pk, 2**62]
    results = run_bulk(dispatcher, "assign", ids, BulkInput(unit_id=target.pk, note="批量交办"))
    assert [(r.id, r.serial, r.done, r.message) for r in results] == [
        (inside.pk, inside.serial, True, "已交办给永德县教育局。"),
        (outside.pk, "", False, "留言不存在。"),
        (hidden_pending.pk, "", False, "留言不存在。"),
        (2**62, "", False, "留言不存在。"),
    ]
    assert Message.objects.get(pk=outside.pk).state == MessageState.PUBLISHED
    assert inside.events.get(kind=EventKind.ASSIGNED).note == "批量交办"


def test_a_unit_outside_the_desk_is_refused_on_each_row(dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    results = run_bulk(dispatcher, "assign", [message.pk], BulkInput(unit_id=unit("110105-education").pk))
    assert (results[0].done, results[0].message) == (False, "只能交办给本地区的单位或中央部门。")


def test_assigning_to_each_rows_suggestion(dispatcher, citizen, admin_user):
    education = make_message(citizen, admin_user, MessageState.PUBLISHED)
    assigned = make_message(citizen, admin_user, MessageState.ASSIGNED)  # may be reassigned
    outside = make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False)
    ids = [education.pk, assigned.pk, outside.pk]
    suggestions = suggested_unit_ids(dispatcher, ids)
    # The messages the dispatcher may assign, each to the catalogue's best unit the desk may assign to.
    assert suggestions == {
        education.pk: unit("530923-education").pk,
        assigned.pk: unit("530923-education").pk,
    }
    results = run_bulk(dispatcher, "assign", ids, BulkInput(suggestions=suggestions))
    assert [(r.done, r.message) for r in results] == [
        (True, "已交办给永德县教育局。"),
        (True, "已交办给永德县教育局。"),
        (False, "留言不存在。"),
    ]
    assert Event.objects.filter(kind=EventKind.ASSIGNED, message__in=[education, assigned]).count() == 3


def test_a_row_without_a_suggestion_is_refused(dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    in_progress = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    results = run_bulk(dispatcher, "assign", [message.pk, in_progress.pk], BulkInput(suggestions={}))
    assert [(r.done, r.message) for r in results] == [
        (False, NO_SUGGESTION),
        (False, "这条留言当前状态为“办理中”，不能交办。"),
    ]
    assert NO_SUGGESTION == "没有可用的系统建议单位，请逐条交办。"
    assert not Event.objects.filter(kind=EventKind.ASSIGNED, message=message).exists()


def test_approving_replies_by_reply_id(editor, citizen, admin_user):
    first = make_message(citizen, admin_user, MessageState.REPLY_REVIEW)
    second = make_message(citizen, admin_user, MessageState.REPLY_REVIEW)
    sent_back = latest_reply(second)
    replies.send_back_reply(admin_user, sent_back.pk, "请补充具体措施和时间。")
    reply = latest_reply(first)
    results = run_bulk(editor, "approve-reply", [reply.pk, sent_back.pk, 2**40])
    assert [(r.id, r.serial, r.done) for r in results] == [
        (reply.pk, first.serial, True),
        (sent_back.pk, second.serial, False),
        (2**40, "", False),
    ]
    assert results[0].message == "临沧市教育局的回复已审核通过并公开。"
    assert results[1].message == "这份回复当前状态为“已退回”，不能审核。"
    assert results[2].message == "回复不存在。"
    assert Message.objects.get(pk=first.pk).state == MessageState.REPLIED
    assert first.events.filter(kind=EventKind.REPLY_APPROVED).count() == 1


def test_a_dispatcher_cannot_approve_replies_and_learns_nothing_outside(dispatcher, citizen, admin_user):
    inside = make_message(citizen, admin_user, MessageState.REPLY_REVIEW)
    outside = make_message(citizen, admin_user, MessageState.REPLY_REVIEW, inside=False)
    results = run_bulk(dispatcher, "approve-reply", [latest_reply(inside).pk, latest_reply(outside).pk])
    assert [(r.serial, r.done, r.message) for r in results] == [
        (inside.serial, False, "您没有办理这条留言的权限。"),
        ("", False, "回复不存在。"),
    ]


def test_remind_and_supervise(dispatcher, citizen, admin_user):
    assigned = make_message(citizen, admin_user, MessageState.ASSIGNED)
    in_progress = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    pending = make_message(citizen, admin_user)
    ids = [assigned.pk, in_progress.pk, pending.pk]
    results = run_bulk(dispatcher, "remind", ids, BulkInput(note="请尽快办理"))
    assert [(r.done, r.message) for r in results] == [
        (True, "已催办（第 1 次）。"),
        (True, "已催办（第 1 次）。"),
        (False, "这条留言当前状态为“待审核”，不能催办。"),
    ]
    assert Event.objects.filter(kind=EventKind.REMINDED, note="请尽快办理").count() == 2
    in_progress.supervised = True
    in_progress.save(update_fields=["supervised"])
    results = run_bulk(dispatcher, "supervise", ids[:2])
    assert [(r.done, r.message) for r in results] == [(True, "已列入督办。"), (False, "这条留言已在督办中。")]
    assert Event.objects.filter(kind=EventKind.SUPERVISED).count() == 1


def test_a_handler_can_do_none_of_them(handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    for name, given in [("publish", None), ("remind", None), ("hide", BulkInput(reason="x"))]:
        [result] = run_bulk(handler, name, [message.pk], given)
        assert not result.done and result.message in {
            "您没有办理这条留言的权限。",
            "这条留言当前状态为“已交办”，不能刊发。",
        }
    assert kinds(Message.objects.get(pk=message.pk))[-1] == EventKind.ASSIGNED
