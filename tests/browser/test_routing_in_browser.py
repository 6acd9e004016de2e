"""Routing suggestions in Chromium: the post form's 系统识别 names the likely units, and the desk's message
page lists its 系统建议 by confidence; a citizen's ID and bank card numbers steer neither."""

import re

import pytest

from liuyan.accounts.choices import Role
from liuyan.board.choices import MessageState
from liuyan.intelligence.classifier import TextClassifier, forget_loaded_classifiers
from tests.browser.test_lifecycle_in_browser import sign_in
from tests.conftest import PASSWORD, make_user, unit
from tests.factories import make_message
from tests.intelligence.test_classifier import HOSPITAL, SCHOOL, TRAFFIC

TITLE = "小学门口车辆乱停乱放"
BODY = (
    "永德县城关小学门口每天放学时车辆乱停乱放，公交车都开不过去。"
    "我的身份证号码是53092319800101123X，银行卡号6222 0212 3456 7890 123，开户行农业银行。"
)


@pytest.fixture
def domain_model(tmp_path, settings):
    settings.LIUYAN_MODEL_DIR = tmp_path / "models"
    forget_loaded_classifiers()
    TextClassifier().fit(TRAFFIC + SCHOOL + HOSPITAL, ["交通"] * 10 + ["教育"] * 10 + ["医疗"] * 10).save(
        "domain"
    )
    yield
    forget_loaded_classifiers()


def percentages(text: str) -> list[int]:
    return [int(p) for p in re.findall(r"(\d+)%", text)]


def test_the_post_form_names_the_likely_units(live, new_page, screens, domain_model):
    make_user("xiaoli", Role.CITIZEN)
    page = new_page()
    sign_in(page, live, "xiaoli", PASSWORD)
    page.goto(live + "/post/")
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_body").fill(BODY)
    units = page.locator("[data-analysis] .post-units")
    units.wait_for()
    screens.shot(page, "post-form-units")
    text = units.inner_text()
    assert text.startswith("可能的办理单位：") and "永德县" in text
    assert "身份证" not in text and "金融" not in text and "银行" not in text
    assert 1 <= len(re.findall(r"（\d+%，", text)) <= 3  # at most three units: 单位（42%，reasons）


def test_the_desk_sees_suggestions_by_confidence(live, new_page, screens, domain_model):
    admin = make_user("operator", Role.ADMIN)
    citizen = make_user("xiaozhang", Role.CITIZEN)
    message = make_message(citizen, admin, MessageState.PUBLISHED, domain="交通", title=TITLE, body=BODY)
    make_user("desk-wang", Role.DISPATCHER, unit=unit("530900-desk"))
    page = new_page()
    sign_in(page, live, "desk-wang", PASSWORD)
    page.goto(f"{live}/workbench/messages/{message.pk}/")
    block = page.locator(".wb-routing")
    block.wait_for()
    block.scroll_into_view_if_needed()
    screens.shot(page, "desk-suggestions")
    shares = percentages(" ".join(block.locator(".meta").all_inner_texts()))
    assert 1 <= len(shares) <= 3 and shares == sorted(shares, reverse=True) and min(shares) >= 10
    reasons = " ".join(block.locator(".help").all_inner_texts())
    assert "领域“交通”" in reasons and "身份证" not in reasons and "金融" not in reasons
    assert block.locator("strong").first.inner_text() == "永德县交通运输局"
