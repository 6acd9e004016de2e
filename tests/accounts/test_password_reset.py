"""Password reset by the verified phone, for citizens: the site's 找回密码 pages and the API's
POST /auth/password-reset/code and /auth/password-reset. The codes are read from the log SMS backend."""

import logging
import re

import pytest

from liuyan.accounts.actions import issue_api_token
from liuyan.accounts.models import ApiToken, PhoneVerification, User
from liuyan.core.sms import get_sms_backend
from tests.api.openapi import assert_matches_openapi
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
NEW_PASSWORD = "Nq7-new-secret"


@pytest.fixture(autouse=True)
def logged_sms(caplog, settings):
    settings.SMS_BACKEND = "liuyan.core.sms.LogSmsBackend"
    get_sms_backend.cache_clear()
    caplog.set_level(logging.INFO, logger="liuyan.sms")
    yield
    get_sms_backend.cache_clear()


@pytest.fixture
def citizen_with_phone(citizen):
    User.objects.filter(pk=citizen.pk).update(phone=PHONE)
    citizen.refresh_from_db()
    return citizen


def texts_to(caplog, phone: str = PHONE) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "liuyan.sms" and phone in r.getMessage()]


def texted_code(caplog, phone: str = PHONE) -> str:
    texts = texts_to(caplog, phone)
    assert texts, "no SMS was sent"
    return re.search(r"验证码是 (\d{6})", texts[-1])[1]


def ask_code(client, phone: str = PHONE):
    return client.post("/api/v1/auth/password-reset/code", {"phone": phone}, content_type="application/json")


def reset(client, code: str, password: str = NEW_PASSWORD, phone: str = PHONE):
    return client.post(
        "/api/v1/auth/password-reset",
        {"phone": phone, "code": code, "password": password},
        content_type="application/json",
    )


def signs_in(client, password: str) -> bool:
    response = client.post(
        "/api/v1/auth/token", {"username": "citizen", "password": password}, content_type="application/json"
    )
    return response.status_code == 201


def test_a_citizen_resets_by_phone_and_old_tokens_and_sessions_end(client, citizen_with_phone, caplog):
    old_token = issue_api_token(citizen_with_phone, "手机")
    elsewhere = type(client)()
    elsewhere.force_login(citizen_with_phone)
    assert elsewhere.get("/me/messages/").status_code == 200

    sent = ask_code(client)
    assert sent.status_code == 201 and assert_matches_openapi(
        sent, "POST", "/api/v1/auth/password-reset/code"
    )
    assert "找回留言板账号密码" in texts_to(caplog)[-1]
    response = reset(client, texted_code(caplog))

    assert response.status_code == 200
    assert assert_matches_openapi(response, "POST", "/api/v1/auth/password-reset") == {"username": "citizen"}
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old_token}"}).status_code == 401
    assert not ApiToken.objects.filter(user=citizen_with_phone, revoked_at=None).exists()
    assert elsewhere.get("/me/messages/").status_code == 302  # signed out
    assert signs_in(client, NEW_PASSWORD) and not signs_in(client, PASSWORD)
    verification = PhoneVerification.objects.get(phone=PHONE)
    assert verification.purpose == "reset_password" and verification.used_at is not None
    assert reset(client, texted_code(caplog), "Another-pass-9").status_code == 422  # used once only


@pytest.mark.parametrize("kind", ["none", "staff"])
def test_a_number_without_a_citizen_account_gets_the_same_answer_and_no_code(
    client, citizen_with_phone, handler, caplog, kind
):
    other = "13900001111"
    if kind == "staff":
        User.objects.filter(pk=handler.pk).update(phone=other)

    for_citizen, for_other = ask_code(client), ask_code(client, other)

    assert for_citizen.status_code == for_other.status_code == 201
    assert set(for_citizen.json()) == set(for_other.json())
    notice = texts_to(caplog, other)
    assert len(notice) == 1 and "验证码" not in notice[0]
    assert ("联系平台管理员" in notice[0]) == (kind == "staff")
    # No code can reset it: the answer is that of any wrong code.
    refused = reset(client, "123456", phone=other)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {"code": "验证码不正确，还可以再试 4 次。"}
    handler.refresh_from_db()
    assert handler.check_password(PASSWORD)


