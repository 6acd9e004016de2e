"""Editors' 跟踪督办 / 报道线索 on the workbench: the form on the handling page, the 跟踪留言 queue with each
message's progress, its CSV / XLSX export, and refusals (other roles, bad input) — through the front door,
and through the API."""

import csv
import io

import pytest
from openpyxl import load_workbook

from liuyan.board.actions import dispatch, marks
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import EditorMark, Event
from tests.api_client import ApiClient
from tests.conftest import post_action
from tests.factories import make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(citizen, admin_user):
    return make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="老旧小区加装电梯进展缓慢")


def test_the_handling_page_offers_editors_the_mark_form(client, editor, message):
    client.force_login(editor)
    html = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert f'action="/workbench/messages/{message.pk}/mark/#marks"' in html
    assert 'value="track"' in html and 'value="lead"' in html


@pytest.mark.parametrize("role", ["dispatcher", "handler", "leader"])
def test_other_staff_get_no_mark_form_and_are_refused(client, request, role, message):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert "/mark/" not in client.get(f"/workbench/messages/{message.pk}/").content.decode()
    response = post_action(client, user, message, "mark", {"kind": "track", "note": "越权"})
    assert response.status_code == 403
    assert not EditorMark.objects.exists()


def test_an_editor_marks_and_unmarks_from_the_handling_page(client, editor, message):
    response = post_action(client, editor, message, "mark", {"kind": "lead", "note": "可做专题"}, follow=True)

    html = response.content.decode()
    assert "已将留言标记为报道线索" in html and "可做专题" in html
    assert '<input type="hidden" name="kind" value="lead">' in html  # the open mark, with its 取消 button
    assert 'type="radio" name="kind" value="track"' in html  # the form offers the other kind only
    assert 'type="radio" name="kind" value="lead"' not in html
    event = Event.objects.filter(message=message).latest("id")
    assert (event.kind, event.actor, event.note) == (EventKind.MARKED, editor, "报道线索：可做专题")

    response = post_action(client, editor, message, "unmark", {"kind": "lead"}, follow=True)
    assert "已取消报道线索标记。" in response.content.decode()
    assert EditorMark.objects.get(message=message).cleared_by == editor


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"kind": "", "note": "x"}, "请选择标记类型。"),
        ({"kind": "delete", "note": "x"}, "请选择标记类型：跟踪督办或报道线索。"),
        ({"kind": "track", "note": "长" * 501}, "标记说明不能超过 500 个字。"),
        ({"kind": "track", "note": "含\x00控制字符"}, ""),
    ],
)
def test_bad_marks_are_refused_in_chinese(client, editor, message, data, error):
    response = post_action(client, editor, message, "mark", data)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not EditorMark.objects.exists()


def test_marking_twice_says_so_and_unmarking_nothing_too(client, editor, message):
    post_action(client, editor, message, "mark", {"kind": "track"})
    twice = post_action(client, editor, message, "mark", {"kind": "track", "note": "再来"})
    assert twice.status_code == 422 and "这条留言已标记为跟踪督办。" in twice.content.decode()
    none = post_action(client, editor, message, "unmark", {"kind": "lead"}, follow=True)
    assert "这条留言没有报道线索标记。" in none.content.decode()
    assert EditorMark.objects.filter(message=message).count() == 1


def test_the_marks_are_not_on_the_public_timeline(client, editor, message):
    marks.mark_message(editor, message.id, "track", "内部跟踪说明")
    client.logout()
    html = client.get(f"/messages/{message.pk}/").content.decode()
    assert "编辑标记" not in html and "内部跟踪说明" not in html


def test_the_tracked_queue_shows_each_messages_progress(client, editor, citizen, admin_user, message):
    waiting = make_message(citizen, admin_user, MessageState.PUBLISHED, title="农村公路破损严重")
    replied = make_message(citizen, admin_user, MessageState.REPLIED, title="学校食堂价格偏高")
    marks.mark_message(editor, message.id, "track", "跟踪到底")
    marks.mark_message(editor, waiting.id, "lead", "")
    marks.mark_message(editor, replied.id, "track")
    client.force_login(editor)

    response = client.get("/workbench/queues/tracked/")

    html = response.content.decode()
    assert response.status_code == 200 and "跟踪留言" in html
    assert (
        html.index("学校食堂价格偏高")
        < html.index("农村公路破损严重")
        < html.index("老旧小区加装电梯进展缓慢")
    )
    assert "跟踪到底" in html and "临沧市教育局" in html and "（待交办）" in html
    assert "已回复" in html and "未回复" in html and "剩 " in html  # the running deadline, with time left
    assert (
        'href="/workbench/queues/tracked/" aria-current="page">跟踪留言<span class="count">3</span>' in html
    )


