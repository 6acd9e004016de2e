"""Who the timelines name (a rating is the citizen's, publishing the editors', an assignment the desk's,
towards the unit) and what a returned message shows: back at the desk, returned by whom, when and why,
with no stale unit, assignment time or deadline — on the handling page, the public page and the API."""

import re

import pytest

from liuyan.board import selectors
from liuyan.board.actions import dispatch, feedback, oversight
from liuyan.board.choices import EventKind, MessageState
from liuyan.directory.models import Unit
from tests.api_client import ApiClient
from tests.factories import make_message

pytestmark = pytest.mark.django_db

DESK = "临沧市留言办理工作机构"


def timeline_lines(html: str, list_class: str) -> list[str]:
    """Each <li> of the page's timeline list, as text."""
    block = html.split(f'<ol class="{list_class}">', 1)[1].split("</ol>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", block, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


@pytest.fixture
def rated(citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    feedback.rate_message(citizen, message.id, resolution=4, attitude=4, speed=4, comment="")
    return message


def test_labels_come_from_the_kind_of_step_not_from_the_unit_concerned(rated, citizen):
    events = selectors.timeline(rated, staff=False)
    by = {event.kind: (event.by, event.to) for event in events}
    assert by[EventKind.SUBMITTED] == ("留言人", None)
    assert by[EventKind.PUBLISHED] == ("留言板编辑", None)
    assert by[EventKind.ASSIGNED] == (DESK, "临沧市教育局")
    assert by[EventKind.ACCEPTED] == ("临沧市教育局", None)
    assert by[EventKind.REPLY_APPROVED] == ("临沧市教育局", None)
    assert by[EventKind.RATED] == ("留言人", None)


def test_the_public_timeline_says_the_citizen_rated_and_the_editors_published(client, rated):
    lines = timeline_lines(client.get(f"/messages/{rated.pk}/").content.decode(), "timeline")
    assert any(line.endswith("审核刊发 留言板编辑") for line in lines), lines
    assert any(line.endswith(f"交办 {DESK} → 临沧市教育局") for line in lines), lines
    assert any(line.endswith("评价 留言人") for line in lines), lines
    assert not any("评价 临沧市教育局" in line for line in lines)


def test_the_handling_pages_timeline_names_the_person_and_their_side(client, editor, rated):
    client.force_login(editor)
    lines = timeline_lines(client.get(f"/workbench/messages/{rated.pk}/").content.decode(), "wb-timeline")
    rating = next(line for line in lines if " 评价 " in f" {line} ")
    assert "（留言人）" in rating and "临沧市教育局" not in rating
    published = next(line for line in lines if "审核刊发" in line)
    assert "（留言板编辑）" in published and DESK not in published


def test_the_api_timeline_says_who_and_where_to(rated):
    body = ApiClient().get(f"/messages/{rated.pk}").json()
    by = {event["kind"]: (event["by"], event["to"]) for event in body["timeline"]}
    assert by["rated"] == ("留言人", None) and by["published"] == ("留言板编辑", None)
    assert by["assigned"] == (DESK, "临沧市教育局")


@pytest.fixture
def returned(citizen, admin_user, handler):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED)
    dispatch.return_message(handler, message.id, "属于住建部门职责")
    message.refresh_from_db()
    assert message.assigned_at is not None and message.reply_deadline is not None  # kept as history
    return message


def test_the_handling_page_shows_the_return_not_a_stale_assignment(client, dispatcher, returned):
    client.force_login(dispatcher)
    html = client.get(f"/workbench/messages/{returned.pk}/").content.decode()
    facts = html.split('<dl class="wb-facts">', 1)[1].split("</dl>", 1)[0]
    assert "已退回，待重新交办" in facts and "尚未交办" not in facts
    assert "临沧市教育局（handler）" in facts and "理由：属于住建部门职责" in facts
    assert "交办时间" not in facts and "回复时限" not in facts and "受理时限" not in facts
    lines = timeline_lines(html, "wb-timeline")
    assert any("退回" in line and "（临沧市教育局）" in line for line in lines), lines


def test_the_public_page_shows_staff_the_return(client, dispatcher, returned):
    client.force_login(dispatcher)
    html = client.get(f"/messages/{returned.pk}/").content.decode()
    facts = html.split('id="staff-heading"', 1)[1].split("</section>", 1)[0]
    assert "已退回，待重新交办" in facts and "临沧市教育局" in facts and "理由：属于住建部门职责" in facts
    assert "尚未交办" not in facts and "时限" not in facts


def test_the_api_gives_staff_the_return_and_no_stale_deadline(dispatcher, returned):
    staff = ApiClient(dispatcher).get(f"/messages/{returned.pk}").json()["staff"]
    assert staff["unit"] is None and staff["accept_deadline"] is None and staff["reply_deadline"] is None
    assert staff["returned"]["unit"] == "临沧市教育局" and staff["returned"]["reason"] == "属于住建部门职责"


def test_reassigned_message_shows_its_unit_and_deadline(client, dispatcher, returned):
    unit = Unit.objects.get(code="530900-education")
    dispatch.assign_message(dispatcher, returned.id, unit.id)
    client.force_login(dispatcher)
    html = client.get(f"/workbench/messages/{returned.pk}/").content.decode()
    facts = html.split('<dl class="wb-facts">', 1)[1].split("</dl>", 1)[0]
    assert "已退回" not in facts and "临沧市教育局" in facts and "受理时限" in facts


def test_supervision_is_named_by_the_side_that_took_it(citizen, admin_user, leader, dispatcher):
    from_leader = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    from_desk = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    oversight.supervise_message(leader, from_leader.id, "请重点跟踪")
    oversight.supervise_message(dispatcher, from_desk.id, "")

    def supervised_by(message):
        return next(e.by for e in selectors.timeline(message, staff=False) if e.kind == EventKind.SUPERVISED)

    assert supervised_by(from_leader) == "领导"
    assert supervised_by(from_desk) == DESK
