"""The post form's 系统识别 panel in Chromium: the text is analysed as the citizen writes, and a click
adopts the domain the platform reads in it."""

import pytest

from liuyan.accounts.choices import Role
from liuyan.intelligence.classifier import TextClassifier, forget_loaded_classifiers
from tests.browser.test_lifecycle_in_browser import sign_in
from tests.conftest import PASSWORD, make_user
from tests.intelligence.test_classifier import HOSPITAL, SCHOOL, TRAFFIC


@pytest.fixture
def domain_model(tmp_path, settings):
    settings.LIUYAN_MODEL_DIR = tmp_path / "models"
    forget_loaded_classifiers()
    texts = TRAFFIC + SCHOOL + HOSPITAL
    TextClassifier().fit(texts, ["交通"] * 10 + ["教育"] * 10 + ["医疗"] * 10).save("domain")
    yield
    forget_loaded_classifiers()


def test_the_post_form_offers_the_domain_it_reads(live, new_page, screens, domain_model):
    make_user("xiaoli", Role.CITIZEN)
    page = new_page()
    sign_in(page, live, "xiaoli", PASSWORD)
    page.goto(live + "/post/")
    page.locator("#id_title").fill("学校强制学生购买教辅资料")
    page.locator("#id_body").fill(
        "孩子所在的小学要求每个学生购买三套教辅资料，老师在课堂上说不买就不能参加考试。"
    )
    panel = page.locator("[data-analysis]")
    panel.get_by_text("留言领域：可能是「教育」").wait_for()
    screens.shot(page, "analysis")
    panel.get_by_role("button", name="采用").first.click()
    selected = page.locator("#id_domain option:checked").inner_text()
    assert selected.strip() == "教育"
    assert panel.is_hidden() or "留言领域" not in panel.inner_text()
