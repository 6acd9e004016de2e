"""The whole path of one message through the API, checking states, events, deadlines and notifications
at each step (the lifecycle issue's acceptance scenario)."""

import re

import pytest
from django.utils import timezone

from liuyan.board.actions import submission
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from liuyan.directory.calendar import add_working_days
from liuyan.directory.models import Leader, Unit
from liuyan.notify.models import Notification
from tests.api_client import ApiClient, ok

pytestmark = pytest.mark.django_db


def kinds(message_id: int) -> list[str]:
    return list(Event.objects.filter(message_id=message_id).order_by("id").values_list("kind", flat=True))


def notified(user, kind: str) -> bool:
    return Notification.objects.filter(recipient=user, kind=kind).exists()


@pytest.mark.slow
def test_full_path_from_submission_to_closing(citizen, editor, dispatcher, handler, other_handler):
    author, desk, unit_a, unit_b = (
        ApiClient(citizen),
        ApiClient(dispatcher),
        ApiClient(other_handler),
        ApiClient(handler),
    )
    staff_editor = ApiClient(editor)
    county_bureau = Unit.objects.get(code="530923-education")
    city_bureau = Unit.objects.get(code="530900-education")
    mayor = Leader.objects.get(code="530900-head")

    created = ok(
        author.post(
            "/messages",
            {
                "leader_id": mayor.id,
                "type": "complaint",
                "domain": "教育",
                "region_code": "530923",
                "title": "永德县某小学校舍漏雨",
                "body": "学校教室屋顶漏雨已经两个月，请尽快维修。联系电话13812345678。",
                "contact_phone": "13812345678",
            },
        ),
        201,
    )
    pk = created["id"]
    assert created["state"] == "pending_review" and re.fullmatch(r"LY\d{14}", created["serial"])
    # The API leaves the notification (with the search tokens, similarity index and count) to a task.
    assert not notified(citizen, "message_submitted")
    assert submission.follow_up_submissions() == 1
    assert notified(citizen, "message_submitted")

    state = ok(staff_editor.act(pk, "publish"))
    assert state["state"] == "published" and state["published_at"]
    assert notified(citizen, "message_published") and notified(dispatcher, "desk_incoming")

    state = ok(desk.act(pk, "assign", {"unit_id": city_bureau.id}))
    message = Message.objects.get(pk=pk)
    assert state["state"] == "assigned" and message.unit == city_bureau
    assert message.accept_deadline == add_working_days(message.assigned_at, 1)
    assert message.reply_deadline == add_working_days(message.assigned_at, 15)  # 投诉: 15 working days
    assert notified(handler, "assigned")

    # A transfer stays within the city's own place: down to the county's bureau.
    ok(unit_b.act(pk, "transfer", {"unit_id": county_bureau.id, "note": "属县管学校，转永德县教育局"}))
    message.refresh_from_db()
    assert message.state == MessageState.ASSIGNED and message.unit == county_bureau
    assert notified(other_handler, "assigned")

    ok(unit_a.act(pk, "return", {"reason": "该校由市里管理，不属本单位职责"}))
    message.refresh_from_db()
    assert message.state == MessageState.PUBLISHED and message.unit is None
    assert message.reply_deadline is not None  # deadlines stay once assigned
    assert notified(dispatcher, "returned")

    ok(desk.act(pk, "assign", {"unit_id": city_bureau.id, "note": "请市教育局牵头办理"}))
    state = ok(unit_b.act(pk, "accept"))
    assert state["state"] == "in_progress" and state["accepted_at"]
    assert state["staff"]["unit"]["name"] == "临沧市教育局"

    reply = ok(unit_b.post(f"/messages/{pk}/replies", {"body": "该问题请咨询市政府有关部门。"}), 201)
    assert reply["state"] == "in_review"
    assert Message.objects.get(pk=pk).state == MessageState.REPLY_REVIEW
    ok(staff_editor.post(f"/replies/{reply['id']}/send-back", {"reason": "回复敷衍，请说明维修安排和时间。"}))
    assert Message.objects.get(pk=pk).state == MessageState.IN_PROGRESS
    assert notified(handler, "reply_sent_back")

    reply = ok(
        unit_b.post(
            f"/messages/{pk}/replies",
            {"body": "经核实，该校屋顶已列入维修计划，将于本月底前完成。联系人：王老师。"},
        ),
        201,
    )
    ok(staff_editor.post(f"/replies/{reply['id']}/approve"))
    message.refresh_from_db()
    assert message.state == MessageState.REPLIED and message.replied_at
    assert notified(citizen, "reply_published")

    # An unhappy rating leaves the message open: the desk is to revisit the citizen, who may still follow up.
    state = ok(author.act(pk, "rate", {"resolution": 2, "attitude": 2, "speed": 2, "comment": "还没修好"}))
    assert state["state"] == "replied"
    assert state["after_reply"]["awaiting_revisit"] and state["after_reply"]["follow_up_open"]
    assert Message.objects.get(pk=pk).state == MessageState.REPLIED

    # A plain follow-up waits for the unit's answer, with its own deadline.
    state = ok(author.act(pk, "followup", {"text": "月底已过，屋顶仍然漏雨。"}))
    assert state["state"] == "replied" and state["after_reply"]["follow_up_deadline"]

    # The desk calls the citizen, who is still unsatisfied, and sends the message back to the unit.
    revisit = ok(
        desk.post(
            f"/messages/{pk}/revisits",
            {"method": "电话", "at": timezone.now().isoformat(), "summary": "仍漏雨", "outcome": "不满意"},
        ),
        201,
    )
    assert (revisit["method"], revisit["outcome"], revisit["summary"]) == ("phone", "unsatisfied", "仍漏雨")
    before = message.reply_deadline
    state = ok(desk.act(pk, "reopen", {"reason": "回访仍不满意，请现场核实维修情况。"}))
    message.refresh_from_db()
    assert state["state"] == "in_progress" and message.supervised and message.unit == city_bureau
    assert message.reply_deadline >= before and not message.awaiting_revisit

    reply = ok(
        unit_b.post(
            f"/messages/{pk}/replies",
            {"body": "维修已于本周完成，经检查不再漏雨。感谢监督，如仍有问题请致电 0883-1234567。"},
        ),
        201,
    )
    ok(staff_editor.post(f"/replies/{reply['id']}/approve"))
    state = ok(author.act(pk, "rate", {"resolution": 5, "attitude": 5, "speed": 5}))
    assert state["state"] == "closed" and state["closed_at"]

    assert kinds(pk) == [
        EventKind.SUBMITTED,
        EventKind.PUBLISHED,
        EventKind.ASSIGNED,
        EventKind.TRANSFERRED,
        EventKind.RETURNED,
        EventKind.ASSIGNED,
        EventKind.ACCEPTED,
        EventKind.REPLY_SUBMITTED,
        EventKind.REPLY_SENT_BACK,
        EventKind.REPLY_SUBMITTED,
        EventKind.REPLY_APPROVED,
        EventKind.RATED,
        EventKind.FOLLOWED_UP,
        EventKind.REVISITED,
        EventKind.REOPENED,
        EventKind.REPLY_SUBMITTED,
        EventKind.REPLY_APPROVED,
        EventKind.RATED,
        EventKind.CLOSED,
    ]

    public = ok(ApiClient().get(f"/messages/{pk}"))
    assert public["staff"] is None
    assert "13812345678" not in str(public) and "138****5678" in public["body"]
    assert [e["kind"] for e in public["timeline"]][:3] == ["submitted", "published", "assigned"]
    assert "reply_sent_back" not in {e["kind"] for e in public["timeline"]}
    visit = next(e for e in public["timeline"] if e["kind"] == "revisited")
    assert visit["note"] == "留言办理工作机构电话回访，留言人表示不满意" and "仍漏雨" not in str(public)
    assert public["revisits"][0]["outcome"] == "unsatisfied" and public["revisits"][0]["summary"] is None
    assert len(public["replies"]) == 2 and len(public["ratings"]) == 2
