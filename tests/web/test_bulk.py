"""The workbench's bulk form (POST /workbench/bulk/): the ticked rows through the board's actions, a summary
page after a redirect, a flash with the totals, and clear refusals in Chinese."""

import pytest
from django.urls import reverse

from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from liuyan.directory.models import Domain
from liuyan.intelligence.routing_choice import suggested_unit_ids
from tests.conftest import unit
from tests.factories import latest_reply, make_message
from tests.second_factor import SecondFactorClient

pytestmark = pytest.mark.django_db
URL = "/workbench/bulk/"
QUEUE = "/workbench/queues/desk_incoming/?sort=oldest"


def test_the_url_has_the_name_the_toolbar_uses():
    assert reverse("web:workbench-bulk") == URL


def test_a_desk_assigns_the_ticked_rows_to_their_suggestions(client, dispatcher, citizen, admin_user):
    messages = [make_message(citizen, admin_user, MessageState.PUBLISHED) for _ in range(3)]
    outside = make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False)
    client.force_login(dispatcher)
    ids = [m.pk for m in messages] + [outside.pk]
    response = client.post(URL, {"action": "assign", "ids": ids, "unit_id": "", "next": QUEUE})
    assert response.status_code == 302 and response["Location"] == URL
    page = client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert "已完成 3 条，未完成 1 条。" in html  # the flash
    assert "批量交办结果" in html and html.count("已交办给永德县教育局。") == 3
    assert "留言不存在。" in html and outside.serial not in html
    assert f'href="{QUEUE.replace("&", "&amp;")}"' in html or f'href="{QUEUE}"' in html
    target = unit("530923-education")
    for message in messages:
        message.refresh_from_db()
        assert message.state == MessageState.ASSIGNED and message.unit == target
        assert message.events.filter(kind=EventKind.ASSIGNED, actor=dispatcher).count() == 1
    assert Message.objects.get(pk=outside.pk).state == MessageState.PUBLISHED
    # Reloading the summary shows it again and runs nothing.
    assert "批量交办结果" in client.get(URL).content.decode()
    assert Event.objects.filter(kind=EventKind.ASSIGNED).count() == 3


