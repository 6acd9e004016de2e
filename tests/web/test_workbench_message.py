"""The handling page of one message (/workbench/messages/<id>/): who may open it, what it shows, which
action forms each role gets, the searchable unit picker, and bounded queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import handling, oversight, replies
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.directory.models import Unit
from tests.factories import latest_reply, make_message

pytestmark = pytest.mark.django_db


def page(client, user, message):
    client.force_login(user)
    return client.get(f"/workbench/messages/{message.pk}/")


def action_routes(html: str, message) -> set[str]:
    prefix = f'action="/workbench/messages/{message.pk}/'
    names = {
        "publish", "reject", "hide", "unhide", "approve-reply", "send-back-reply", "assign",
        "decide-extension", "remind", "supervise", "accept", "transfer", "return",
        "request-extension", "reply", "instruct",
    }  # fmt: skip
    return {name for name in names if f'{prefix}{name}/"' in html or f"{prefix}{name}/#" in html}


def test_anonymous_visitor_is_sent_to_log_in(client, citizen, admin_user):
    message = make_message(citizen, admin_user)
    response = client.get(f"/workbench/messages/{message.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_citizen_gets_404_even_for_their_own_message(client, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    assert page(client, citizen, message).status_code == 404


def test_out_of_scope_handler_gets_404_for_a_message_in_beijing(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS, inside=False)
    assert page(client, handler, message).status_code == 404


@pytest.mark.parametrize("role", ["dispatcher", "leader", "other_handler"])
def test_other_staff_out_of_scope_get_404(client, request, role, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS, inside=role == "other_handler")
    assert page(client, request.getfixturevalue(role), message).status_code == 404


def test_missing_message_is_404(client, editor):
    client.force_login(editor)
    assert client.get("/workbench/messages/999999/").status_code == 404


def test_editor_opens_any_message_unmasked_with_the_full_record(client, editor, citizen, admin_user):
    message = make_message(
        citizen,
        admin_user,
        MessageState.REPLY_REVIEW,
        inside=False,
        body="我的电话是13912345678，小区门口的路灯坏了三个月，晚上出行很不安全。",
        contact_phone="13912345678",
    )
    response = page(client, editor, message)
    assert response.status_code == 200
    html = response.content.decode()
    assert "13912345678" in html  # unmasked for staff
    assert "提交留言" in html and "审核刊发" in html and "交办" in html and "提交回复" in html
    assert "已安排交警在上下学时段疏导交通" in html
    assert action_routes(html, message) == {"approve-reply", "send-back-reply", "hide"}


def test_forms_follow_the_role_and_the_state(
    client, editor, dispatcher, handler, leader, citizen, admin_user
):
    pending = make_message(citizen, admin_user)
    published = make_message(citizen, admin_user, MessageState.PUBLISHED)
    assigned = make_message(citizen, admin_user, MessageState.ASSIGNED)
    working = make_message(citizen, admin_user, MessageState.IN_PROGRESS)

    assert action_routes(page(client, editor, pending).content.decode(), pending) == {
        "publish",
        "reject",
        "hide",
    }
    assert action_routes(page(client, dispatcher, published).content.decode(), published) == {
        "assign",
        "supervise",
    }
    assert action_routes(page(client, dispatcher, assigned).content.decode(), assigned) == {
        "assign",
        "remind",
        "supervise",
    }
    # 受理并回复: the reply form of a message awaiting acceptance accepts it first.
    assert action_routes(page(client, handler, assigned).content.decode(), assigned) == {
        "accept",
        "reply",
        "transfer",
        "return",
    }
    assert action_routes(page(client, handler, working).content.decode(), working) == {
        "reply",
        "request-extension",
        "transfer",
        "return",
    }
    assert action_routes(page(client, leader, working).content.decode(), working) == {"supervise", "instruct"}


def test_desk_decides_a_pending_extension_on_the_page(client, dispatcher, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    extension = handling.request_extension(handler, message.pk, 5, "需要多个部门联合核查")
    html = page(client, dispatcher, message).content.decode()
    assert "decide-extension" in action_routes(html, message)
    assert f'name="extension_id" value="{extension.pk}"' in html
    assert "需要多个部门联合核查" in html and "待审批" in html
    handler_html = page(client, handler, message).content.decode()
    assert "request-extension" not in action_routes(handler_html, message)  # one pending at a time


def test_page_shows_deadlines_as_date_and_working_time(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    Message.objects.filter(pk=message.pk).update(
        reply_deadline=timezone.now() + timedelta(hours=5, minutes=30)
    )
    html = page(client, handler, message).content.decode()
    assert 'class="deadline due-soon"' in html and "（剩 5 小时）" in html


def test_page_shows_sent_back_replies_with_review_notes_and_instructions(
    client, handler, leader, editor, citizen, admin_user
):
    message = make_message(citizen, admin_user, MessageState.REPLY_REVIEW)
    replies.send_back_reply(editor, latest_reply(message).pk, "答复过于笼统，请说明具体措施")
    oversight.instruct_message(leader, message.pk, "请教育局一周内拿出解决方案")
    html = page(client, handler, message).content.decode()
    assert "已退回" in html and "答复过于笼统，请说明具体措施" in html
    assert "请教育局一周内拿出解决方案" in html and "临沧市" in html


def test_joint_reply_offers_the_units_other_messages_in_progress(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    other = make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="另一所学校门口也拥堵")
    elsewhere = make_message(citizen, admin_user, MessageState.IN_PROGRESS, inside=False, title="北京的留言")
    html = page(client, handler, message).content.decode()
    assert f'name="also_message_ids" value="{other.pk}"' in html and "另一所学校门口也拥堵" in html
    assert f'name="also_message_ids" value="{elsewhere.pk}"' not in html
    assert f'name="also_message_ids" value="{message.pk}"' not in html


class TestUnitPicker:
    def test_units_of_the_messages_region_come_first(self, client, dispatcher, citizen, admin_user):
        message = make_message(citizen, admin_user, MessageState.PUBLISHED)  # region 永德县
        response = page(client, dispatcher, message)
        groups = response.context["pickers"]["assign"]["groups"]
        # The county first, then the prefecture above it, then the counties beside it.
        assert [label for label, _units in groups[:3]] == [
            "永德县（530923）",
            "临沧市（530900）",
            "临翔区（530902）",
        ]
        assert response.context["pickers"]["assign"]["more"] is True  # 100 shown, more in scope
        desks = Unit.objects.filter(kind="desk").values_list("pk", flat=True)
        offered = {pk for _label, units in groups for pk, _name in units}
        assert not offered & set(desks)

    def test_text_filter_narrows_the_list_without_javascript(self, client, dispatcher, citizen, admin_user):
        message = make_message(citizen, admin_user, MessageState.PUBLISHED)
        client.force_login(dispatcher)
        response = client.get(f"/workbench/messages/{message.pk}/?unit_q=教育")
        picker = response.context["pickers"]["assign"]
        names = [name for _label, units in picker["groups"] for _pk, name in units]
        assert names[0] == "永德县教育局" and "临沧市教育局" in names and "教育部" in names
        assert all("教育" in name for name in names) and picker["more"] is False
        html = response.content.decode()
        assert 'name="unit_q" value="教育"' in html
        assert "北京" not in "".join(label for label, _units in picker["groups"])  # outside the desk's scope

    def test_options_fragment_for_the_script(self, client, handler, citizen, admin_user):
        message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
        client.force_login(handler)
        response = client.get(f"/workbench/messages/{message.pk}/units/transfer/?unit_q=永德县 住房")
        html = response.content.decode()
        assert response.status_code == 200
        assert "永德县住房和城乡建设局" in html and "<optgroup" in html
        assert client.get(f"/workbench/messages/{message.pk}/units/other/").status_code == 404

    def test_options_fragment_is_404_out_of_scope(self, client, other_handler, citizen, admin_user):
        message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
        client.force_login(other_handler)
        assert client.get(f"/workbench/messages/{message.pk}/units/transfer/").status_code == 404


@pytest.mark.parametrize("role", ["editor", "dispatcher", "handler", "leader", "admin_user"])
def test_handling_page_stays_within_thirty_one_queries(
    client, request, citizen, admin_user, handler, django_assert_max_num_queries, role
):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    for _ in range(20):
        make_message(citizen, admin_user, MessageState.IN_PROGRESS)  # candidates for a joint reply
    handling.request_extension(handler, message.pk, 3, "需要补充材料")
    oversight.instruct_message(admin_user, message.pk, "请抓紧办理")
    client.force_login(request.getfixturevalue(role))
    with django_assert_max_num_queries(31):  # one of them the access record's INSERT (个人信息保护法)
        response = client.get(f"/workbench/messages/{message.pk}/")
    assert response.status_code == 200
