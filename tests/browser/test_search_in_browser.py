"""The public search page in Chromium: a visitor searches, walks the place select down to a county, adds a
type and days, and sees the found words marked and the pages numbered."""

from datetime import timedelta

import pytest

from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.directory.models import Region
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_with_filters_and_marked_words(live, new_page, screens, citizen, admin_user):
    for i in range(23):
        message = make_message(
            citizen,
            admin_user,
            MessageState.PUBLISHED,
            title=f"第{i + 1}小区物业乱收停车费" if i % 2 else f"关于小区环境的第{i + 1}条建议",
            body="小区物业每月多收停车费，业主多次反映没有结果，请有关部门核查。" * (1 + i % 3),
        )
        Message.objects.filter(pk=message.pk).update(published_at=message.published_at - timedelta(days=i))
    make_message(
        citizen,
        admin_user,
        MessageState.PUBLISHED,
        inside=False,
        title="<b>朝阳区</b>物业不作为",
        body="楼道灯坏了半年，物业一直不修，请督促。",
    )

    page = new_page()
    page.goto(live + "/search/")
    page.fill("input[name=q]", "物业 停车")
    page.click("button:has-text('搜索')")
    assert page.locator(".message-list mark").count() > 10
    for code in ["530000", "530900"]:  # down the tree: the province, then its prefecture
        page.select_option("select[name=region]", label=Region.objects.get(pk=code).name)
        page.click("button:has-text('搜索')")
    page.select_option("select[name=region]", label=Region.objects.get(pk="530923").name)
    page.select_option("select[name=type]", label="投诉")
    page.fill("input[name=start]", "2020-01-01")
    page.click("button:has-text('搜索')")
    assert "region=530923" in page.url and "type=complaint" in page.url
    assert page.locator(".message-list > li").count() == 20
    assert page.locator(".pagination .page-current").inner_text() == "1"
    assert "<b>" not in page.locator(".message-list").inner_html()
    screens.shot(page, "search-filtered")
    page.click(".pagination a[aria-label='第 2 页']")
    assert page.locator(".message-list > li").count() == 3
    page.fill("input[name=q]", "火星基地")
    page.click("button:has-text('搜索')")
    assert "没有找到与“火星基地”相关的留言" in page.locator(".empty-state").inner_text()
    screens.shot(page, "search-empty")
