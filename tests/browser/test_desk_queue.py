"""A provincial-style desk at pace, by clicking: the dispatcher narrows 待交办 to one county and one domain,
ticks the twenty rows of the page with 全选, assigns them all to their routing suggestions in one go, and
reads the summary; the database holds twenty 交办 events, each to the unit the row suggested. An editor
publishes a message with its row's 刊发 button and reads the replies to review as a table."""

import re

import pytest

from liuyan.board.actions import moderation, submission
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from liuyan.directory.models import Domain, Leader, Region
from liuyan.intelligence.routing_choice import suggested_unit_ids
from tests.browser.test_lifecycle_in_browser import sign_in
from tests.conftest import make_user, unit
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)


def publish(author, staff, *, region: str, domain: str, title: str) -> Message:
    message = submission.submit_message(
        author,
        leader_id=Leader.objects.get(code="530900-head").id,
        message_type="complaint",
        domain=domain,
        title=title,
        body="反映的问题已经持续很久，希望有关部门尽快调查处理，给群众一个答复。",
        region_code=region,
    )
    moderation.publish_message(staff, message.id)
    return message


def test_desk_filters_incoming_and_assigns_twenty_to_their_suggestions(live, new_page, screens):
    dispatcher = make_user("dispatcher", "dispatcher", unit=unit("530900-desk"))
    staff = make_user("operator", "admin")
    citizen = make_user("citizen", "citizen")
    county = Region.objects.filter(parent_id="530900").exclude(pk="530923").order_by("code").first()
    wanted = [
        publish(citizen, staff, region=county.code, domain="教育", title=f"{county.name}学校问题第{n:02d}号")
        for n in range(24)
    ]
    for n in range(3):
        publish(citizen, staff, region=county.code, domain="交通", title=f"{county.name}道路问题第{n:02d}号")
        publish(citizen, staff, region="530923", domain="教育", title=f"永德县学校问题第{n:02d}号")
    # What each row will suggest, as the desk would be offered it (computed before anything changes).
    suggested = suggested_unit_ids(dispatcher, [m.pk for m in wanted])
    assert len(suggested) == 24

    page = new_page(width=1400, height=1000)
    sign_in(page, live, "dispatcher")
    page.goto(live + "/workbench/queues/desk_incoming/")
    assert "共 30 条" in page.locator("#queue-heading").inner_text()
    page.get_by_label("地区").select_option(county.code)
    page.get_by_label("领域").select_option(str(Domain.objects.get(name="教育", parent=None).pk))
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(rf"region={county.code}.*domain="))
    assert "符合筛选条件 24 条（队列共 30 条）" in page.locator("#queue-heading").inner_text()
    rows = page.locator("table.wb-table tbody tr")
    assert rows.count() == 20
    assert page.locator(".wb-pages").get_by_role("link", name="2").count() == 1
    # Every row names its suggestion and score.
    assert page.locator("td.wb-suggestion .score").count() == 20

    page.get_by_label("全选本页").check()
    assert page.locator("[data-bulk-count]").inner_text() == "已选 20 项"
    assert page.get_by_label("批量操作").input_value() == "assign"
    assert page.get_by_label("交办给").input_value() == ""  # 各自的系统建议单位
    screens.shot(page, "desk-queue-filtered-and-ticked")
    ticked = [
        int(v) for v in page.locator("input[name=ids]:checked").evaluate_all("l => l.map(e => e.value)")
    ]
    page.get_by_role("button", name="对勾选的事项执行").click()
    page.wait_for_url(re.compile(r"/workbench/bulk/$"))
    assert "已完成 20 条，未完成 0 条" in page.locator(".wb-bulk-totals").inner_text()
    screens.shot(page, "bulk-assign-summary")

    events = Event.objects.filter(kind=EventKind.ASSIGNED, message_id__in=[m.pk for m in wanted])
    assert events.count() == 20
    assert sorted(events.values_list("message_id", flat=True)) == sorted(ticked)
    for message in Message.objects.filter(pk__in=ticked):
        assert message.state == MessageState.ASSIGNED and message.unit_id == suggested[message.pk]
    assert Message.objects.filter(pk__in=[m.pk for m in wanted], state=MessageState.PUBLISHED).count() == 4

    # Back to the queue: the four left are what the filtered table shows now.
    page.get_by_role("link", name="返回列表").first.click()
    page.wait_for_url(re.compile(rf"region={county.code}"))
    assert "符合筛选条件 4 条（队列共 10 条）" in page.locator("#queue-heading").inner_text()
    screens.shot(page, "desk-queue-after")


def test_editor_publishes_from_the_row_and_reads_replies_in_a_table(live, new_page, screens):
    make_user("editor", "editor")
    staff = make_user("operator", "admin")
    citizen = make_user("citizen", "citizen")
    waiting = make_message(citizen, staff, MessageState.PENDING_REVIEW, title="小区路灯长期不亮")
    make_message(citizen, staff, MessageState.PENDING_REVIEW, title="公交站台缺少遮雨棚")
    make_message(citizen, staff, MessageState.REPLY_REVIEW, title="学校门口交通拥堵")

    page = new_page(width=1400, height=900)
    sign_in(page, live, "editor")
    page.goto(live + "/workbench/queues/to_moderate/")
    row = page.locator("table.wb-table tbody tr", has_text="小区路灯长期不亮")
    row.get_by_role("button", name="刊发").click()
    # One row: back to the queue, the outcome in the flash.
    page.wait_for_selector(".flash")
    assert "/workbench/queues/to_moderate/" in page.url
    assert f"留言 {waiting.serial}：已刊发" in page.locator(".flash").inner_text()
    assert page.locator("table.wb-table tbody tr").count() == 1
    screens.shot(page, "moderation-queue-after-publishing-a-row")
    waiting.refresh_from_db()
    assert waiting.state == MessageState.PUBLISHED
    assert Event.objects.filter(message=waiting, kind=EventKind.PUBLISHED).count() == 1

    page.goto(live + "/workbench/queues/replies_to_review/")
    assert page.locator("table.wb-table tbody tr").count() == 1
    assert page.get_by_label("批量操作").input_value() == "approve-reply"
    screens.shot(page, "replies-to-review-table")
    page.goto(live + "/workbench/queues/to_moderate/?q=公交")
    assert page.locator("table.wb-table tbody tr").count() == 1
    screens.shot(page, "moderation-queue-searched")
