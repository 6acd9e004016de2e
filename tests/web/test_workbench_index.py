"""The workbench entry: who may use it, which queues each role sees, the leader's figures, deadlines as
date and working time left, and bounded queries on queues holding a realistic amount of messages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import handling
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.web.presenters.deadlines import DeadlineClock
from tests.factories import make_message

pytestmark = pytest.mark.django_db

QUEUE_TABS = {
    "editor": {"to_moderate", "replies_to_review"},
    "dispatcher": {
        "desk_incoming",
        "desk_returned",
        "extensions_pending",
        "desk_due_soon",
        "desk_overdue",
        "desk_revisit",
        "desk_follow_ups",
    },
    "handler": {
        "unit_to_accept",
        "unit_in_progress",
        "unit_due_soon",
        "unit_overdue",
        "unit_sent_back",
        "unit_follow_ups",
        "unit_replied",
    },
    "leader": {"supervised", "overdue"},
}
ALL_QUEUES = set().union(*QUEUE_TABS.values())


def queue_links(html: str) -> set[str]:
    return {name for name in ALL_QUEUES if f'href="/workbench/queues/{name}/"' in html}


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/workbench/"


def test_citizen_gets_a_403_page_in_chinese(client, citizen):
    client.force_login(citizen)
    response = client.get("/workbench/")
    assert response.status_code == 403
    assert "您没有使用工作台的权限" in response.content.decode()
    assert client.get("/workbench/queues/to_moderate/").status_code == 403


@pytest.mark.parametrize("role", ["editor", "dispatcher", "handler", "leader"])
def test_each_role_sees_its_queues_and_no_others(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/workbench/")
    assert response.status_code == 200
    assert queue_links(response.content.decode()) == QUEUE_TABS[role]
    others = ALL_QUEUES - QUEUE_TABS[role]
    assert client.get(f"/workbench/queues/{sorted(others)[0]}/").status_code == 404


def test_unknown_queue_is_404(client, editor):
    client.force_login(editor)
    assert client.get("/workbench/queues/nothing/").status_code == 404


def test_entry_opens_the_first_queue_with_work(client, handler, citizen, admin_user):
    make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="宿舍楼顶漏雨需要维修")
    client.force_login(handler)
    response = client.get("/workbench/")
    assert response.context["queue"] == "unit_in_progress"
    html = response.content.decode()
    assert "宿舍楼顶漏雨需要维修" in html and 'aria-current="page">办理中' in html


def test_editor_queue_lists_messages_to_moderate_with_a_publish_button(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PENDING_REVIEW, title="路灯长期不亮")
    client.force_login(editor)
    html = client.get("/workbench/queues/to_moderate/").content.decode()
    assert "路灯长期不亮" in html
    # 刊发 posts the one row to the bulk endpoint, as the toolbar does for several.
    assert f'<form method="post" id="row-{message.pk}" action="/workbench/bulk/">' in html
    assert (
        '<input type="hidden" name="action" value="publish">'
        f'<input type="hidden" name="ids" value="{message.pk}">' in html
    )
    assert 'name="csrfmiddlewaretoken"' in html
    assert "专栏管理" in html


def test_reviewer_sees_the_reply_next_to_its_message(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLY_REVIEW, title="小区停车位不足")
    client.force_login(editor)
    html = client.get("/workbench/queues/replies_to_review/").content.decode()
    assert "小区停车位不足" in html and "已安排交警在上下学时段疏导交通" in html
    assert f'action="/workbench/messages/{message.pk}/approve-reply/"' in html
    assert f'action="/workbench/messages/{message.pk}/send-back-reply/"' in html


def test_handler_queue_shows_overdue_deadline_in_red(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    Message.objects.filter(pk=message.pk).update(accept_deadline=timezone.now() - timedelta(hours=3))
    client.force_login(handler)
    html = client.get("/workbench/queues/unit_overdue/").content.decode()
    assert 'class="deadline overdue"' in html and "已超期 3 小时" in html


def test_leader_sees_the_figures_of_the_region(client, leader, citizen, admin_user):
    make_message(citizen, admin_user, MessageState.REPLIED)
    make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    make_message(citizen, admin_user, MessageState.REPLIED, inside=False)  # 北京: not counted
    client.force_login(leader)
    response = client.get("/workbench/")
    figures = response.context["figures"]
    assert (figures.published, figures.answered) == (2, 1)
    assert [r.name for r in figures.regions] == ["临沧市"]
    html = response.content.decode()
    assert "临沧市留言办理概况" in html and "50%" in html


def test_pages_are_paginated_by_twenty(client, editor, citizen, admin_user):
    for n in range(21):
        make_message(citizen, admin_user, title=f"待审核留言第{n:02d}号")
    client.force_login(editor)
    first = client.get("/workbench/queues/to_moderate/")
    assert len(first.context["rows"]) == 20 and "第 1 / 2 页" in first.content.decode()
    second = client.get("/workbench/queues/to_moderate/?page=2")
    assert len(second.context["rows"]) == 1


class TestDeadlineClock:
    def test_counts_working_days_over_a_weekend_and_hours_under_a_day(self):
        # Friday 2026-11-20 10:00 Beijing time; the next working days are Mon 23 and Tue 24.
        now = timezone.make_aware(timezone.datetime(2026, 11, 20, 10, 0))
        tuesday_end = timezone.make_aware(timezone.datetime(2026, 11, 24, 23, 59, 59))
        friday_end = timezone.make_aware(timezone.datetime(2026, 11, 20, 23, 59, 59))
        last_wednesday = timezone.make_aware(timezone.datetime(2026, 11, 18, 23, 59, 59))
        clock = DeadlineClock([tuesday_end, friday_end, last_wednesday], now)
        assert clock.status(tuesday_end).label == "剩 2 个工作日"
        assert clock.status(tuesday_end).css == ""
        assert (clock.status(friday_end).label, clock.status(friday_end).css) == ("剩 13 小时", "due-soon")
        assert (clock.status(last_wednesday).label, clock.status(last_wednesday).css) == (
            "已超期 2 个工作日",
            "overdue",
        )
        assert clock.status(None) is None


# For each role, about fifty messages in the states its queues hold (more than a page of twenty).
BUSY_BOARD = {
    "editor": [(MessageState.PENDING_REVIEW, 25), (MessageState.REPLY_REVIEW, 25)],
    "dispatcher": [(MessageState.PUBLISHED, 25), (MessageState.IN_PROGRESS, 25)],
    "handler": [(MessageState.ASSIGNED, 25), (MessageState.IN_PROGRESS, 25)],
    "leader": [(MessageState.IN_PROGRESS, 50)],
    "admin_user": [(MessageState.PENDING_REVIEW, 25), (MessageState.IN_PROGRESS, 25)],
}


@pytest.mark.parametrize("role", list(BUSY_BOARD))
def test_every_queue_stays_within_thirty_queries(
    client, request, citizen, admin_user, handler, django_assert_max_num_queries, role
):
    for state, count in BUSY_BOARD[role]:
        for _ in range(count):
            make_message(citizen, admin_user, state)
    working = list(Message.objects.filter(state=MessageState.IN_PROGRESS).order_by("pk"))
    for message in working[:22]:
        handling.request_extension(handler, message.pk, 3, "需要补充材料")
    late = timezone.now() - timedelta(days=3)
    Message.objects.filter(pk__in=[m.pk for m in working[::2]]).update(reply_deadline=late, supervised=True)
    client.force_login(request.getfixturevalue(role))
    names = QUEUE_TABS.get(role, ALL_QUEUES - QUEUE_TABS["handler"])
    sizes = {}
    for name in sorted(names):
        with django_assert_max_num_queries(30):
            response = client.get(f"/workbench/queues/{name}/")
        assert response.status_code == 200, name
        sizes[name] = response.context["page"].paginator.count
    assert max(sizes.values()) >= 20  # full pages of twenty were rendered
