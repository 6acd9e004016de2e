"""A leader's workbench: the supervised and overdue lists of the region, instructions (批示) and
supervision on a message — inside the region, and 404 outside it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Instruction, Message
from tests.conftest import post_action
from tests.factories import make_message

pytestmark = pytest.mark.django_db


def test_supervised_and_overdue_lists_hold_the_regions_messages_only(client, leader, citizen, admin_user):
    inside = make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="县城供水管网老化")
    outside = make_message(
        citizen, admin_user, MessageState.IN_PROGRESS, inside=False, title="北京的留言标题"
    )
    late = timezone.now() - timedelta(days=4)
    Message.objects.filter(pk__in=[inside.pk, outside.pk]).update(supervised=True, reply_deadline=late)
    client.force_login(leader)
    for queue in ("supervised", "overdue"):
        html = client.get(f"/workbench/queues/{queue}/").content.decode()
        assert "县城供水管网老化" in html and "北京的留言标题" not in html
        assert f'href="/workbench/messages/{inside.pk}/#instruct"' in html


def test_instruct_on_a_message(client, leader, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    response = post_action(client, leader, message, "instruct", {"text": ""})
    assert response.status_code == 422 and "请填写批示内容。" in response.content.decode()
    response = post_action(client, leader, message, "instruct", {"text": "请教育局尽快拿出方案"}, follow=True)
    assert "批示已发送" in response.content.decode() and "请教育局尽快拿出方案" in response.content.decode()
    instruction = Instruction.objects.get(message=message)
    assert instruction.author == leader and instruction.leader.region_id == "530900"
    assert Event.objects.filter(message=message, kind=EventKind.INSTRUCTED).exists()


def test_leader_supervises_a_message(client, leader, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    post_action(client, leader, message, "supervise", {"note": "请重点跟踪"})
    message.refresh_from_db()
    assert message.supervised


def test_leader_out_of_the_region_gets_404(client, leader, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS, inside=False)
    assert post_action(client, leader, message, "instruct", {"text": "请办理"}).status_code == 404
    assert not Instruction.objects.exists()


def test_handler_may_not_instruct(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    assert post_action(client, handler, message, "instruct", {"text": "请办理"}).status_code == 403


def test_leader_may_not_accept(client, leader, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    assert post_action(client, leader, message, "accept").status_code == 403
    message.refresh_from_db()
    assert message.state == MessageState.ASSIGNED


def test_the_leaders_workbench_links_to_the_regions_statistics_and_daily_brief(client, leader):
    client.force_login(leader)
    html = client.get("/workbench/").content.decode()
    links = html.split('<p class="wb-leader-links">', 1)[1].split("</p>", 1)[0]
    assert 'href="/stats/regions/530900/">临沧市统计</a>' in links
    assert 'href="/briefs/?region=530900">临沧市每日留言简报</a>' in links
    assert client.get("/stats/regions/530900/").status_code == 200
    assert client.get("/briefs/?region=530900").status_code == 200


def test_other_roles_get_no_leader_links(client, dispatcher, handler):
    for user in (dispatcher, handler):
        client.force_login(user)
        assert "wb-leader-links" not in client.get("/workbench/").content.decode()
