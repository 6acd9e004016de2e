"""send_phone_code(), verify_phone_code() and register_citizen_with_phone_code(): a registrant proves a
phone number with a six-digit code texted through the SMS gateway (the default backend logs it)."""

import logging
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from liuyan.accounts import actions
from liuyan.accounts.actions import (
    PHONE_CODE_LIFETIME,
    register_citizen_with_phone_code,
    send_phone_code,
    verify_phone_code,
)
from liuyan.accounts.choices import VerificationPurpose
from liuyan.accounts.models import PhoneVerification, User
from liuyan.core.sms import SmsBackend, get_sms_backend

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def texted_code(caplog, phone: str = PHONE) -> str:
    """The code in the last SMS the log backend wrote for `phone`."""
    texts = [r.getMessage() for r in caplog.records if r.name == "liuyan.sms" and phone in r.getMessage()]
    assert texts, "no SMS was sent"
    return re.search(r"验证码是 (\d{6})", texts[-1])[1]


def errors_of(raised) -> dict[str, list[str]]:
    return raised.value.message_dict


def sent_earlier(verification: PhoneVerification, seconds: int) -> None:
    """Pretend the code was sent `seconds` ago (its lifetime moves with it)."""
    earlier = timezone.now() - timedelta(seconds=seconds)
    PhoneVerification.objects.filter(pk=verification.pk).update(
        created_at=earlier, expires_at=earlier + actions.PHONE_CODE_LIFETIME
    )


@pytest.fixture(autouse=True)
def log_sms(caplog, settings):
    settings.SMS_BACKEND = "liuyan.core.sms.LogSmsBackend"
    get_sms_backend.cache_clear()
    caplog.set_level(logging.INFO, logger="liuyan.sms")
    yield
    get_sms_backend.cache_clear()


def test_the_code_is_texted_and_only_its_keyed_hash_kept(caplog):
    verification = send_phone_code(PHONE)

    code = texted_code(caplog)
    assert code not in verification.code_digest and len(verification.code_digest) == 64
    assert verification.expires_at - verification.created_at == timedelta(minutes=10)
    assert verify_phone_code(PHONE, code) == verification


def test_a_registration_with_the_right_code_keeps_the_phone_and_uses_the_code(caplog):
    send_phone_code(PHONE)

    user = register_citizen_with_phone_code(
        username="xiaoli", password="Kq8-secure-pass", phone=PHONE, code=texted_code(caplog)
    )

    assert user.phone == PHONE and user.memberships.get().role == "citizen"
    assert PhoneVerification.objects.get(phone=PHONE).used_at is not None
    with pytest.raises(ValidationError) as raised:
        verify_phone_code(PHONE, texted_code(caplog))
    assert errors_of(raised) == {"code": ["请先点击“发送验证码”获取验证码。"]}


def test_a_wrong_code_is_counted_and_reported_with_the_other_errors(caplog, citizen):
    send_phone_code(PHONE)
    wrong = "000000" if texted_code(caplog) != "000000" else "111111"

    with pytest.raises(ValidationError) as raised:
        register_citizen_with_phone_code(
            username="citizen", password="Kq8-secure-pass", phone=PHONE, code=wrong
        )

    assert errors_of(raised) == {
        "username": ["这个用户名已被注册。"],
        "code": ["验证码不正确，还可以再试 4 次。"],
    }
    assert PhoneVerification.objects.get(phone=PHONE).attempts == 1
    assert not User.objects.filter(phone=PHONE).exists()


def test_a_right_code_survives_a_registration_refused_for_another_reason(caplog, citizen):
    send_phone_code(PHONE)
    code = texted_code(caplog)

    with pytest.raises(ValidationError):
        register_citizen_with_phone_code(
            username="citizen", password="Kq8-secure-pass", phone=PHONE, code=code
        )
    user = register_citizen_with_phone_code(
        username="xiaoli", password="Kq8-secure-pass", phone=PHONE, code=code
    )

    assert user.phone == PHONE


def test_five_tries_then_a_new_code_is_needed(caplog):
    send_phone_code(PHONE)
    code = texted_code(caplog)
    wrong = "000000" if code != "000000" else "111111"
    messages = []
    for _ in range(5):
        with pytest.raises(ValidationError) as raised:
            verify_phone_code(PHONE, wrong)
        messages.append(errors_of(raised)["code"][0])

    with pytest.raises(ValidationError) as raised:
        verify_phone_code(PHONE, code)  # even the right code: the tries are used up

    assert messages[0] == "验证码不正确，还可以再试 4 次。"
    assert messages[-1] == "验证码不正确，请重新获取验证码。"
    assert errors_of(raised) == {"code": ["验证码错误次数过多，请重新获取。"]}


def test_an_expired_code_is_refused(caplog):
    verification = send_phone_code(PHONE)
    sent_earlier(verification, 11 * 60)

    with pytest.raises(ValidationError) as raised:
        verify_phone_code(PHONE, texted_code(caplog))

    assert errors_of(raised) == {"code": ["验证码已过期，请重新获取。"]}


