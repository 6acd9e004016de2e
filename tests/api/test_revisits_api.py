"""After the reply through the API: the rating's answer says where the message now stands; POST
/messages/{id}/revisits records a 回访 (201, the documented shape); bad bodies answer 4xx in the error shape;
the message's detail lists the revisits, what the citizen said for staff only; POST …/reopen hands it back."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from liuyan.board.choices import MessageState
from liuyan.board.models import Message, Revisit
from tests.api.openapi import assert_matches_openapi
from tests.api_client import ApiClient, ok
from tests.factories import make_message

pytestmark = pytest.mark.django_db

PATH = "/api/v1/messages/{message_id}/revisits"


@pytest.fixture
def replied(citizen, admin_user) -> Message:
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    Message.objects.filter(pk=message.pk).update(replied_at=timezone.now() - timedelta(hours=1))
    return message


def same_moment(text: str, moment: datetime) -> bool:
    """JSON carries times to the millisecond."""
    return abs(datetime.fromisoformat(text) - moment) < timedelta(milliseconds=1)


def body(**changes) -> dict:
    at = (timezone.now() - timedelta(minutes=10)).isoformat()
    return {"method": "phone", "at": at, "summary": "留言人说仍然很堵。", "outcome": "unsatisfied", **changes}


def test_an_unhappy_rating_answers_the_open_state(citizen, replied):
    response = ApiClient(citizen).act(replied.id, "rate", {"resolution": 2, "attitude": 4, "speed": 4})
    detail = assert_matches_openapi(response, "POST", "/api/v1/messages/{message_id}/{action}")
    assert detail["state"] == "replied" and detail["closed_at"] is None
    assert detail["after_reply"] == {
        "awaiting_revisit": True,
        "follow_up_open": True,
        "follow_up_deadline": None,
    }


def test_a_satisfied_rating_answers_closed_and_no_longer_open(citizen, replied):
    detail = ok(ApiClient(citizen).act(replied.id, "rate", {"resolution": 4, "attitude": 4, "speed": 4}))
    assert detail["state"] == "closed"
    assert detail["after_reply"] == {
        "awaiting_revisit": False,
        "follow_up_open": False,
        "follow_up_deadline": None,
    }


def test_a_follow_up_answers_its_deadline(citizen, replied):
    detail = ok(ApiClient(citizen).act(replied.id, "followup", {"text": "请问什么时候能疏导？"}))
    assert detail["state"] == "replied" and detail["after_reply"]["follow_up_deadline"]
    assert detail["follow_ups"][0]["answer_deadline"] == detail["after_reply"]["follow_up_deadline"]


def test_the_desk_records_a_revisit(citizen, dispatcher, replied):
    ok(ApiClient(citizen).act(replied.id, "rate", {"resolution": 1, "attitude": 3, "speed": 3}))
    response = ApiClient(dispatcher).post(
        f"/messages/{replied.id}/revisits", body(outcome="满意", method="视频")
    )
    revisit = assert_matches_openapi(response, "POST", PATH)
    assert response.status_code == 201
    assert (revisit["method"], revisit["method_label"]) == ("video", "视频")
    assert (revisit["outcome"], revisit["outcome_label"]) == ("satisfied", "满意")
    assert revisit["unit"] == "临沧市留言办理工作机构" and revisit["summary"] == "留言人说仍然很堵。"
    assert Message.objects.get(pk=replied.pk).state == MessageState.CLOSED


def test_the_detail_lists_revisits_with_what_was_said_for_staff_only(citizen, dispatcher, replied):
    ok(ApiClient(dispatcher).post(f"/messages/{replied.id}/revisits", body()), 201)
    for reader in (None, citizen):
        public = ok(ApiClient(reader).get(f"/messages/{replied.id}"))
        (revisit,) = public["revisits"]
        assert revisit["summary"] is None and revisit["by"] is None and revisit["outcome"] == "unsatisfied"
        assert "仍然很堵" not in str(public)
        event = next(e for e in public["timeline"] if e["kind"] == "revisited")
        assert event["note"] == "留言办理工作机构电话回访，留言人表示不满意"
    staff = ok(ApiClient(dispatcher).get(f"/messages/{replied.id}"))
    assert staff["revisits"][0]["summary"] == "留言人说仍然很堵。" and staff["revisits"][0]["by"]


def test_the_desk_reopens_through_the_api(dispatcher, replied):
    detail = ok(ApiClient(dispatcher).act(replied.id, "reopen", {"reason": "回访不满意，请重新办理。"}))
    assert detail["state"] == "in_progress" and detail["supervised"]
    assert detail["staff"]["reply_deadline"]
    response = ApiClient(dispatcher).act(replied.id, "reopen", {"reason": "再次重新办理"})
    assert response.status_code == 409  # in progress again: nothing to reopen
    assert response.json()["error"]["code"] == "illegal_state"


def test_a_unit_may_not_reopen(handler, replied):
    response = ApiClient(handler).act(replied.id, "reopen", {"reason": "想重新办理"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"at": (timezone.now() + timedelta(days=1)).isoformat()}, "at"),
        ({"at": (timezone.now() - timedelta(days=10)).isoformat()}, "at"),
        ({"at": "２０２６-１２-０１T０９:００:００"}, "at"),  # full-width digits are no ISO time
        ({"at": "9999-12-31T00:00:00+08:00"}, "at"),
        ({"at": 1764547200}, "at"),
        ({"method": "短信"}, "method"),
        ({"method": ["phone"]}, "method"),
        ({"outcome": "还行"}, "outcome"),
        ({"summary": "留言人说\x00"}, "summary"),
        ({"summary": "很" * 2001}, "summary"),
        ({"summary": {"text": "嵌套"}}, "summary"),
        ({"method": "phone\u0085"}, "method"),
    ],
)
def test_bad_bodies_answer_422_naming_the_field(dispatcher, replied, changes, field):
    response = ApiClient(dispatcher).post(f"/messages/{replied.id}/revisits", body(**changes))
    error = assert_matches_openapi(response, "POST", PATH)["error"]
    assert response.status_code == 422, error
    assert field in error["fields"], error
    assert not Revisit.objects.exists()


def test_who_may_record_a_revisit(citizen, leader, other_handler, handler, replied):
    assert ApiClient().post(f"/messages/{replied.id}/revisits", body()).status_code == 401
    for user in (citizen, leader, other_handler):
        response = ApiClient(user).post(f"/messages/{replied.id}/revisits", body())
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert ApiClient(handler).post("/messages/999999/revisits", body()).status_code == 404
    ok(ApiClient(handler).post(f"/messages/{replied.id}/revisits", body()), 201)
    assert Revisit.objects.get().unit.code == "530900-education"


def test_the_queue_api_lists_the_revisit_and_follow_up_queues_with_their_flags(
    citizen, dispatcher, handler, replied
):
    ok(ApiClient(citizen).act(replied.id, "rate", {"resolution": 2, "attitude": 3, "speed": 3}))
    ok(ApiClient(citizen).act(replied.id, "followup", {"text": "请问什么时候能疏导？"}))
    message = Message.objects.get(pk=replied.pk)

    response = ApiClient(dispatcher).get("/workbench/queues/desk_revisit")
    page = assert_matches_openapi(response, "GET", "/api/v1/workbench/queues/{queue}")
    assert page["total"] == 1
    (row,) = page["rows"]
    assert row["message_id"] == replied.id and {"revisit", "follow_up"} <= set(row["flags"])
    assert same_moment(row["received_at"], message.replied_at)  # the time the queue goes by
    page = ok(ApiClient(handler).get("/workbench/queues/unit_follow_ups"))
    assert page["total"] == 1
    (row,) = page["rows"]
    assert row["message_id"] == replied.id
    assert same_moment(row["deadline"], message.follow_up_deadline)
