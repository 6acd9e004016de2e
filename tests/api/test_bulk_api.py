"""POST /api/v1/messages/bulk/{action}: one result per id, each row through the board's own action; bad
bodies answer 422 and unknown actions 404, in the API's error shape."""

import pytest

from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from tests.api.openapi import assert_matches_openapi
from tests.api_client import ApiClient, ok
from tests.conftest import unit
from tests.factories import latest_reply, make_message

pytestmark = pytest.mark.django_db
PATH = "/api/v1/messages/bulk/{action}"


def bulk(user, action: str, body):
    client = ApiClient(user)
    return client.client.post(
        f"/api/v1/messages/bulk/{action}", body, content_type="application/json", headers=client.headers
    )


def test_a_desk_assigns_to_each_rows_suggestion(dispatcher, citizen, admin_user):
    messages = [make_message(citizen, admin_user, MessageState.PUBLISHED) for _ in range(3)]
    outside = make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False)
    ids = [m.pk for m in messages] + [outside.pk, messages[0].pk]
    response = bulk(dispatcher, "assign", {"ids": ids, "note": "按系统建议交办"})
    body = assert_matches_openapi(response, "POST", PATH)
    assert response.status_code == 200
    assert (body["action"], body["done"], body["refused"]) == ("assign", 3, 1)
    assert body["results"] == [
        *(
            {"id": m.pk, "serial": m.serial, "done": True, "message": "已交办给永德县教育局。"}
            for m in messages
        ),
        {"id": outside.pk, "serial": None, "done": False, "message": "留言不存在。"},
    ]
    assert Event.objects.filter(kind=EventKind.ASSIGNED, actor=dispatcher, note="按系统建议交办").count() == 3
    assert Message.objects.get(pk=outside.pk).state == MessageState.PUBLISHED


def test_assigning_to_one_unit_and_refusals_per_row(dispatcher, citizen, admin_user):
    published = make_message(citizen, admin_user, MessageState.PUBLISHED)
    accepted = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    target = unit("530900-housing")
    body = ok(bulk(dispatcher, "assign", {"ids": [published.pk, accepted.pk], "unit_id": target.pk}))
    assert [(r["done"], r["message"]) for r in body["results"]] == [
        (True, "已交办给临沧市住房和城乡建设局。"),
        (False, "这条留言当前状态为“办理中”，不能交办。"),
    ]
    assert body["results"][1]["serial"] == accepted.serial


def test_an_editor_publishes_hides_and_approves_replies(editor, citizen, admin_user):
    pending = make_message(citizen, admin_user)
    in_review = make_message(citizen, admin_user, MessageState.REPLY_REVIEW)
    assert ok(bulk(editor, "publish", {"ids": [pending.pk]}))["done"] == 1
    body = ok(bulk(editor, "hide", {"ids": [pending.pk], "reason": "含有他人电话号码"}))
    assert body["results"][0]["message"] == "已隐藏。"
    assert Message.objects.get(pk=pending.pk).hidden
    body = ok(bulk(editor, "approve-reply", {"ids": [latest_reply(in_review).pk]}))
    assert body["results"][0]["serial"] == in_review.serial and body["done"] == 1
    assert Message.objects.get(pk=in_review.pk).state == MessageState.REPLIED


