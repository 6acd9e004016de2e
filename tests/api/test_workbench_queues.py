"""GET /api/v1/workbench/queues/{queue}: the workbench's table as JSON, with the same filters, sorts and
pages; 404 for a queue the caller does not have, 422 naming each bad filter value."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.board.actions import dispatch
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.directory.models import Region
from liuyan.intelligence.routing_choice import best_suggestions
from tests.api.openapi import assert_matches_openapi
from tests.api_client import ApiClient, ok
from tests.factories import latest_reply, make_message
from tests.factories import submitted_and_published as published

pytestmark = pytest.mark.django_db

PATH = "/api/v1/workbench/queues/{queue}"


def get(user, queue: str, **params):
    return ApiClient(user).get(f"/workbench/queues/{queue}", **params)


def test_desk_queue_rows_with_suggestions_and_the_documented_shape(dispatcher, citizen, admin_user):
    message = published(citizen, admin_user, title="学校食堂卫生差")
    body = assert_matches_openapi(get(dispatcher, "desk_incoming"), "GET", PATH)
    assert (body["queue"], body["total"], body["total_capped"], body["page"], body["pages"]) == (
        "desk_incoming",
        1,
        False,
        1,
        1,
    )
    [row] = body["rows"]
    assert (row["id"], row["message_id"], row["serial"], row["title"]) == (
        message.pk,
        message.pk,
        message.serial,
        "学校食堂卫生差",
    )
    assert row["region"] == {"code": "530923", "name": "永德县"}
    assert row["type"]["code"] == "complaint" and row["domain"]["name"] == "教育"
    best = best_suggestions(dispatcher, [message.pk])[message.pk]
    assert row["suggestion"]["unit_id"] == best.unit.pk and row["suggestion"]["unit"] == best.unit.name
    assert row["suggestion"]["score"] == round(best.confidence, 3)
    assert row["deadline"] is None and row["flags"] == []


def test_filters_sort_and_pages_match_the_table(dispatcher, citizen, admin_user):
    county = Region.objects.filter(parent_id="530900").exclude(pk="530923").order_by("code").first().pk
    for n in range(23):
        published(citizen, admin_user, region=county, domain="交通", title=f"县城道路问题第{n:02d}号")
    other = published(citizen, admin_user, title="永德县学校缺老师")
    page = ok(get(dispatcher, "desk_incoming", region=county, domain="交通", sort="newest", page="2"))
    assert (page["total"], page["pages"], page["page"], len(page["rows"])) == (23, 2, 2, 3)
    assert page["rows"][-1]["title"] == "县城道路问题第00号"
    assert [r["serial"] for r in ok(get(dispatcher, "desk_incoming", q=other.serial))["rows"]] == [
        other.serial
    ]
    assert ok(get(dispatcher, "desk_incoming", page="9"))["rows"] == []


def test_returned_rows_say_why_and_are_not_incoming(dispatcher, handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    dispatch.return_message(handler, message.pk, "不属于本单位职责")
    assert ok(get(dispatcher, "desk_incoming"))["total"] == 0
    body = assert_matches_openapi(get(dispatcher, "desk_returned"), "GET", PATH)
    [row] = body["rows"]
    assert row["returned"]["reason"] == "不属于本单位职责" and row["returned"]["unit"] == "临沧市教育局"
    assert "returned" in row["flags"]


def test_overdue_rows_carry_their_deadline_and_flags(dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    late = timezone.now() - timedelta(days=2)
    Message.objects.filter(pk=message.pk).update(reply_deadline=late, urgent=True, remind_count=2)
    body = assert_matches_openapi(get(dispatcher, "desk_overdue", urgent="1", sort="deadline"), "GET", PATH)
    [row] = body["rows"]
    assert set(row["flags"]) == {"urgent", "reminded", "overdue"} and row["remind_count"] == 2
    assert ok(get(dispatcher, "desk_overdue", state="assigned"))["rows"] == []


def test_reply_queue_rows_are_replies(editor, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLY_REVIEW, title="小区停车位不足")
    body = assert_matches_openapi(get(editor, "replies_to_review", q="停车"), "GET", PATH)
    [row] = body["rows"]
    assert row["id"] == latest_reply(message).pk and row["message_id"] == message.pk
    assert ok(get(editor, "replies_to_review", q="无关的词"))["rows"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "abc"}, "region"),
        ({"region": "５３０９２３"}, "region"),
        ({"domain": "99999"}, "domain"),
        ({"type": "nothing"}, "type"),
        ({"campaign": "nothing"}, "campaign"),
        ({"page": str(10**20)}, "page"),
        ({"page": "0"}, "page"),
        ({"sort": "support"}, "sort"),
        ({"urgent": "perhaps"}, "urgent"),
        ({"state": "closed"}, "state"),
    ],
)
def test_bad_filters_answer_422_naming_them(dispatcher, params, field):
    response = get(dispatcher, "desk_incoming", **params)
    body = assert_matches_openapi(response, "GET", PATH)
    assert response.status_code == 422 and body["error"]["code"] == "validation_error"
    assert list(body["error"]["fields"]) == [field]


def test_control_characters_are_refused(dispatcher):
    response = get(dispatcher, "desk_incoming", q="学校\x00")
    assert response.status_code == 422 and "q" in response.json()["error"]["fields"]


def test_unknown_or_foreign_queue_is_404_and_anonymous_is_401(dispatcher, handler):
    assert get(dispatcher, "nothing").status_code == 404
    response = get(handler, "desk_incoming")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert get(None, "desk_incoming").status_code == 401


def test_a_desk_page_stays_within_thirty_queries(
    dispatcher, citizen, admin_user, django_assert_max_num_queries
):
    for n in range(22):
        published(citizen, admin_user, title=f"学校问题第{n:02d}号")
    api = ApiClient(dispatcher)
    with django_assert_max_num_queries(30):
        response = api.get("/workbench/queues/desk_incoming", domain="教育", sort="newest")
    assert len(ok(response)["rows"]) == 20
