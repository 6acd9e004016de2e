"""Staff's second factor in a browser: a dispatcher's first sign-in enrols an authenticator (QR code drawn
by the site, secret in text, recovery codes once), the next asks for the code, and a recovery code stands
in for a lost phone."""

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.test_lifecycle_in_browser import authenticator_code
from tests.conftest import PASSWORD, make_user, unit

pytestmark = pytest.mark.django_db(transaction=True)


def password_step(page, live: str, username: str, next_path: str = "/workbench/") -> None:
    page.goto(live + f"/accounts/login/?next={next_path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_enrolment_then_the_code_then_a_recovery_code(live, new_page, screens):
    make_user("dispatcher", "dispatcher", unit=unit("530900-desk"))
    page = new_page()
    password_step(page, live, "dispatcher")
    assert "/accounts/two-factor/setup/" in page.url
    qr_code = page.locator(".account-qr svg")
    assert qr_code.is_visible() and qr_code.bounding_box()["width"] >= 100
    assert page.locator(".account-secret").inner_text().replace(" ", "")
    screens.shot(page, "enrol")
    page.goto(live + "/workbench/")  # nothing else opens before the second factor
    assert "/accounts/two-factor/setup/" in page.url

    page.get_by_label("验证码").fill("000000")
    page.get_by_role("button", name="完成绑定").click()
    assert "验证码不正确" in page.locator(".field .error").inner_text()
    TOTPDevice.objects.filter(user__username="dispatcher").update(throttling_failure_count=0)
    device = TOTPDevice.objects.get(user__username="dispatcher")
    page.get_by_label("验证码").fill(authenticator_code(device))
    page.get_by_role("button", name="完成绑定").click()
    codes = page.locator(".account-codes code").all_inner_texts()
    assert len(codes) == 10
    screens.shot(page, "recovery-codes")
    page.get_by_role("link", name="我已保存，继续").click()
    page.wait_for_url(live + "/workbench/")
    screens.shot(page, "workbench")

    page.get_by_role("button", name="退出").click()
    password_step(page, live, "dispatcher")
    assert "/accounts/two-factor/?next=" in page.url
    screens.shot(page, "code")
    page.get_by_label("验证码").fill(authenticator_code(device))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(live + "/workbench/")

    phone_lost = new_page()
    password_step(phone_lost, live, "dispatcher")
    phone_lost.get_by_label("验证码").fill(codes[0])
    phone_lost.get_by_role("button", name="验证").click()
    phone_lost.wait_for_url(live + "/workbench/")
    assert "还剩 9 个" in phone_lost.locator(".flash").inner_text()
    assert StaticToken.objects.filter(device__user__username="dispatcher").count() == 9

    page.goto(live + "/accounts/")
    assert "已绑定身份验证器" in page.content()
    page.get_by_label("令牌名称").fill("统计脚本")
    page.get_by_role("button", name="生成令牌").click()
    assert page.locator(".account-new-token code").inner_text().startswith("ly_")
    screens.shot(page, "account")