def test_remind_and_supervise(dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    body = ok(bulk(dispatcher, "remind", {"ids": [message.pk], "note": "请加快办理"}))
    assert body["results"][0]["message"] == "已催办（第 1 次）。"
    body = ok(bulk(dispatcher, "supervise", {"ids": [message.pk, message.pk]}))
    assert len(body["results"]) == 1 and body["results"][0]["message"] == "已列入督办。"
    assert Event.objects.filter(message=message, kind=EventKind.SUPERVISED).count() == 1


def test_hiding_without_a_reason_is_refused_for_the_whole_request(editor, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    response = bulk(editor, "hide", {"ids": [message.pk]})
    body = assert_matches_openapi(response, "POST", PATH)
    assert response.status_code == 422
    assert body["error"] == {
        "code": "invalid",
        "message": "请填写隐藏理由。",
        "fields": {"reason": "请填写隐藏理由。"},
    }


def test_an_unknown_action_is_404(editor):
    response = bulk(editor, "delete", {"ids": [1]})
    body = assert_matches_openapi(response, "POST", PATH)
    assert response.status_code == 404 and body["error"]["code"] == "unknown_action"
    assert body["error"]["message"] == "没有这种批量操作：delete。"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "ids"),
        ({"ids": "1,2"}, "ids"),
        ({"ids": ["abc"]}, "0"),
        ({"ids": [10**20]}, "0"),
        ({"ids": [2**63]}, "0"),
        ({"ids": [0]}, "0"),
        ({"ids": [-5]}, "0"),
        ({"ids": [1.5]}, "0"),
        ({"ids": [None]}, "0"),
        ({"ids": [[1]]}, "0"),
        ({"ids": {"a": 1}}, "ids"),
        ({"ids": [1], "unit_id": "x"}, "unit_id"),
        ({"ids": [1], "unit_id": 10**20}, "unit_id"),
        ({"ids": [1], "note": "a\x00b"}, "note"),
        ({"ids": [1], "reason": "x" * 501}, "reason"),
        ({"ids": list(range(1, 1002))}, "ids"),
    ],
)
def test_bad_bodies_answer_422_naming_the_field(editor, body, field):
    response = bulk(editor, "publish", body)
    error = assert_matches_openapi(response, "POST", PATH)["error"]
    assert response.status_code == 422 and error["code"] == "validation_error"
    assert field in error["fields"]
    assert not Event.objects.filter(kind=EventKind.PUBLISHED).exists()


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([], "请选择要操作的留言。"),
        (list(range(1, 202)), "一次最多操作 200 条，已选 201 条，请分批操作。"),
    ],
)
def test_no_ids_or_too_many_distinct_ones_are_refused(editor, ids, message):
    response = bulk(editor, "publish", {"ids": ids})
    body = assert_matches_openapi(response, "POST", PATH)
    assert response.status_code == 422 and body["error"]["message"] == message
    assert body["error"]["fields"] == {"ids": message}


def test_duplicates_count_once_toward_the_cap(editor, citizen, admin_user):
    message = make_message(citizen, admin_user)
    body = ok(bulk(editor, "publish", {"ids": [message.pk] * 500}))
    assert body["done"] == 1 and len(body["results"]) == 1
    assert Event.objects.filter(message=message, kind=EventKind.PUBLISHED).count() == 1


def test_ids_that_name_nothing_are_refused_per_row(editor):
    body = ok(bulk(editor, "publish", {"ids": [2**63 - 1, "7"]}))
    assert body["results"] == [
        {"id": 2**63 - 1, "serial": None, "done": False, "message": "留言不存在。"},
        {"id": 7, "serial": None, "done": False, "message": "留言不存在。"},
    ]


def test_a_body_that_is_not_json_is_a_bad_request(editor):
    client = ApiClient(editor)
    response = client.client.post(
        "/api/v1/messages/bulk/publish", "{ids: [1", content_type="application/json", headers=client.headers
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"


def test_without_a_token_it_is_401(citizen, admin_user):
    message = make_message(citizen, admin_user)
    response = ApiClient().post("/messages/bulk/publish", {"ids": [message.pk]})
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    assert Message.objects.get(pk=message.pk).state == MessageState.PENDING_REVIEW


def test_a_citizen_is_refused_on_each_row(citizen, admin_user):
    own = make_message(citizen, admin_user)
    body = ok(bulk(citizen, "publish", {"ids": [own.pk]}))
    assert body["refused"] == 1 and body["results"][0]["message"] == "留言不存在。"
    assert Message.objects.get(pk=own.pk).state == MessageState.PENDING_REVIEW


def test_the_single_message_routes_still_answer(editor, citizen, admin_user):
    """/messages/bulk/… is matched before /messages/{id}/{action}, which must keep working."""
    message = make_message(citizen, admin_user)
    assert ok(ApiClient(editor).act(message.pk, "publish"))["state"] == MessageState.PUBLISHED
    response = ApiClient(editor).post("/messages/bulk/publish")  # no body
    assert response.status_code == 422
