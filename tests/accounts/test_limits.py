"""Limits against password guessing and SMS costs (accounts/limits.py): failed sign-ins per account and per
client address through every sign-in (API, site, admin), addresses believed only from trusted proxies, and
texted codes per address and per day."""

import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from liuyan.accounts.models import PhoneVerification, User
from liuyan.core.sms import get_sms_backend
from liuyan.environ import env_rate
from tests.api.openapi import assert_matches_openapi
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多，请"


@pytest.fixture(autouse=True)
def logged_sms(settings):
    settings.SMS_BACKEND = "liuyan.core.sms.LogSmsBackend"
    get_sms_backend.cache_clear()
    yield
    get_sms_backend.cache_clear()


def token(client, username: str, password: str, **meta):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        **meta,
    )


def test_a_client_chosen_forwarded_address_does_not_escape_the_address_limit(client, settings):
    settings.LIUYAN_AUTH_RATE = "5/m"
    answers = [
        token(client, f"nobody-{i}", "guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(6)
    ]
    assert answers == [401] * 5 + [429]


def test_an_account_is_locked_after_its_failures_even_with_the_right_password(client, citizen):
    """Five wrong passwords from five addresses (default LIUYAN_SIGNIN_ACCOUNT_FAILURES 5/15m)."""
    for i in range(5):
        assert token(client, "citizen", "wrong-password", REMOTE_ADDR=f"198.51.100.{i}").status_code == 401

    response = token(client, "citizen", PASSWORD, REMOTE_ADDR="198.51.100.99")

    body = assert_matches_openapi(response, "POST", "/api/v1/auth/token")
    assert response.status_code == 429
    assert body["error"] == {"code": "too_many_requests", "message": "登录失败次数过多，请 15 分钟后再试。"}
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    # The username is matched regardless of case, as registration does.
    assert token(client, "CITIZEN", PASSWORD, REMOTE_ADDR="198.51.100.98").status_code == 429


def test_the_lock_ends_with_its_window(client, citizen, settings):
    settings.LIUYAN_SIGNIN_ACCOUNT_FAILURES = "2/1s"
    for _ in range(2):
        token(client, "citizen", "wrong-password")
    assert token(client, "citizen", PASSWORD).status_code == 429

    time.sleep(1.2)

    assert token(client, "citizen", PASSWORD).status_code == 201


def test_a_successful_sign_in_is_not_counted_as_a_failure(client, citizen, settings):
    settings.LIUYAN_SIGNIN_ACCOUNT_FAILURES = "2/h"
    for _ in range(3):
        assert token(client, "citizen", PASSWORD).status_code == 201
    assert token(client, "citizen", "wrong-password").status_code == 401
    assert token(client, "citizen", PASSWORD).status_code == 201


def test_an_address_is_locked_after_failures_on_any_accounts(client, citizen, settings):
    settings.LIUYAN_SIGNIN_ADDRESS_FAILURES = "3/h"
    for i in range(3):
        assert token(client, f"guess-{i}", "wrong", REMOTE_ADDR="192.0.2.7").status_code == 401

    refused = token(client, "citizen", PASSWORD, REMOTE_ADDR="192.0.2.7")
    elsewhere = token(client, "citizen", PASSWORD, REMOTE_ADDR="192.0.2.8")

    assert refused.status_code == 429 and LOCKED in refused.json()["error"]["message"]
    assert elsewhere.status_code == 201


def test_a_trusted_proxys_forwarded_address_is_the_client(client, citizen, settings):
    settings.LIUYAN_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.LIUYAN_SIGNIN_ADDRESS_FAILURES = "2/h"
    for _ in range(2):
        token(client, "guess", "wrong", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.7")

    assert (
        token(
            client, "citizen", PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.7"
        ).status_code
        == 429
    )
    assert (
        token(
            client, "citizen", PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.8"
        ).status_code
        == 201
    )


def test_the_site_login_page_refuses_a_locked_account_in_chinese(client, citizen):
    for i in range(5):
        token(client, "citizen", "wrong-password", REMOTE_ADDR=f"198.51.100.{i}")

    response = client.post("/accounts/login/", {"username": "citizen", "password": PASSWORD})

    assert response.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_passes_the_same_limits(client, admin_user):
    for _ in range(5):
        wrong = client.post("/admin/login/", {"username": "admin", "password": "wrong-password"})
        assert wrong.status_code == 200  # Django's admin shows its form again

    response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})

    assert response.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试。" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # …and so does every other way in for that account.
    assert token(client, "admin", PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 429


# ---- Texted codes --------------------------------------------------------------------------------


def phone_code(client, phone: str, path: str = "/api/v1/auth/phone-code", **meta):
    return client.post(path, {"phone": phone}, content_type="application/json", **meta)


def test_the_api_answers_alike_for_a_taken_number(client, citizen):
    User.objects.filter(pk=citizen.pk).update(phone="13912345678")

    taken = phone_code(client, "13912345678")
    free = phone_code(client, "13900001111")

    assert taken.status_code == free.status_code == 201
    assert set(assert_matches_openapi(taken, "POST", "/api/v1/auth/phone-code")) == set(free.json())
    assert PhoneVerification.objects.count() == 2


def test_codes_are_limited_per_address_for_registration_and_reset_together(client, settings):
    settings.LIUYAN_PHONE_CODE_ADDRESS_RATE = "2/h"
    assert phone_code(client, "13900000001").status_code == 201
    assert phone_code(client, "13900000002", "/api/v1/auth/password-reset/code").status_code == 201

    refused = phone_code(client, "13900000003")
    elsewhere = phone_code(client, "13900000003", REMOTE_ADDR="192.0.2.9")

    body = assert_matches_openapi(refused, "POST", "/api/v1/auth/phone-code")
    assert refused.status_code == 429
    assert body["error"] == {"code": "too_many_requests", "message": "获取验证码过于频繁，请 60 分钟后再试。"}
    assert elsewhere.status_code == 201


def test_the_site_sends_at_most_its_daily_number_of_codes(client, settings):
    settings.LIUYAN_PHONE_CODES_PER_DAY = 2
    for i in range(2):
        assert phone_code(client, f"1390000000{i}", REMOTE_ADDR=f"192.0.2.{i}").status_code == 201

    refused = phone_code(client, "13900000009", REMOTE_ADDR="192.0.2.50")

    assert refused.status_code == 429
    assert refused.json()["error"]["message"] == "今日短信验证码发送量已达上限，请明天再试。"
    assert not PhoneVerification.objects.filter(phone="13900000009").exists()


@pytest.mark.parametrize("value", ["fast", "5", "5/minute", "/h", "5/15x"])
def test_a_malformed_limit_stops_the_start_naming_it(monkeypatch, value):
    monkeypatch.setenv("LIUYAN_SIGNIN_ACCOUNT_FAILURES", value)
    with pytest.raises(ImproperlyConfigured, match="LIUYAN_SIGNIN_ACCOUNT_FAILURES"):
        env_rate("LIUYAN_SIGNIN_ACCOUNT_FAILURES", "5/15m")


def test_limits_are_written_count_per_period(monkeypatch):
    monkeypatch.setenv("LIUYAN_SIGNIN_ACCOUNT_FAILURES", "5/15m")
    assert env_rate("LIUYAN_SIGNIN_ACCOUNT_FAILURES", "1/s") == "5/15m"
