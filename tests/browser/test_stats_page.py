"""The statistics pages in Chromium at desktop and phone width: the charts show, the page never scrolls
sideways, and the screenshots in var/screenshots/ are there for a person to look at."""

import pytest

from liuyan.board.choices import MessageState
from tests.conftest import make_user
from tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def some_messages(seeded_transactional_db):
    from liuyan.accounts.choices import Role

    citizen = make_user("citizen", Role.CITIZEN)
    staff = make_user("operator", Role.ADMIN)
    for i in range(11):
        state = MessageState.REPLIED if i % 2 == 0 else MessageState.ASSIGNED
        make_message(citizen, staff, state, inside=True, title=f"第{i}号路口的红绿灯坏了")
    for _ in range(3):
        make_message(citizen, staff, MessageState.REPLIED, inside=False)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("device", WIDTHS)
def test_statistics_pages_render_cleanly(live, new_page, screens, some_messages, device):
    page = new_page(width=WIDTHS[device])
    visible_chart = ".chart-wide svg" if device == "desktop" else ".chart-narrow svg"

    page.goto(live + "/stats/")
    assert page.locator("h1").first.inner_text().startswith("全国留言办理数据")
    assert page.locator(".stats-cards dd").first.inner_text() == "14"
    assert page.locator(visible_chart).first.is_visible()
    assert page.locator(".ranking tbody tr").first.inner_text().split()[:2] == ["1", "云南省"]
    assert no_sideways_scroll(page)
    screens.shot(page, f"national-{device}")

    page.get_by_role("link", name="云南省").first.click()
    page.wait_for_url("**/stats/regions/530000/**")
    assert "云南省留言办理数据" in page.locator("h1").inner_text()
    assert page.get_by_role("heading", name="各地市排行").is_visible()
    assert page.locator(visible_chart).first.is_visible()
    assert no_sideways_scroll(page)
    screens.shot(page, f"region-{device}")

    page.goto(live + "/stats/?period=custom&start=2024-02-30&end=2024-03-01")
    assert page.get_by_text("日期格式应为 YYYY-MM-DD").first.is_visible()
    assert no_sideways_scroll(page)

    page.goto(live + "/stats/rankings/?tab=units&region=530900&by=speed")
    assert page.get_by_role("heading", name="临沧市各办理单位回复速度排行").is_visible()
    assert no_sideways_scroll(page)
    screens.shot(page, f"rankings-{device}")
