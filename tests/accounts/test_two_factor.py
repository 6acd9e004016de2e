"""Staff's second factor: enrolment, the code after the password, recovery codes, the admin's reset, and
what a staff member who gave only a password can reach (nothing but the second step)."""

import re
import time
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from liuyan.accounts.two_factor import ensure_confirmed_totp_device
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def code_of(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the person's authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    device.refresh_from_db()
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time() + steps_ahead * device.step
    return f"{generator.token():06d}"


def sign_in_with_password(client: Client, username: str, next_url: str = ""):
    form = {"username": username, "password": PASSWORD}
    if next_url:
        form["next"] = next_url
    return client.post("/accounts/login/", form)


def forget_wrong_tries(device) -> None:
    """django-otp makes a device wait 1, 2, 4 … seconds after wrong codes; tests do not wait."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None, throttling_failure_count=0
    )


def test_a_citizen_signs_in_with_the_password_alone(citizen):
    client = Client()
    response = sign_in_with_password(client, "citizen", "/me/messages/")
    assert response.status_code == 302 and response.url == "/me/messages/"
    assert client.get("/me/messages/").status_code == 200
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize("role", ["editor", "dispatcher", "handler", "leader", "admin_user"])
def test_staff_without_a_device_are_sent_to_enrolment_from_everywhere(request, role, client):
    user = request.getfixturevalue(role)
    client = Client()
    response = sign_in_with_password(client, user.username, "/workbench/")
    assert response.status_code == 302 and response.url == "/accounts/two-factor/?next=%2Fworkbench%2F"
    response = client.get(response.url)
    assert response.status_code == 302 and response.url == "/accounts/two-factor/setup/?next=%2Fworkbench%2F"

    for path in ("/workbench/", "/admin/", "/workbench/export.csv", "/me/messages/", "/accounts/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/accounts/two-factor/?next="), path
        assert client.get(response.url).url.startswith("/accounts/two-factor/setup/"), path
    api = client.get("/api/v1/workbench")
    assert api.status_code == 403
    assert (
        api.json()["error"]["code"] == "second_factor_required"
        and "两步验证" in api.json()["error"]["message"]
    )
    assert client.post("/api/v1/messages", {}, content_type="application/json").status_code == 403
    # Signing out still works.
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/workbench/").url.startswith("/accounts/login/")


def test_enrolment_shows_a_local_qr_code_and_the_secret_then_recovery_codes_once(handler):
    client = Client()
    sign_in_with_password(client, "handler")
    page = client.get("/accounts/two-factor/setup/?next=/workbench/")
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=handler)
    assert not device.confirmed
    qr_code = html.split("<svg", 1)[1].split("</svg>")[0]  # drawn here: no image from another service
    assert "身份验证器二维码" in qr_code and "http" not in qr_code and "<img" not in html
    secret = page.context["secret"]
    assert secret in html and secret.replace(" ", "") in device.config_url
    # Reloading keeps the secret that the person may have scanned already.
    assert client.get("/accounts/two-factor/setup/").context["secret"] == secret
    assert TOTPDevice.objects.filter(user=handler).count() == 1

    wrong = client.post("/accounts/two-factor/setup/", {"code": "12345", "next": "/workbench/"})
    assert wrong.status_code == 422 and "6 位数字" in wrong.content.decode()
    wrong = client.post("/accounts/two-factor/setup/", {"code": code_of(device, steps_ahead=5)})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.content.decode()
    forget_wrong_tries(device)
    assert client.get("/workbench/").status_code == 302

    done = client.post("/accounts/two-factor/setup/", {"code": code_of(device), "next": "/workbench/"})
    assert done.status_code == 200 and done["Cache-Control"] == "no-store"
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in done.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    stored = StaticToken.objects.filter(device__user=handler).values_list("token", flat=True)
    assert sorted(stored) == sorted(codes)
    assert client.get("/workbench/").status_code == 200
    # Enrolled and verified: the enrolment page is closed, and shows the codes never again.
    assert client.get("/accounts/two-factor/setup/").url == "/accounts/"


def test_with_a_device_the_password_leads_to_the_code(editor):
    device = ensure_confirmed_totp_device(editor)
    client = Client()
    response = sign_in_with_password(client, "editor", "/workbench/")
    assert response.url == "/accounts/two-factor/?next=%2Fworkbench%2F"
    page = client.get(response.url)
    assert page.status_code == 200 and "两步验证" in page.content.decode()
    # Knowing the password is not enough to enrol another authenticator.
    assert client.get("/accounts/two-factor/setup/").url.startswith("/accounts/two-factor/")
    assert TOTPDevice.objects.filter(user=editor).count() == 1
    assert client.get("/workbench/").status_code == 302

    for wrong_code in ("000000" if code_of(device) != "000000" else "111111", "abc", ""):
        wrong = client.post("/accounts/two-factor/", {"code": wrong_code, "next": "/workbench/"})
        assert wrong.status_code == 422
        assert wrong.context["form"].errors["code"]
        forget_wrong_tries(device)
    assert client.get("/workbench/").status_code == 302

    done = client.post("/accounts/two-factor/", {"code": code_of(device), "next": "/workbench/"})
    assert done.status_code == 302 and done.url == "/workbench/"
    assert client.get("/workbench/").status_code == 200
    assert client.get("/admin/").status_code == 302  # an editor is not admin staff: Django's own refusal
    assert client.get("/api/v1/workbench").status_code == 200


def test_wrong_codes_make_the_device_wait(editor):
    device = ensure_confirmed_totp_device(editor)
    client = Client()
    sign_in_with_password(client, "editor")
    client.post("/accounts/two-factor/", {"code": "000000" if code_of(device) != "000000" else "111111"})
    refused = client.post("/accounts/two-factor/", {"code": code_of(device)})
    assert refused.status_code == 422 and "错误次数过多" in refused.content.decode()
    assert client.get("/workbench/").status_code == 302


def test_a_code_works_once(editor):
    device = ensure_confirmed_totp_device(editor)
    code = code_of(device)
    first, second = Client(), Client()
    sign_in_with_password(first, "editor")
    sign_in_with_password(second, "editor")
    assert first.post("/accounts/two-factor/", {"code": code}).status_code == 302
    replayed = second.post("/accounts/two-factor/", {"code": code})
    assert replayed.status_code == 422 and "已使用" in replayed.content.decode()


def test_a_recovery_code_works_once(client, handler):
    client.force_login(handler)  # a verified session, as after enrolment
    page = client.post("/accounts/two-factor/recovery-codes/")
    codes = page.context["codes"]
    assert len(codes) == 10 and StaticDevice.objects.filter(user=handler).count() == 1

    browser = Client()
    sign_in_with_password(browser, "handler", "/workbench/")
    used = browser.post("/accounts/two-factor/", {"code": codes[3].upper(), "next": "/workbench/"})
    assert used.status_code == 302 and used.url == "/workbench/"
    assert browser.get("/workbench/").status_code == 200
    assert StaticToken.objects.filter(device__user=handler).count() == 9

    again = Client()
    sign_in_with_password(again, "handler")
    refused = again.post("/accounts/two-factor/", {"code": codes[3]})
    assert refused.status_code == 422 and "恢复码不正确或已使用" in refused.content.decode()
    assert again.get("/workbench/").status_code == 302

    # New codes replace the old ones.
    renewed = client.post("/accounts/two-factor/recovery-codes/").context["codes"]
    forget_wrong_tries(StaticDevice.objects.get(user=handler))
    assert again.post("/accounts/two-factor/", {"code": codes[4]}).status_code == 422
    assert not set(renewed) & set(codes)


def test_an_admin_resets_a_lost_device(client, admin_user, handler):
    device = ensure_confirmed_totp_device(handler)
    lost_phone_session = Client()
    lost_phone_session.force_login(handler)
    from tests.second_factor import SecondFactorClient

    verified = SecondFactorClient()
    verified.force_login(handler)
    assert verified.get("/workbench/").status_code == 200

    client.force_login(admin_user)
    changelist = client.get("/admin/accounts/user/")
    assert changelist.status_code == 200 and "重置身份验证器" in changelist.content.decode()
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [handler.pk]},
        follow=True,
    )
    assert response.status_code == 200 and "已重置 1 个账号的身份验证器" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=handler).exists()
    assert not StaticDevice.objects.filter(user=handler).exists()
    assert TOTPDevice.objects.filter(user=admin_user).exists()
    assert device.pk not in TOTPDevice.objects.values_list("pk", flat=True)

    # The session verified with the lost device no longer counts; the next sign-in enrols anew.
    assert verified.get("/workbench/").url.startswith("/accounts/two-factor/")
    fresh = Client()
    sign_in_with_password(fresh, "handler")
    assert fresh.get("/accounts/two-factor/").url == "/accounts/two-factor/setup/"


def test_the_admin_needs_a_verified_staff_user(admin_user):
    password_only = Client()
    sign_in_with_password(password_only, "operator")
    assert password_only.get("/admin/").url == "/accounts/two-factor/?next=/admin/"
    assert password_only.get("/admin/accounts/user/").status_code == 302
    # The admin site refuses on its own too, should a request reach it unverified.
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    admin_user.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    admin_user.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_totp_code_prints_the_code_the_device_accepts(editor, dispatcher, settings):
    ensure_confirmed_totp_device(editor)
    out = StringIO()
    call_command("totp_code", "--username", "editor", stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    client = Client()
    sign_in_with_password(client, "editor")
    assert client.post("/accounts/two-factor/", {"code": code}).status_code == 302
    # That code is used up: the command then gives the next step's, which the device still accepts.
    out = StringIO()
    call_command("totp_code", "--username", "editor", stdout=out)
    assert out.getvalue().strip() != code
    other = Client()
    sign_in_with_password(other, "editor")
    assert other.post("/accounts/two-factor/", {"code": out.getvalue().strip()}).status_code == 302

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="development only"):
        call_command("totp_code", "--username", "editor", stdout=StringIO())
    settings.PRODUCTION = False
    with pytest.raises(CommandError, match="no confirmed authenticator"):
        call_command("totp_code", "--username", "dispatcher", stdout=StringIO())
    with pytest.raises(CommandError, match="No user"):
        call_command("totp_code", "--username", "nobody", stdout=StringIO())


def test_the_account_page_shows_the_second_factor_to_staff_only(client, citizen, editor):
    client.force_login(editor)
    html = client.get("/accounts/").content.decode()
    assert "两步验证" in html and "已绑定身份验证器" in html and "生成新的恢复码" in html
    client.force_login(citizen)
    html = client.get("/accounts/").content.decode()
    assert "两步验证" not in html and "API 令牌" in html


def idle_for(client, minutes: int) -> None:
    from liuyan.web.staff_sessions import LAST_SEEN_SESSION_KEY

    session = client.session
    session[LAST_SEEN_SESSION_KEY] = int(time.time()) - minutes * 60
    session.save()


def test_a_staff_session_ends_after_the_idle_timeout(client, editor, settings):
    settings.LIUYAN_STAFF_IDLE_MINUTES = 30
    client.force_login(editor)
    assert client.get("/workbench/").status_code == 200
    idle_for(client, 29)
    assert client.get("/workbench/").status_code == 200  # active again: the clock restarts
    idle_for(client, 31)
    response = client.get("/workbench/", follow=True)
    assert response.redirect_chain[0][0].startswith("/accounts/login/")
    assert "30 分钟没有操作" in response.content.decode()
    assert client.get("/workbench/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_a_citizens_session_has_no_idle_timeout(client, citizen, settings):
    settings.LIUYAN_STAFF_IDLE_MINUTES = 30
    client.force_login(citizen)
    idle_for(client, 600)
    assert client.get("/me/messages/").status_code == 200
