"""After the reply on the workbench: the desk's 回访 queue and form, 重新办理, the unit's 追问 queue and its
answer, and what the citizen's and the public's pages say of it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import feedback
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Message, Revisit
from tests.conftest import post_action
from tests.factories import make_message

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def unhappy(citizen, admin_user) -> Message:
    message = make_message(citizen, admin_user, MessageState.REPLIED, title="学校门口早高峰拥堵")
    Message.objects.filter(pk=message.pk).update(replied_at=timezone.now() - timedelta(hours=2))
    feedback.rate_message(citizen, message.id, resolution=2, attitude=4, speed=4, comment="还是堵")
    message.refresh_from_db()
    return message


def revisit_data(**changes) -> dict:
    data = {
        "method": "phone",
        "at": local(timezone.now() - timedelta(minutes=30)),
        "summary": "留言人说早高峰已有交警疏导，基本不堵了。",
        "outcome": "basically_satisfied",
    }
    return {**data, **changes}


def test_the_desk_s_revisit_queue_lists_the_unhappy_message(client, dispatcher, unhappy):
    client.force_login(dispatcher)
    html = client.get("/workbench/queues/desk_revisit/").content.decode()
    assert "学校门口早高峰拥堵" in html and "回访" in html
    assert 'href="/workbench/queues/desk_follow_ups/"' in html


def test_the_handling_page_offers_the_revisit_and_reopen_forms(client, dispatcher, unhappy):
    client.force_login(dispatcher)
    html = client.get(f"/workbench/messages/{unhappy.pk}/").content.decode()
    form = re.search(r'<form method="post" action="[^"]*/revisit/#revisit".*?</form>', html, re.S)[0]
    assert '<select name="method"' in form and 'value="phone">电话' in form and 'value="video">视频' in form
    assert 'type="datetime-local" name="at"' in form
    assert '<textarea name="summary"' in form
    assert '<select name="outcome"' in form and 'value="unsatisfied">不满意' in form
    assert f'action="/workbench/messages/{unhappy.pk}/reopen/#reopen"' in html and 'name="reason"' in html
    assert "待回访" in html and "这条留言当前没有您可以进行的操作" not in html


def test_a_satisfied_revisit_from_the_form_closes_the_message(client, dispatcher, unhappy):
    response = post_action(client, dispatcher, unhappy, "revisit", revisit_data())
    assert response.status_code == 302
    unhappy.refresh_from_db()
    assert unhappy.state == MessageState.CLOSED and not unhappy.awaiting_revisit
    html = client.get(response["Location"]).content.decode()
    assert "回访已记录：电话回访，留言人表示基本满意。留言已办结。" in html
    assert "回访记录" in html and "基本不堵了" in html  # staff read what the citizen said


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"at": local(timezone.now() + timedelta(days=2))}, "回访时间不能晚于现在。"),
        ({"at": local(timezone.now() - timedelta(days=3))}, "回访时间不能早于回复时间"),
        ({"at": "明天上午"}, "请输入有效的时间，如 2026-12-03 09:30。"),
        ({"at": "9999-12-31T23:59"}, "日期应写作 YYYY-MM-DD"),
        ({"method": "短信"}, "请选择回访方式：电话、上门或视频。"),
        ({"outcome": ""}, "请选择回访结果。"),
        ({"summary": "留言人\x1b说"}, "不能包含控制字符"),
        ({"summary": "很" * 2001}, "回访情况不能超过 2000 个字。"),
    ],
)
def test_bad_input_is_shown_next_to_its_field(client, dispatcher, unhappy, changes, says):
    response = post_action(client, dispatcher, unhappy, "revisit", revisit_data(**changes))
    assert response.status_code == 422
    html = response.content.decode()
    assert says in html and 'class="field has-error"' in html
    assert not Revisit.objects.exists()
    assert Message.objects.get(pk=unhappy.pk).state == MessageState.REPLIED


def test_a_time_typed_with_full_width_digits_is_read(client, dispatcher, unhappy):
    moment = timezone.localtime() - timedelta(minutes=40)
    data = revisit_data(at=moment.strftime("%Y-%m-%d %H:%M").translate(FULL_WIDTH), outcome="unsatisfied")
    response = post_action(client, dispatcher, unhappy, "revisit", data)
    assert response.status_code == 302
    assert Revisit.objects.get().at == moment.replace(second=0, microsecond=0)


def test_the_desk_reopens_from_the_page_and_the_unit_finds_it_in_progress(
    client, dispatcher, handler, unhappy
):
    post_action(client, dispatcher, unhappy, "revisit", revisit_data(outcome="unsatisfied"))
    response = post_action(client, dispatcher, unhappy, "reopen", {"reason": ""})
    assert response.status_code == 422 and "请填写重新办理的理由。" in response.content.decode()

    response = post_action(client, dispatcher, unhappy, "reopen", {"reason": "回访仍不满意，请现场核实。"})
    assert response.status_code == 302
    unhappy.refresh_from_db()
    assert unhappy.state == MessageState.IN_PROGRESS and unhappy.supervised
    assert "已交临沧市教育局重新办理" in client.get(response["Location"]).content.decode()
    client.force_login(handler)
    assert "学校门口早高峰拥堵" in client.get("/workbench/queues/unit_in_progress/").content.decode()


def test_the_unit_may_revisit_but_not_reopen(client, handler, unhappy):
    client.force_login(handler)
    html = client.get(f"/workbench/messages/{unhappy.pk}/").content.decode()
    assert "/revisit/#revisit" in html and "/reopen/#reopen" not in html
    response = post_action(client, handler, unhappy, "reopen", {"reason": "想重新办理"})
    assert response.status_code == 403
    response = post_action(client, handler, unhappy, "revisit", revisit_data(method="visit"))
    assert response.status_code == 302
    assert Revisit.objects.get().unit.code == "530900-education"


def test_another_unit_sees_no_revisit_form_and_may_not_post_one(client, other_handler, unhappy):
    response = post_action(client, other_handler, unhappy, "revisit", revisit_data())
    assert response.status_code == 404  # outside its workbench, as every action there
    assert not Revisit.objects.exists()


def test_a_follow_up_reaches_the_unit_s_queue_and_its_page_offers_the_answer(
    client, handler, dispatcher, citizen, admin_user
):
    message = make_message(citizen, admin_user, MessageState.REPLIED, title="校车接送时间不合理")
    feedback.follow_up_message(citizen, message.id, "请问校车时间什么时候调整？")
    client.force_login(handler)
    assert "校车接送时间不合理" in client.get("/workbench/queues/unit_follow_ups/").content.decode()
    html = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert "这条留言当前没有您可以进行的操作" not in html
    assert "答复追问" in html and f'action="/workbench/messages/{message.pk}/reply/#reply"' in html

    response = post_action(client, handler, message, "reply", {"body": "校车时间将于下周一起提前十分钟。"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == MessageState.REPLY_REVIEW and message.follow_up_deadline is None
    client.force_login(dispatcher)
    assert "校车接送时间不合理" not in client.get("/workbench/queues/desk_follow_ups/").content.decode()


def test_a_replied_message_without_a_follow_up_offers_the_unit_no_reply_form(
    client, handler, citizen, admin_user
):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    client.force_login(handler)
    html = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert "/reply/#reply" not in html


def test_the_citizen_is_told_what_happens_next(client, citizen, unhappy):
    client.force_login(citizen)
    html = client.get(f"/messages/{unhappy.pk}/").content.decode()
    assert "留言办理工作机构将对您进行回访" in html and "已办结" not in html
    assert f'action="/messages/{unhappy.pk}/follow-up/"' in html

    response = client.post(f"/messages/{unhappy.pk}/follow-up/", {"text": "早高峰还是很堵，请再看看。"})
    deadline = timezone.localtime(Message.objects.get(pk=unhappy.pk).follow_up_deadline)
    html = client.get(response["Location"]).content.decode()
    assert f"追问已提交，办理单位将在 {deadline:%Y-%m-%d %H:%M} 前答复" in html
    assert "您的追问已转交办理单位" in html


def test_the_public_timeline_shows_the_revisit_without_what_was_said(client, dispatcher, unhappy):
    post_action(client, dispatcher, unhappy, "revisit", revisit_data(method="video", outcome="satisfied"))
    client.logout()
    html = client.get(f"/messages/{unhappy.pk}/").content.decode()
    assert "留言办理工作机构视频回访，留言人表示满意" in html
    assert "基本不堵了" not in html
    assert Message.objects.get(pk=unhappy.pk).events.filter(kind=EventKind.REVISITED).count() == 1
