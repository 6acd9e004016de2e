"""The sign-up page: without a phone in one post; with a phone in two (“发送验证码”, then “注册” with
the code texted through the SMS gateway, read here from the log backend's `liuyan.sms` records)."""

import logging
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.accounts.models import PhoneVerification, User
from liuyan.core.sms import get_sms_backend

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
PASSWORD = "Kq8-secure-pass"


@pytest.fixture(autouse=True)
def logged_sms(caplog, settings):
    settings.SMS_BACKEND = "liuyan.core.sms.LogSmsBackend"
    get_sms_backend.cache_clear()
    caplog.set_level(logging.INFO, logger="liuyan.sms")
    yield
    get_sms_backend.cache_clear()


def texted_code(caplog) -> str:
    texts = [r.getMessage() for r in caplog.records if r.name == "liuyan.sms"]
    assert texts, "no SMS was sent"
    return re.search(r"验证码是 (\d{6})", texts[-1])[1]


def form_data(**fields) -> dict:
    data = {
        "username": "xiaoli",
        "nickname": "小李",
        "phone": "",
        "code": "",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "action": "register",
    }
    data.update(fields)
    return data


def test_the_form_asks_for_a_phone_code_only_as_an_option(client):
    response = client.get("/accounts/register/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="action" value="send_code"' in html and "发送验证码" in html
    assert 'name="csrfmiddlewaretoken"' in html and "短信验证码" in html


def test_register_without_a_phone_signs_in(client):
    response = client.post("/accounts/register/", form_data())

    assert response.status_code == 302 and response.url == "/"
    user = User.objects.get(username="xiaoli")
    assert user.phone is None and user.nickname == "小李"
    assert user.memberships.get().role == "citizen"
    assert client.get("/me/messages/").status_code == 200


def test_register_with_a_phone_takes_the_texted_code(client, caplog):
    sent = client.post("/accounts/register/", form_data(phone=PHONE, action="send_code"))

    html = sent.content.decode()
    assert sent.status_code == 200
    assert "验证码已发送到 139****5678" in html
    assert 'value="xiaoli"' in html and 'value="小李"' in html and f'value="{PHONE}"' in html
    assert PASSWORD not in html  # passwords are never sent back to the page
    assert not User.objects.filter(username="xiaoli").exists()

    response = client.post("/accounts/register/", form_data(phone=PHONE, code=texted_code(caplog)))

    assert response.status_code == 302
    assert User.objects.get(username="xiaoli").phone == PHONE
    assert PhoneVerification.objects.get(phone=PHONE).used_at is not None


def test_a_phone_without_a_code_is_refused_next_to_the_code(client):
    response = client.post("/accounts/register/", form_data(phone=PHONE))

    assert response.status_code == 422
    assert response.context["form"].errors["code"] == [
        "请先点击“发送验证码”，再输入短信中的 6 位数字验证码。"
    ]
    assert not User.objects.filter(username="xiaoli").exists()


def test_a_wrong_code_is_shown_next_to_its_field_and_the_rest_kept(client, caplog):
    client.post("/accounts/register/", form_data(phone=PHONE, action="send_code"))
    wrong = "000000" if texted_code(caplog) != "000000" else "111111"

    response = client.post("/accounts/register/", form_data(phone=PHONE, code=wrong))

    form = response.context["form"]
    html = response.content.decode()
    assert response.status_code == 422
    assert form.errors["code"] == ["验证码不正确，还可以再试 4 次。"]
    assert form.errors["password"] == ["为安全起见，请重新输入密码。"]
    assert 'value="xiaoli"' in html and f'value="{PHONE}"' in html
    assert "验证码不正确，还可以再试 4 次。" in html
    assert not User.objects.filter(username="xiaoli").exists()


def test_an_expired_code_is_refused(client, caplog):
    client.post("/accounts/register/", form_data(phone=PHONE, action="send_code"))
    PhoneVerification.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.post("/accounts/register/", form_data(phone=PHONE, code=texted_code(caplog)))

    assert response.status_code == 422
    assert response.context["form"].errors["code"] == ["验证码已过期，请重新获取。"]
    assert not User.objects.filter(username="xiaoli").exists()


def test_sending_a_code_answers_alike_for_a_taken_number(client, citizen, caplog):
    User.objects.filter(pk=citizen.pk).update(phone=PHONE)

    taken = client.post("/accounts/register/", form_data(phone=PHONE, action="send_code", username=""))
    free = client.post("/accounts/register/", form_data(phone="13900001111", action="send_code", username=""))
    missing = client.post("/accounts/register/", form_data(phone="", action="send_code"))

    assert taken.status_code == free.status_code == 200
    assert not taken.context["form"].errors and not free.context["form"].errors
    for response, masked in ((taken, "139****5678"), (free, "139****1111")):
        assert f"验证码已发送到 {masked}，10 分钟内有效。" in response.content.decode()
    notice = [r.getMessage() for r in caplog.records if r.name == "liuyan.sms" and PHONE in r.getMessage()]
    assert len(notice) == 1 and "已注册过账号" in notice[0]
    assert dict(missing.context["form"].errors) == {"phone": ["请先填写手机号，再获取验证码。"]}
    assert PhoneVerification.objects.count() == 2


def test_codes_are_limited_per_address(client, settings):
    settings.LIUYAN_PHONE_CODE_ADDRESS_RATE = "2/h"
    for phone in ("13900000001", "13900000002"):
        assert (
            client.post("/accounts/register/", form_data(phone=phone, action="send_code")).status_code == 200
        )

    refused = client.post("/accounts/register/", form_data(phone="13900000003", action="send_code"))

    assert refused.status_code == 429
    assert "获取验证码过于频繁，请 60 分钟后再试。" in refused.content.decode()
    assert not PhoneVerification.objects.filter(phone="13900000003").exists()


def test_a_second_code_within_a_minute_is_refused(client):
    client.post("/accounts/register/", form_data(phone=PHONE, action="send_code"))
    again = client.post("/accounts/register/", form_data(phone=PHONE, action="send_code"))

    assert again.status_code == 422
    assert "秒后再重新获取" in again.context["form"].errors["phone"][0]
    assert PhoneVerification.objects.count() == 1


def test_every_field_error_is_shown_in_chinese(client, citizen):
    response = client.post(
        "/accounts/register/",
        form_data(username="citizen", password="12345678", password_again="12345679"),
    )

    errors = response.context["form"].errors
    assert response.status_code == 422
    assert errors["password_again"] == ["两次输入的密码不一致。"]
    response = client.post(
        "/accounts/register/", form_data(username="citizen", password="12345678", password_again="12345678")
    )
    errors = response.context["form"].errors
    assert errors["username"] == ["这个用户名已被注册。"]
    assert any("数字" in message for message in errors["password"])


def test_only_a_local_next_is_followed(client):
    response = client.post("/accounts/register/?next=https://evil.example/", form_data())
    assert response.url == "/"

    client.logout()
    response = client.post("/accounts/register/?next=/post/", form_data(username="xiaozhang"))
    assert response.url == "/post/"


def test_registration_is_rate_limited_per_address(client, settings):
    settings.LIUYAN_AUTH_RATE = "2/m"
    for name in ("one", "two"):
        client.post("/accounts/register/", form_data(username=f"user-{name}", password="1"))

    response = client.post("/accounts/register/", form_data(username="user-three"))

    assert response.status_code == 429
    assert "操作过于频繁，请一分钟后再试。" in response.content.decode()
    assert 'value="user-three"' in response.content.decode()
    assert not User.objects.filter(username="user-three").exists()


def test_a_malformed_code_is_reported_with_the_other_errors(client):
    response = client.post(
        "/accounts/register/", form_data(phone=PHONE, code="12345", password_again="something-else")
    )

    errors = response.context["form"].errors
    assert errors["code"] == ["请输入短信中的 6 位数字验证码。"]
    assert errors["password_again"] == ["两次输入的密码不一致。"]
