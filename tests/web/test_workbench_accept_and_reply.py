"""受理并回复: on a message still awaiting acceptance, the handling page's reply form accepts it and submits
the reply in one submit — two steps, an event each, both or neither; the 待受理 row links to that form."""

import pytest

from liuyan.board.choices import EventKind, MessageState, ReplyState
from liuyan.board.models import Event, Reply
from tests.conftest import post_action
from tests.factories import make_message

pytestmark = pytest.mark.django_db

BODY = "经现场查看，学校门口排水管道堵塞，已于本周疏通并新增两处雨水口。"


def kinds(message) -> list[str]:
    return list(Event.objects.filter(message=message).order_by("id").values_list("kind", flat=True))


def test_the_queue_row_and_the_handling_page_offer_it(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    client.force_login(handler)
    queue = client.get("/workbench/queues/unit_to_accept/").content.decode()
    assert f'href="/workbench/messages/{message.pk}/#reply">受理并回复…</a>' in queue
    page = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert '<h3 id="reply-heading">受理并回复</h3>' in page
    assert 'name="accept_first" value="True"' in page and ">受理并提交审核</button>" in page
    # Accepting alone is still offered.
    assert f'action="/workbench/messages/{message.pk}/accept/#accept"' in page


def test_an_accepted_message_gets_the_plain_reply_form(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    client.force_login(handler)
    page = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert '<h3 id="reply-heading">回复</h3>' in page and ">提交审核</button>" in page
    assert 'name="accept_first" value="False"' in page and "受理并提交审核" not in page


def test_accept_and_reply_is_two_steps_with_an_event_each(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    response = post_action(client, handler, message, "reply", {"body": BODY, "accept_first": "True"})
    assert response["Location"] == f"/workbench/messages/{message.pk}/"
    assert "已受理留言，回复已提交审核。" in client.get(response["Location"]).content.decode()
    message.refresh_from_db()
    assert message.state == MessageState.REPLY_REVIEW and message.accepted_at is not None
    assert kinds(message)[-2:] == [EventKind.ACCEPTED, EventKind.REPLY_SUBMITTED]
    accepted, submitted = Event.objects.filter(message=message).order_by("id")[3:]
    assert (accepted.from_state, accepted.to_state, accepted.actor) == (
        MessageState.ASSIGNED,
        MessageState.IN_PROGRESS,
        handler,
    )
    assert (submitted.from_state, submitted.to_state) == (MessageState.IN_PROGRESS, MessageState.REPLY_REVIEW)
    reply = Reply.objects.get(messages=message)
    assert (reply.body, reply.state, reply.author) == (BODY, ReplyState.IN_REVIEW, handler)


def test_a_refused_reply_leaves_the_message_unaccepted(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    response = post_action(client, handler, message, "reply", {"body": "已处理", "accept_first": "True"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "回复内容至少 10 个字。" in html and "\n已处理</textarea>" in html
    message.refresh_from_db()
    assert message.state == MessageState.ASSIGNED and message.accepted_at is None
    assert EventKind.ACCEPTED not in kinds(message)


def test_a_refused_joint_reply_rolls_the_acceptance_back(client, handler, citizen, admin_user):
    """The form is valid, the reply action refuses (a message of another unit): the acceptance before it
    in the same transaction is undone too."""
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    beijing = make_message(citizen, admin_user, MessageState.IN_PROGRESS, inside=False)
    response = post_action(
        client,
        handler,
        message,
        "reply",
        {"body": BODY, "accept_first": "True", "also_message_ids": [beijing.pk]},
    )
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.state == MessageState.ASSIGNED and EventKind.ACCEPTED not in kinds(message)
    assert not Reply.objects.exists()


def test_a_message_a_colleague_accepted_meanwhile_is_only_answered(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    post_action(client, handler, message, "reply", {"body": BODY, "accept_first": "True"})
    message.refresh_from_db()
    assert message.state == MessageState.REPLY_REVIEW
    assert kinds(message).count(EventKind.ACCEPTED) == 1


def test_replying_without_accepting_is_refused_in_chinese(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    response = post_action(client, handler, message, "reply", {"body": BODY}, follow=True)
    assert (
        "留言 " in response.content.decode() and "当前状态为“待受理”，不能回复。" in response.content.decode()
    )
    message.refresh_from_db()
    assert message.state == MessageState.ASSIGNED and not Reply.objects.exists()


@pytest.mark.parametrize("value", ["yes", "1", "False", "0", "", "<script>", "\x00", "真" * 5000])
def test_hostile_accept_values_never_fail(client, handler, citizen, admin_user, value):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    response = post_action(client, handler, message, "reply", {"body": BODY, "accept_first": value})
    assert response.status_code in (302, 422)
    message.refresh_from_db()
    accepted = EventKind.ACCEPTED in kinds(message)
    # Accepted and answered, or neither.
    assert (message.state, accepted) in {
        (MessageState.REPLY_REVIEW, True),
        (MessageState.ASSIGNED, False),
    }


def test_another_unit_and_the_desk_cannot_accept_and_reply(
    client, other_handler, dispatcher, citizen, admin_user
):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    data = {"body": BODY, "accept_first": "True"}
    assert post_action(client, other_handler, message, "reply", data).status_code == 404
    assert post_action(client, dispatcher, message, "reply", data).status_code == 403
    page = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert "受理并回复" not in page and "受理并提交审核" not in page
    message.refresh_from_db()
    assert message.state == MessageState.ASSIGNED and kinds(message).count(EventKind.ACCEPTED) == 0