def test_the_tracked_list_exports_as_csv_and_xlsx(client, editor, citizen, admin_user, message):
    replied = make_message(citizen, admin_user, MessageState.REPLIED, title="学校食堂价格偏高")
    marks.mark_message(editor, message.id, "track", '=HYPERLINK("x")')
    marks.mark_message(editor, replied.id, "lead")
    client.force_login(editor)

    response = client.get("/workbench/queues/tracked/export.csv")

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["标题"] for r in rows] == ["学校食堂价格偏高", "老旧小区加装电梯进展缓慢"]
    assert rows[0]["报道线索"] == "是" and rows[0]["跟踪督办"] == "" and rows[0]["状态"] == "已回复"
    assert rows[1]["跟踪督办"] == '\'=HYPERLINK("x")'  # kept text, not a formula
    assert rows[1]["办理单位"] == "临沧市教育局" and rows[1]["回复时间"] == ""

    response = client.get("/workbench/queues/tracked/export.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header[:8] == ["留言编号", "标题", "地区", "类型", "领域", "跟踪督办", "报道线索", "标记时间"]
    assert sheet.max_row == 3


def test_only_editors_see_and_export_the_tracked_queue(client, dispatcher, leader):
    for user in (dispatcher, leader):
        client.force_login(user)
        assert client.get("/workbench/queues/tracked/").status_code == 404
        assert client.get("/workbench/queues/tracked/export.csv").status_code == 404


def test_a_returned_marked_message_shows_back_at_the_desk(client, editor, handler, message):
    marks.mark_message(editor, message.id, "track")
    dispatch.return_message(handler, message.id, "不属于本单位职责")
    client.force_login(editor)
    html = client.get("/workbench/queues/tracked/").content.decode()
    assert "（待交办）" in html and "—" in html  # no deadline runs


def test_the_api_marks_and_unmarks(editor, citizen, message):
    api = ApiClient(editor)
    response = api.post(f"/messages/{message.pk}/mark", {"kind": "track", "note": "接口标记"})
    assert response.status_code == 200, response.content
    assert EditorMark.objects.get(message=message, cleared_at=None).note == "接口标记"
    bad = api.post(f"/messages/{message.pk}/mark", {"kind": "bogus"})
    assert bad.status_code == 422 and bad.json()["error"]["message"] == "请选择标记类型：跟踪督办或报道线索。"
    assert api.post(f"/messages/{message.pk}/unmark", {"kind": "track"}).status_code == 200
    refused = ApiClient(citizen).post(f"/messages/{message.pk}/mark", {"kind": "track"})
    assert refused.status_code in (403, 404)


def test_the_tracked_page_reads_a_bounded_number_of_queries(
    client, editor, citizen, admin_user, django_assert_max_num_queries
):
    for n in range(25):
        marked = make_message(citizen, admin_user, MessageState.PUBLISHED, title=f"跟踪的留言第{n}条")
        marks.mark_message(editor, marked.id, "track" if n % 2 else "lead", f"说明{n}")
    client.force_login(editor)
    with django_assert_max_num_queries(25):  # 21 measured: the rows' marks and relations do not add per row
        response = client.get("/workbench/queues/tracked/")
    assert response.status_code == 200 and response.content.decode().count("跟踪的留言第") == 20
    assert client.get("/workbench/queues/tracked/?page=2").content.decode().count("跟踪的留言第") == 5


def test_a_bad_unmark_or_a_missing_message_is_answered_plainly(client, editor, message):
    marks.mark_message(editor, message.id, "track")
    response = post_action(client, editor, message, "unmark", {"kind": "\x00"})
    assert response.status_code == 422 and "请选择要取消的标记。" in response.content.decode()
    assert EditorMark.objects.get(message=message).cleared_at is None
    client.force_login(editor)
    assert client.post("/workbench/messages/999999999/mark/", {"kind": "track"}).status_code == 404
    assert client.post(f"/workbench/messages/{10**20}/mark/", {"kind": "track"}).status_code == 404
