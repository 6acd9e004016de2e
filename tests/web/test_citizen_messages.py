"""My messages (/me/messages/) and my notifications (/me/notifications/)."""

import pytest

from liuyan.board.actions import moderation
from liuyan.board.choices import MessageState
from liuyan.notify.actions import notify
from liuyan.notify.choices import NotificationKind
from liuyan.notify.models import Notification
from tests.conftest import make_user
from tests.factories import make_message

pytestmark = pytest.mark.django_db

# About fifty messages in every state a citizen's list shows.
STATES = (
    [MessageState.PENDING_REVIEW] * 14
    + [MessageState.PUBLISHED] * 10
    + [MessageState.ASSIGNED] * 8
    + [MessageState.IN_PROGRESS] * 8
    + [MessageState.REPLIED] * 8
)


@pytest.fixture
def many_messages(citizen, admin_user):
    messages = [
        make_message(citizen, admin_user, state, title=f"第{i}条留言的标题", inside=i % 2 == 0)
        for i, state in enumerate(STATES)
    ]
    rejected = make_message(citizen, admin_user, title="不予刊发的留言")
    moderation.reject_message(admin_user, rejected.id, "内容与留言板无关。")
    return [*messages, rejected]


def test_a_visitor_signs_in_first(client):
    assert client.get("/me/messages/").url == "/accounts/login/?next=/me/messages/"
    assert client.get("/me/notifications/").url == "/accounts/login/?next=/me/notifications/"


def test_my_messages_in_every_state_paginated(client, citizen, many_messages, django_assert_max_num_queries):
    client.force_login(citizen)

    with django_assert_max_num_queries(30):
        first = client.get("/me/messages/")

    html = first.content.decode()
    page = first.context["page"]
    assert first.status_code == 200
    assert page.paginator.count == 49 and len(page.object_list) == 20
    assert "不予刊发的留言" in html and "未通过审核" in html  # newest first; rejected is the last made
    assert 'href="?page=2"' in html
    assert f'href="/messages/{many_messages[-1].id}/"' in html and many_messages[-1].serial in html

    with django_assert_max_num_queries(30):
        last = client.get("/me/messages/?page=3")
    assert last.status_code == 200
    assert len(last.context["page"].object_list) == 9


def test_the_tabs_split_my_messages_by_state(client, citizen, many_messages):
    client.force_login(citizen)

    review = client.get("/me/messages/?tab=review").context["page"]
    handling = client.get("/me/messages/?tab=handling").context["page"]
    replied = client.get("/me/messages/?tab=replied")
    ended = client.get("/me/messages/?tab=ended").context["page"]

    assert review.paginator.count == 14 and handling.paginator.count == 26
    assert replied.context["page"].paginator.count == 8 and ended.paginator.count == 1
    assert "请<a" in replied.content.decode()  # a replied message asks to be rated
    assert 'aria-current="page">已回复</a>' in replied.content.decode()


def test_the_progress_of_each_message(client, citizen, admin_user):
    make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    client.force_login(citizen)

    html = client.get("/me/messages/").content.decode()

    assert '<li class="done">交办</li>' in html
    assert '<li class="now" aria-current="step">办理</li>' in html
    assert '<li class="">回复</li>' in html


def test_no_one_else_s_messages_are_listed(client, citizen, handler, admin_user):
    make_message(citizen, admin_user, MessageState.PUBLISHED, title="网友的留言标题")
    other = make_user("another-citizen", "citizen")
    client.force_login(other)
    response = client.get("/me/messages/")
    assert response.context["page"].paginator.count == 0 and "网友的留言标题" not in response.content.decode()
    assert "您还没有写过留言。" in response.content.decode()

    client.force_login(handler)  # staff in scope of the message: still only their own here
    assert client.get("/me/messages/").context["page"].paginator.count == 0


def test_notifications_unread_first_marked_and_paginated(
    client, citizen, many_messages, django_assert_max_num_queries
):
    client.force_login(citizen)
    total = Notification.objects.filter(recipient=citizen).count()
    assert total > 100  # every step of the fifty messages told the citizen

    with django_assert_max_num_queries(30):
        response = client.get("/me/notifications/")

    html = response.content.decode()
    page = response.context["page"]
    assert response.status_code == 200
    assert page.paginator.count == total and len(page.object_list) == 20
    assert html.count('<li class="unread">') == 20 and "全部标为已读" in html
    assert f"您有 {total} 条未读通知。" in html
    newest = page.object_list[0]
    assert f'href="/messages/{newest.message_id}/"' in html and newest.message.serial in html


def test_marking_one_and_then_all_read(client, citizen, handler, many_messages):
    client.force_login(citizen)
    theirs = notify([handler], NotificationKind.ASSIGNED, "新交办留言")[0]
    mine = Notification.objects.filter(recipient=citizen).order_by("-created_at", "-id").first()

    response = client.post("/me/notifications/", {"id": str(mine.id), "page": "2"})
    assert response.status_code == 302 and response.url == "/me/notifications/?page=2"
    mine.refresh_from_db()
    assert mine.read_at is not None
    html = client.get("/me/notifications/").content.decode()
    assert '<li class="read">' in html

    client.post("/me/notifications/", {"id": str(theirs.id)})  # someone else's: ignored
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = client.post("/me/notifications/", follow=True)
    unread = Notification.objects.filter(recipient=citizen, read_at=None).count()
    assert unread == 0 and "条通知标为已读。" in response.content.decode()
    assert "没有未读通知。" in response.content.decode()


def test_a_notice_without_a_message_has_no_link(client, citizen):
    notify([citizen], "welcome", "欢迎使用留言板。")
    client.force_login(citizen)

    html = client.get("/me/notifications/").content.decode()

    assert '<p class="notice-text">欢迎使用留言板。</p>' in html


def test_a_malformed_notice_id_marks_nothing(client, citizen, admin_user):
    make_message(citizen, admin_user)
    client.force_login(citizen)

    client.post("/me/notifications/", {"id": "abc"})

    assert Notification.objects.filter(recipient=citizen, read_at=None).count() == 1