def test_a_registration_code_does_not_reset_a_password(client, citizen_with_phone, caplog):
    ask_code(client)
    reset_code = texted_code(caplog)
    PhoneVerification.objects.update(purpose="register")  # as if it had been sent for registration

    response = reset(client, reset_code)

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"code": "请先点击“发送验证码”获取验证码。"}


def test_errors_are_reported_together_and_a_right_code_survives_a_weak_password(
    client, citizen_with_phone, caplog
):
    ask_code(client)
    code = texted_code(caplog)

    weak = reset(client, code, password="12345678")
    body = assert_matches_openapi(weak, "POST", "/api/v1/auth/password-reset")
    assert weak.status_code == 422 and body["error"]["code"] == "invalid_password_reset"
    assert "password" in body["error"]["fields"] and "code" not in body["error"]["fields"]

    assert reset(client, code).status_code == 200
    malformed = reset(client, "12", password="1", phone="139")
    assert set(malformed.json()["error"]["fields"]) == {"phone", "password"}


def test_reset_codes_follow_the_phones_limits(client, citizen_with_phone):
    assert ask_code(client).status_code == 201
    again = ask_code(client)
    assert again.status_code == 422 and "秒后再重新获取" in again.json()["error"]["message"]


# ---- The site's pages ----------------------------------------------------------------------------


def test_the_login_page_leads_to_the_reset_page(client):
    login = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password/reset/"' in login and "找回密码" in login
    page = client.get("/accounts/password/reset/")
    assert page.status_code == 200 and 'name="action" value="send_code"' in page.content.decode()


def test_resetting_on_the_site(client, citizen_with_phone, caplog):
    sent = client.post("/accounts/password/reset/", {"phone": PHONE, "action": "send_code"})
    assert sent.status_code == 200 and "短信已发送到 139****5678" in sent.content.decode()
    assert f'value="{PHONE}"' in sent.content.decode()

    mismatch = client.post(
        "/accounts/password/reset/",
        {"phone": PHONE, "code": texted_code(caplog), "password": NEW_PASSWORD, "password_again": "x"},
    )
    assert mismatch.status_code == 422
    assert mismatch.context["form"].errors["password_again"] == ["两次输入的密码不一致。"]

    response = client.post(
        "/accounts/password/reset/",
        {
            "phone": PHONE,
            "code": texted_code(caplog),
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "action": "reset",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "密码已重置，请用用户名“citizen”和新密码登录。" in response.content.decode()
    citizen_with_phone.refresh_from_db()
    assert citizen_with_phone.check_password(NEW_PASSWORD)


def test_the_site_answers_alike_for_a_number_without_an_account(client, citizen_with_phone):
    known = client.post("/accounts/password/reset/", {"phone": PHONE, "action": "send_code"})
    unknown = client.post("/accounts/password/reset/", {"phone": "13900001111", "action": "send_code"})

    assert known.status_code == unknown.status_code == 200
    assert "短信已发送到 139****1111" in unknown.content.decode()
    assert not unknown.context["form"].errors


def test_a_wrong_code_on_the_site_is_shown_next_to_its_field(client, citizen_with_phone):
    client.post("/accounts/password/reset/", {"phone": PHONE, "action": "send_code"})
    response = client.post(
        "/accounts/password/reset/",
        {"phone": PHONE, "code": "000000", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    errors = response.context["form"].errors["code"]
    assert response.status_code == 422 and errors[0].startswith("验证码不正确")
    citizen_with_phone.refresh_from_db()
    assert citizen_with_phone.check_password(PASSWORD)


def test_the_site_limits_codes_per_address(client, settings):
    settings.LIUYAN_PHONE_CODE_ADDRESS_RATE = "1/h"
    client.post("/accounts/password/reset/", {"phone": "13900000001", "action": "send_code"})

    refused = client.post("/accounts/password/reset/", {"phone": "13900000002", "action": "send_code"})

    assert refused.status_code == 429
    assert "获取验证码过于频繁" in refused.content.decode()