def test_only_the_latest_code_counts(caplog):
    first = send_phone_code(PHONE)
    old_code = texted_code(caplog)
    sent_earlier(first, 61)
    send_phone_code(PHONE)
    new_code = texted_code(caplog)

    if old_code != new_code:
        with pytest.raises(ValidationError):
            verify_phone_code(PHONE, old_code)
    assert verify_phone_code(PHONE, new_code).pk != first.pk


def test_a_phone_gets_one_code_a_minute_and_five_an_hour():
    first = send_phone_code(PHONE)
    with pytest.raises(ValidationError) as raised:
        send_phone_code(PHONE)
    assert re.fullmatch(r"验证码已发送，请 \d+ 秒后再重新获取。", errors_of(raised)["phone"][0])

    sent_earlier(first, 50 * 60)
    for seconds in (40 * 60, 30 * 60, 20 * 60):
        sent_earlier(send_phone_code(PHONE), seconds)
    sent_earlier(send_phone_code(PHONE), 10 * 60)  # the fifth within the hour
    with pytest.raises(ValidationError) as raised:
        send_phone_code(PHONE)
    assert errors_of(raised) == {"phone": ["这个手机号获取验证码过于频繁，请一小时后再试。"]}


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("", "请填写手机号。"),
        ("1391234", "请输入 11 位手机号码。"),
        ("23912345678", "请输入 11 位手机号码。"),
    ],
)
def test_no_code_for_a_malformed_number(phone, message):
    with pytest.raises(ValidationError) as raised:
        send_phone_code(phone)
    assert errors_of(raised) == {"phone": [message]}
    assert not PhoneVerification.objects.exists()


def test_a_number_already_registered_gets_a_notice_and_the_same_answer(caplog, citizen):
    User.objects.filter(pk=citizen.pk).update(phone=PHONE)
    free = "13900001111"

    taken = send_phone_code(PHONE)
    fresh = send_phone_code(free)

    notice = [r.getMessage() for r in caplog.records if r.name == "liuyan.sms" and PHONE in r.getMessage()]
    assert len(notice) == 1 and "已注册过账号" in notice[0] and "找回密码" in notice[0]
    assert not re.search(r"\d{6}", notice[0].split(":", 1)[1])  # no code in it
    assert type(taken) is type(fresh) and taken.expires_at - taken.created_at == PHONE_CODE_LIFETIME
    assert taken.purpose == fresh.purpose == VerificationPurpose.REGISTER
    # The limits of a number apply alike: a second try within the minute is refused for both.
    for phone in (PHONE, free):
        with pytest.raises(ValidationError) as raised:
            send_phone_code(phone)
        assert "秒后再重新获取" in errors_of(raised)["phone"][0]


def test_the_final_step_tells_a_taken_number_only_to_its_holder(caplog, citizen):
    """Without the right code the number's being taken is not told; the code's error is, as for any number."""
    User.objects.filter(pk=citizen.pk).update(phone=PHONE)
    send_phone_code(PHONE)

    with pytest.raises(ValidationError) as raised:
        register_citizen_with_phone_code(
            username="xiaoli", password="Kq8-secure-pass", phone=PHONE, code="123456"
        )

    assert errors_of(raised) == {"code": ["验证码不正确，还可以再试 4 次。"]}
    assert not User.objects.filter(username="xiaoli").exists()


def test_a_number_taken_after_its_code_was_sent_is_refused(caplog, citizen):
    send_phone_code(PHONE)
    code = texted_code(caplog)
    User.objects.filter(pk=citizen.pk).update(phone=PHONE)

    with pytest.raises(ValidationError) as raised:
        register_citizen_with_phone_code(
            username="xiaoli", password="Kq8-secure-pass", phone=PHONE, code=code
        )

    assert errors_of(raised) == {"phone": ["这个手机号已被注册。"]}


class FailingSms(SmsBackend):
    def send(self, phone: str, text: str) -> None:
        raise ConnectionError("gateway down")


def test_a_gateway_failure_leaves_no_code_behind(settings):
    settings.SMS_BACKEND = "tests.accounts.test_phone_verification.FailingSms"
    get_sms_backend.cache_clear()

    with pytest.raises(ValidationError) as raised:
        send_phone_code(PHONE)

    assert errors_of(raised) == {"phone": ["短信发送失败，请稍后再试。"]}
    assert not PhoneVerification.objects.exists()


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567"])
def test_a_code_must_be_six_digits(code):
    with pytest.raises(ValidationError) as raised:
        verify_phone_code(PHONE, code)
    assert errors_of(raised) == {"code": ["请输入短信中的 6 位数字验证码。"]}


def test_without_a_phone_no_code_is_asked():
    user = register_citizen_with_phone_code(username="xiaoli", password="Kq8-secure-pass", phone="", code="")
    assert user.phone is None