def test_each_row_goes_to_the_suggestion_its_queue_page_showed(client, dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    client.force_login(dispatcher)
    page = client.get("/workbench/queues/desk_incoming/").content.decode()
    assert "永德县教育局" in page  # the row's suggestion
    # Were the suggestion worked out again now, the new domain would send it elsewhere.
    Message.objects.filter(pk=message.pk).update(
        domain=Domain.objects.get(name="交通", parent=None),
        title="乡村公路破损严重",
        body="村里通往镇上的公路坑洼很多，雨天积水，车辆通行困难。",
    )
    assert suggested_unit_ids(dispatcher, [message.pk])[message.pk] != unit("530923-education").pk
    client.post(URL, {"action": "assign", "ids": [message.pk, message.pk], "unit_id": ""})
    message.refresh_from_db()
    assert message.state == MessageState.ASSIGNED and message.unit == unit("530923-education")


def test_assigning_all_to_one_chosen_unit(client, dispatcher, citizen, admin_user):
    messages = [make_message(citizen, admin_user, MessageState.PUBLISHED) for _ in range(2)]
    target = unit("530900-housing")
    client.force_login(dispatcher)
    response = client.post(
        URL, {"action": "assign", "ids": [m.pk for m in messages], "unit_id": target.pk, "note": "统一交办"}
    )
    html = client.get(response["Location"]).content.decode()
    assert "已完成 2 条，未完成 0 条。" in html and html.count("已交办给临沧市住房和城乡建设局。") == 2
    assert Event.objects.filter(kind=EventKind.ASSIGNED, unit=target, note="统一交办").count() == 2


def test_an_editor_publishes_and_approves_replies(client, editor, citizen, admin_user):
    pending = [make_message(citizen, admin_user) for _ in range(2)]
    in_review = make_message(citizen, admin_user, MessageState.REPLY_REVIEW)
    client.force_login(editor)
    response = client.post(URL, {"action": "publish", "ids": [m.pk for m in pending]}, follow=True)
    html = response.content.decode()
    assert "批量刊发结果" in html and "已完成 2 条，未完成 0 条。" in html
    assert all(m.serial in html for m in pending)
    assert Message.objects.filter(pk__in=[m.pk for m in pending], state=MessageState.PUBLISHED).count() == 2
    other = make_message(citizen, admin_user, MessageState.REPLY_REVIEW)
    reply_ids = [latest_reply(in_review).pk, latest_reply(other).pk]
    response = client.post(URL, {"action": "approve-reply", "ids": reply_ids}, follow=True)
    html = response.content.decode()
    assert "批量发布回复结果" in html and f"回复留言 {in_review.serial}" in html
    assert Message.objects.filter(pk__in=[in_review.pk, other.pk], state=MessageState.REPLIED).count() == 2


def test_a_single_row_goes_back_to_the_queue_with_its_result(client, editor, dispatcher, citizen, admin_user):
    pending = make_message(citizen, admin_user)
    client.force_login(editor)
    queue = "/workbench/queues/to_moderate/"
    response = client.post(URL, {"action": "publish", "ids": [pending.pk], "next": queue})
    assert response.status_code == 302 and response["Location"] == queue
    html = client.get(queue).content.decode()
    assert f"已完成 1 条，未完成 0 条。留言 {pending.serial}：已刊发，推送到临沧市留言办理工作机构。" in html
    response = client.post(URL, {"action": "publish", "ids": [pending.pk], "next": queue}, follow=True)
    html = response.content.decode()
    assert f"已完成 0 条，未完成 1 条。留言 {pending.serial}：这条留言当前状态为“待交办”，不能刊发。" in html
    client.force_login(dispatcher)
    reply = latest_reply(make_message(citizen, admin_user, MessageState.REPLY_REVIEW, inside=False))
    response = client.post(
        URL, {"action": "approve-reply", "ids": [reply.pk], "next": "/workbench/"}, follow=True
    )
    assert "已完成 0 条，未完成 1 条。该条：回复不存在。" in response.content.decode()


def test_hiding_without_a_reason_is_refused_before_any_row(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    client.force_login(editor)
    response = client.post(URL, {"action": "hide", "ids": [message.pk], "next": "/workbench/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/workbench/"
    assert "请填写隐藏理由。" in response.content.decode()
    assert not Message.objects.get(pk=message.pk).hidden


def test_no_ids_ticked_goes_back_with_a_clear_error(client, dispatcher):
    client.force_login(dispatcher)
    response = client.post(URL, {"action": "assign", "next": QUEUE})
    assert response.status_code == 302 and response["Location"] == QUEUE
    html = client.get(QUEUE).content.decode()
    assert "请先勾选要交办的留言。" in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"ids": ["1"]}, "请选择批量操作。"),
        ({"action": "delete", "ids": ["1"]}, "请选择有效的批量操作。"),
        ({"action": "publish", "ids": ["abc"]}, "所选的编号无效，请刷新页面后重新勾选。"),
        ({"action": "publish", "ids": [str(10**20)]}, "所选的编号无效，请刷新页面后重新勾选。"),
        ({"action": "publish", "ids": ["１２"]}, "所选的编号无效，请刷新页面后重新勾选。"),
        ({"action": "assign", "ids": ["1"], "unit_id": "x"}, "请选择有效的办理单位。"),
        ({"action": "remind", "ids": ["1"], "note": "a\x00b"}, "不能包含控制字符"),
        ({"action": "publish", "ids": [str(n) for n in range(1, 202)]}, "一次最多操作 200 条，已选 201 条"),
    ],
)
def test_hostile_input_is_refused_in_chinese(client, editor, data, error):
    client.force_login(editor)
    response = client.post(URL, {**data, "next": "https://evil.example/"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/workbench/"  # a foreign `next` is not followed
    assert error in response.content.decode()
    assert not Event.objects.filter(kind=EventKind.PUBLISHED).exists()


def test_the_summary_without_a_bulk_action_goes_to_the_workbench(client, dispatcher):
    client.force_login(dispatcher)
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == "/workbench/"


def test_signed_out_users_go_to_the_login_page(client, citizen, admin_user):
    message = make_message(citizen, admin_user)
    response = client.post(URL, {"action": "publish", "ids": [message.pk]})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert Message.objects.get(pk=message.pk).state == MessageState.PENDING_REVIEW


def test_a_citizen_has_no_workbench(client, citizen, admin_user):
    message = make_message(citizen, admin_user)
    client.force_login(citizen)
    response = client.post(URL, {"action": "publish", "ids": [message.pk]})
    assert response.status_code == 403 and "您没有使用工作台的权限。" in response.content.decode()
    assert Message.objects.get(pk=message.pk).state == MessageState.PENDING_REVIEW


def test_the_form_needs_its_csrf_token(dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    client = SecondFactorClient(enforce_csrf_checks=True)
    client.force_login(dispatcher)
    response = client.post(URL, {"action": "assign", "ids": [message.pk]})
    assert response.status_code == 403
    assert Message.objects.get(pk=message.pk).state == MessageState.PUBLISHED
