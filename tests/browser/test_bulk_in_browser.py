"""An editor publishes several messages at once from 待审核留言 while a colleague has already published one of
them: the summary lists the two done and the one refused with its reason, and the queue is left with what
was not published."""

import re

import pytest

from liuyan.board.actions import moderation
from liuyan.board.choices import EventKind, MessageState
from liuyan.board.models import Event, Message
from tests.browser.test_lifecycle_in_browser import sign_in
from tests.conftest import make_user
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_editor_publishes_ticked_rows_and_reads_what_was_refused(live, new_page, screens):
    make_user("editor", "editor")
    colleague = make_user("colleague", "editor")
    citizen = make_user("citizen", "citizen")
    staff = make_user("operator", "admin")
    titles = ["小区门口路灯不亮", "公交站台没有遮雨棚", "菜市场周边占道经营"]
    messages = [make_message(citizen, staff, title=title) for title in titles]

    page = new_page(width=1400, height=1000)
    sign_in(page, live, "editor")
    page.goto(live + "/workbench/queues/to_moderate/")
    for message in messages:
        page.get_by_label(f"选择 {message.serial}").check()
    page.get_by_label("批量操作").select_option("publish")
    # Meanwhile a colleague publishes the second one from its own page.
    moderation.publish_message(colleague, messages[1].pk)
    page.get_by_role("button", name="对勾选的事项执行").click()
    page.wait_for_url(re.compile(r"/workbench/bulk/$"))

    assert "已完成 2 条，未完成 1 条。" in page.locator(".flash").inner_text()
    refused = page.locator(".wb-bulk-refused tbody tr")
    assert refused.count() == 1
    assert messages[1].serial in refused.inner_text() and titles[1] in refused.inner_text()
    assert "这条留言当前状态为“待交办”，不能刊发。" in refused.inner_text()
    done = page.locator(".wb-bulk-done tbody tr")
    assert done.count() == 2 and "已刊发，推送到临沧市留言办理工作机构。" in done.first.inner_text()
    screens.shot(page, "bulk-publish-summary-with-a-refusal")

    published = Event.objects.filter(kind=EventKind.PUBLISHED, message__in=messages)
    assert sorted(published.values_list("actor__username", flat=True)) == ["colleague", "editor", "editor"]
    assert Message.objects.filter(pk__in=[m.pk for m in messages], state=MessageState.PUBLISHED).count() == 3

    page.get_by_role("link", name="返回列表").first.click()
    page.wait_for_url(re.compile(r"/workbench/queues/to_moderate/"))
    left = page.locator("main").inner_text()
    assert not any(m.serial in left for m in messages)
