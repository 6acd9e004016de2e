"""Signing in and out, and changing one's password."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_returns_to_the_page_asked_for(client, citizen):
    page = client.get("/accounts/login/?next=/post/")
    assert page.status_code == 200 and "请先登录" in page.content.decode()

    response = client.post(
        "/accounts/login/", {"username": "citizen", "password": PASSWORD, "next": "/post/"}
    )

    assert response.status_code == 302 and response.url == "/post/"
    assert client.get("/post/").status_code == 200


def test_a_wrong_password_is_refused_in_chinese(client, citizen):
    response = client.post("/accounts/login/", {"username": "citizen", "password": "wrong-password"})

    assert response.status_code == 422
    assert "用户名或密码不正确（密码区分大小写）。" in response.content.decode()
    assert 'value="citizen"' in response.content.decode()


def test_an_outside_next_is_ignored(client, citizen):
    response = client.post(
        "/accounts/login/", {"username": "citizen", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/"


def test_sign_in_is_rate_limited_per_address(client, citizen, settings):
    settings.LIUYAN_AUTH_RATE = "3/m"
    for _ in range(3):
        client.post("/accounts/login/", {"username": "citizen", "password": "wrong-password"})

    response = client.post("/accounts/login/", {"username": "citizen", "password": PASSWORD})

    assert response.status_code == 429
    assert "操作过于频繁，请一分钟后再试。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post(client, citizen):
    client.force_login(citizen)
    assert client.get("/accounts/logout/").status_code == 405

    response = client.post("/accounts/logout/", follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "您已退出登录。" in response.content.decode()
    assert client.get("/me/messages/").status_code == 302


def test_changing_the_password(client, citizen):
    assert client.get("/accounts/password/").url == "/accounts/login/?next=/accounts/password/"
    client.force_login(citizen)

    wrong = client.post(
        "/accounts/password/",
        {"old_password": "not-it", "new_password1": "Nq7-new-secret", "new_password2": "Nq7-new-secret"},
    )
    assert wrong.status_code == 422 and "old_password" in wrong.context["form"].errors

    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Nq7-new-secret", "new_password2": "Nq7-new-secret"},
    )
    assert response.status_code == 302 and response.url == "/me/messages/"
    citizen.refresh_from_db()
    assert citizen.check_password("Nq7-new-secret")
    assert client.get("/me/messages/").status_code == 200  # still signed in
