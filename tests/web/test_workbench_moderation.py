"""Editors' actions from the workbench: publish or reject a message, hide or unhide it, approve a reply
or send it back — through the pages, with the state, the Event rows and the flash message checked."""

import pytest

from liuyan.board.choices import EventKind, MessageState, ReplyState
from liuyan.board.models import Event
from tests.conftest import post_action
from tests.factories import latest_reply, make_message

pytestmark = pytest.mark.django_db


def kinds(message) -> list[str]:
    return list(Event.objects.filter(message=message).order_by("id").values_list("kind", flat=True))


def test_publish_from_the_queue_returns_to_the_queue(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user)
    response = post_action(
        client, editor, message, "publish", {"next": "/workbench/queues/to_moderate/?page=1"}
    )
    assert response.status_code == 302 and response["Location"] == "/workbench/queues/to_moderate/?page=1"
    message.refresh_from_db()
    assert message.state == MessageState.PUBLISHED and message.published_at is not None
    assert kinds(message)[-1] == EventKind.PUBLISHED
    html = client.get(response["Location"]).content.decode()
    assert f"留言 {message.serial} 已刊发" in html


def test_next_pointing_elsewhere_is_ignored(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user)
    response = post_action(client, editor, message, "publish", {"next": "https://evil.example/"})
    assert response["Location"] == f"/workbench/messages/{message.pk}/"


def test_reject_without_a_reason_shows_the_error_next_to_the_field(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user)
    response = post_action(client, editor, message, "reject", {"reason": "   "})
    assert response.status_code == 422
    html = response.content.decode()
    assert '<p class="error" id="reject-reason_error">请填写不予刊发的理由。</p>' in html
    message.refresh_from_db()
    assert message.state == MessageState.PENDING_REVIEW


def test_reject_with_a_reason(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user)
    response = post_action(client, editor, message, "reject", {"reason": "内容与留言对象无关"}, follow=True)
    assert "未予刊发" in response.content.decode()
    message.refresh_from_db()
    assert message.state == MessageState.REJECTED
    assert Event.objects.get(message=message, kind=EventKind.REJECTED).note == "内容与留言对象无关"


def test_a_second_publish_is_a_clear_error_not_a_silent_no_op(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    response = post_action(client, editor, message, "publish", follow=True)
    html = response.content.decode()
    assert "这条留言当前状态为“待交办”，不能刊发。" in html and 'class="error"' in html


def test_hide_keeps_what_was_typed_when_too_long_and_hides_with_a_reason(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    too_long = "含" * 501
    response = post_action(client, editor, message, "hide", {"reason": too_long})
    assert response.status_code == 422
    assert (
        too_long in response.content.decode() and "隐藏理由不能超过 500 个字。" in response.content.decode()
    )
    post_action(client, editor, message, "hide", {"reason": "含有他人隐私"})
    message.refresh_from_db()
    assert message.hidden
    post_action(client, editor, message, "unhide")
    message.refresh_from_db()
    assert not message.hidden and kinds(message)[-2:] == [EventKind.HIDDEN, EventKind.UNHIDDEN]


def test_approve_a_reply(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLY_REVIEW)
    reply = latest_reply(message)
    response = post_action(client, editor, message, "approve-reply", {"reply_id": reply.pk}, follow=True)
    assert "的回复已审核通过并公开" in response.content.decode()
    message.refresh_from_db()
    reply.refresh_from_db()
    assert message.state == MessageState.REPLIED and reply.state == ReplyState.PUBLISHED


def test_send_back_a_reply_needs_a_reason(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLY_REVIEW)
    reply = latest_reply(message)
    response = post_action(client, editor, message, "send-back-reply", {"reply_id": reply.pk, "reason": ""})
    assert response.status_code == 422 and "请填写退回理由。" in response.content.decode()
    response = post_action(
        client, editor, message, "send-back-reply", {"reply_id": reply.pk, "reason": "答非所问，请重新答复"}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    reply.refresh_from_db()
    assert message.state == MessageState.IN_PROGRESS
    assert (reply.state, reply.review_note) == (ReplyState.SENT_BACK, "答非所问，请重新答复")


def test_send_back_from_the_queue_with_an_empty_reason_lands_on_the_message_page(
    client, editor, citizen, admin_user
):
    message = make_message(citizen, admin_user, MessageState.REPLY_REVIEW)
    reply = latest_reply(message)
    data = {"reply_id": reply.pk, "reason": "", "next": "/workbench/queues/replies_to_review/"}
    response = post_action(client, editor, message, "send-back-reply", data)
    assert response.status_code == 422
    assert response.context["message"] == message and "请填写退回理由。" in response.content.decode()


def test_dispatcher_may_not_publish(client, dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user)
    response = post_action(client, dispatcher, message, "publish")
    assert response.status_code == 403 and "您没有办理这条留言的权限。" in response.content.decode()
    message.refresh_from_db()
    assert message.state == MessageState.PENDING_REVIEW


def test_handler_gets_404_for_a_message_it_does_not_hold(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user)
    assert post_action(client, handler, message, "publish").status_code == 404
    assert post_action(client, handler, message, "reject", {"reason": "x"}).status_code == 404


def test_actions_need_post_and_a_signed_in_user(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user)
    client.force_login(editor)
    assert client.get(f"/workbench/messages/{message.pk}/publish/").status_code == 405
    client.logout()
    response = client.post(f"/workbench/messages/{message.pk}/publish/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_forms_carry_a_csrf_token(editor, citizen, admin_user):
    from tests.second_factor import SecondFactorClient

    message = make_message(citizen, admin_user)
    strict = SecondFactorClient(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(f"/workbench/messages/{message.pk}/publish/").status_code == 403
    html = strict.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert html.count('name="csrfmiddlewaretoken"') >= 3  # publish, reject, hide (and log out)
