"""The browser set-up itself: Chromium opens the live site and renders Chinese text."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_renders_in_chromium(live, new_page, screens):
    page = new_page()
    page.goto(live + "/")
    assert page.locator("h1").first.inner_text() == "给领导留言"
    assert "云南省" in page.content()
    screens.shot(page, "home")
