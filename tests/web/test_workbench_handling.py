"""A unit's actions from the workbench: accept, transfer, return, ask for an extension and reply (also
jointly) — for the unit holding the message, and 404 for another unit."""

import pytest

from liuyan.board.choices import EventKind, ExtensionState, MessageState, ReplyState
from liuyan.board.models import Event, ExtensionRequest, Reply
from liuyan.directory.models import Unit
from tests.conftest import post_action
from tests.factories import make_message, other_unit, unit_of

pytestmark = pytest.mark.django_db


def test_accept_from_the_queue(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    response = post_action(client, handler, message, "accept", {"next": "/workbench/queues/unit_to_accept/"})
    assert response["Location"] == "/workbench/queues/unit_to_accept/"
    message.refresh_from_db()
    assert message.state == MessageState.IN_PROGRESS and message.accepted_at is not None
    html = client.get(response["Location"]).content.decode()
    assert f"已受理留言 {message.serial}" in html


def test_accepting_twice_is_an_error_flash(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    response = post_action(client, handler, message, "accept", follow=True)
    assert "这条留言当前状态为“办理中”，不能受理。" in response.content.decode()


def test_another_unit_gets_404(client, other_handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    assert post_action(client, other_handler, message, "accept").status_code == 404
    assert post_action(client, other_handler, message, "return", {"reason": "不归我们管"}).status_code == 404
    message.refresh_from_db()
    assert message.state == MessageState.ASSIGNED


def test_out_of_scope_handler_gets_404_in_beijing(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED, inside=False)
    assert post_action(client, handler, message, "accept").status_code == 404


def test_transfer_needs_a_note_then_goes_back_to_the_queue(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    target = other_unit(True)
    response = post_action(client, handler, message, "transfer", {"unit_id": target.pk, "note": ""})
    assert response.status_code == 422 and "请填写转办说明。" in response.content.decode()
    response = post_action(
        client, handler, message, "transfer", {"unit_id": target.pk, "note": "属住建部门职责"}
    )
    assert response["Location"] == "/workbench/"
    message.refresh_from_db()
    assert (message.state, message.unit_id) == (MessageState.ASSIGNED, target.pk)
    # The message left the unit: its page is now out of the handler's scope.
    assert client.get(f"/workbench/messages/{message.pk}/").status_code == 404


def test_transfer_to_its_own_unit_is_refused_next_to_the_field(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    response = post_action(
        client, handler, message, "transfer", {"unit_id": message.unit_id, "note": "转给自己"}
    )
    assert response.status_code == 422
    assert '<p class="error" id="transfer-unit_id_error">不能转办给本单位。</p>' in response.content.decode()


def test_return_to_the_desk(client, handler, dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    response = post_action(client, handler, message, "return", {"reason": ""})
    assert response.status_code == 422 and "请填写退回理由。" in response.content.decode()
    post_action(client, handler, message, "return", {"reason": "不属于教育部门职责"})
    message.refresh_from_db()
    assert message.state == MessageState.PUBLISHED and message.unit_id is None
    assert Event.objects.get(message=message, kind=EventKind.RETURNED).note == "不属于教育部门职责"
    client.force_login(dispatcher)
    assert "学校门口交通拥堵" in client.get("/workbench/queues/desk_returned/").content.decode()


@pytest.mark.parametrize(("days", "error"), [("", "请填写延期天数。"), ("abc", "请输入整数天数。"),
                                             ("31", "延期天数应为 1–30 个工作日。")])  # fmt: skip
def test_extension_request_errors_keep_the_reason(client, handler, citizen, admin_user, days, error):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    response = post_action(
        client, handler, message, "request-extension", {"days": days, "reason": "需要调取档案"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert error in html and "需要调取档案</textarea>" in html
    assert not ExtensionRequest.objects.filter(message=message).exists()


def test_request_an_extension(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    response = post_action(
        client, handler, message, "request-extension", {"days": "5", "reason": "需要调取档案"}, follow=True
    )
    assert "已申请延期 5 个工作日" in response.content.decode()
    extension = ExtensionRequest.objects.get(message=message)
    assert (extension.days, extension.state, extension.requested_by) == (5, ExtensionState.PENDING, handler)


def test_reply_too_short_keeps_the_text(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    response = post_action(client, handler, message, "reply", {"body": "已处理"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "回复内容至少 10 个字。" in html and "\n已处理</textarea>" in html


def test_joint_reply_answers_the_chosen_messages(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    other = make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="另一所学校门口也拥堵")
    body = "经核查，已协调交警部门在上下学时段安排警力疏导，并增设临时停车点。"
    response = post_action(
        client, handler, message, "reply", {"body": body, "also_message_ids": [other.pk]}, follow=True
    )
    assert "回复已提交审核，同时答复另外 1 条留言。" in response.content.decode()
    reply = Reply.objects.get(body=body)
    assert reply.state == ReplyState.IN_REVIEW
    assert set(reply.messages.values_list("pk", flat=True)) == {message.pk, other.pk}
    message.refresh_from_db()
    other.refresh_from_db()
    assert message.state == other.state == MessageState.REPLY_REVIEW


def test_joint_reply_with_a_message_of_another_unit_is_refused(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    beijing = make_message(citizen, admin_user, MessageState.IN_PROGRESS, inside=False)
    body = "经核查，已协调交警部门在上下学时段安排警力疏导。"
    response = post_action(
        client, handler, message, "reply", {"body": body, "also_message_ids": [beijing.pk]}
    )
    # The other message is public, so the refusal is "not yours to handle" rather than "missing".
    assert response.status_code == 403 and "您没有办理这条留言的权限。" in response.content.decode()
    message.refresh_from_db()
    assert message.state == MessageState.IN_PROGRESS


def test_dispatcher_may_not_reply(client, dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    response = post_action(
        client, dispatcher, message, "reply", {"body": "这是一份由工作机构代写的回复内容。"}
    )
    assert response.status_code == 403


def test_transfer_out_of_the_units_place_is_refused_in_chinese(client, handler, citizen, admin_user):
    """临沧市教育局 cannot hand a message to 北京 朝阳区教育局: the page says why, next to the unit field,
    and the message stays put."""
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    beijing = other_unit(False)
    response = post_action(
        client, handler, message, "transfer", {"unit_id": beijing.pk, "note": "转北京办理"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    error = '<p class="error" id="transfer-unit_id_error">临沧市教育局只能转办给临沧市及其下辖地区的单位'
    assert error in html
    assert f"请退回{message.desk.name}重新交办。" in html
    message.refresh_from_db()
    assert (message.state, message.unit_id) == (MessageState.IN_PROGRESS, unit_of(True).pk)


def test_transfer_picker_offers_only_the_units_place(client, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    client.force_login(handler)
    picker = client.get(f"/workbench/messages/{message.pk}/").context["pickers"]["transfer"]
    offered = {pk for _label, units in picker["groups"] for pk, _name in units}
    city = unit_of(True).region
    units = Unit.objects.select_related("region").filter(pk__in=offered)
    assert units and all(unit.region and unit.region.path.startswith(city.path) for unit in units)
    assert other_unit(True).pk in offered and unit_of(True).pk not in offered
    # Searched by name, a unit elsewhere is not offered either.
    response = client.get(f"/workbench/messages/{message.pk}/units/transfer/?unit_q=朝阳区 住房")
    assert "朝阳区住房和城乡建设局" not in response.content.decode()
    response = client.get(f"/workbench/messages/{message.pk}/units/transfer/?unit_q=教育部")
    assert "教育部" not in response.content.decode().replace("请选择办理单位", "")
