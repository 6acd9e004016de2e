from datetime import timedelta

import pytest
from django.utils import timezone

from liuyan.accounts.actions import issue_api_token
from liuyan.accounts.models import ApiToken
from tests.api.openapi import assert_matches_openapi
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def request_token(client, username: str, password: str):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password, "name": "测试"},
        content_type="application/json",
    )


def test_token_for_valid_credentials_is_stored_hashed_and_works(client, citizen):
    response = request_token(client, "citizen", PASSWORD)
    assert response.status_code == 201
    body = assert_matches_openapi(response, "POST", "/api/v1/auth/token")
    token = body["token"]
    assert body["user"]["roles"][0]["role"] == "citizen"
    stored = ApiToken.objects.get(user=citizen)
    assert stored.digest != token and token not in stored.digest and stored.prefix == token[:10]

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert assert_matches_openapi(me, "GET", "/api/v1/me")["username"] == "citizen"
    stored.refresh_from_db()
    assert stored.last_used_at is not None


@pytest.mark.parametrize(("username", "password"), [("handler", "wrong-password"), ("nobody", PASSWORD)])
def test_wrong_credentials_are_refused_alike(client, handler, username, password):
    response = request_token(client, username, password)
    assert response.status_code == 401
    assert assert_matches_openapi(response, "POST", "/api/v1/auth/token")["error"] == {
        "code": "invalid_credentials",
        "message": "用户名或密码错误。",
    }
    assert not ApiToken.objects.exists()


def test_malformed_request_is_a_validation_error(client):
    response = client.post("/api/v1/auth/token", {"username": ""}, content_type="application/json")
    assert response.status_code == 422
    assert (
        assert_matches_openapi(response, "POST", "/api/v1/auth/token")["error"]["code"] == "validation_error"
    )


@pytest.mark.parametrize("header", [None, "Bearer ly_not-a-token", "Bearer garbage", "Basic abc"])
def test_me_without_a_valid_token(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert assert_matches_openapi(response, "GET", "/api/v1/me")["error"]["code"] == "unauthorized"


def test_revoked_token_and_inactive_user_are_refused(client, citizen):
    from liuyan.accounts.actions import revoke_api_token

    token = assert_matches_openapi(request_token(client, "citizen", PASSWORD), "POST", "/api/v1/auth/token")[
        "token"
    ]
    revoke_api_token(ApiToken.objects.get(user=citizen))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    token = request_token(client, "citizen", PASSWORD).json()["token"]
    citizen.is_active = False
    citizen.save()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("role", ["editor", "dispatcher", "handler", "leader", "admin_user"])
def test_staff_get_no_token_on_a_password_alone(client, request, role):
    user = request.getfixturevalue(role)
    response = request_token(client, user.username, PASSWORD)
    assert response.status_code == 403
    error = assert_matches_openapi(response, "POST", "/api/v1/auth/token")["error"]
    assert error["code"] == "second_factor_required"
    assert "两步验证" in error["message"] and "账户安全" in error["message"]
    assert not ApiToken.objects.filter(user=user).exists()


def test_a_citizen_lists_and_revokes_their_tokens(client, citizen, editor):
    first = request_token(client, "citizen", PASSWORD).json()["token"]
    second = request_token(client, "citizen", PASSWORD).json()["token"]
    bearer = {"Authorization": f"Bearer {first}"}
    issue_api_token(editor, "someone else's")

    listed = client.get("/api/v1/auth/tokens", headers=bearer)
    rows = assert_matches_openapi(listed, "GET", "/api/v1/auth/tokens")
    assert [row["prefix"] for row in rows] == [second[:10], first[:10]]  # newest first, only their own
    assert all(row["name"] == "测试" and not row["expired"] for row in rows)
    assert "token" not in rows[0] and second not in listed.content.decode()

    gone = client.delete(f"/api/v1/auth/tokens/{rows[0]['id']}", headers=bearer)
    assert gone.status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    assert [row["prefix"] for row in client.get("/api/v1/auth/tokens", headers=bearer).json()] == [first[:10]]

    others = ApiToken.objects.get(user=editor)
    for token_id in (others.id, rows[0]["id"], 2**63 - 1):
        missing = client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer)
        assert missing.status_code == 404
        error = assert_matches_openapi(missing, "DELETE", "/api/v1/auth/tokens/{token_id}")["error"]
        assert error["code"] == "not_found"
    assert client.delete("/api/v1/auth/tokens/99999999999999999999", headers=bearer).status_code == 422
    others.refresh_from_db()
    assert others.revoked_at is None
    assert client.get("/api/v1/auth/tokens").status_code == 401


def test_an_expired_token_is_refused_and_listed_as_expired(client, citizen):
    token = request_token(client, "citizen", PASSWORD).json()["token"]
    fresh = issue_api_token(citizen, "fresh")
    ApiToken.objects.filter(prefix=token[:10]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    rows = client.get("/api/v1/auth/tokens", headers={"Authorization": f"Bearer {fresh}"}).json()
    assert {row["prefix"]: row["expired"] for row in rows} == {fresh[:10]: False, token[:10]: True}


def test_a_signed_in_staff_session_lists_tokens_after_the_second_factor(client, handler):
    issue_api_token(handler, "脚本")
    client.force_login(handler)  # passes the second factor too (tests/second_factor.py)
    rows = assert_matches_openapi(client.get("/api/v1/auth/tokens"), "GET", "/api/v1/auth/tokens")
    assert [row["name"] for row in rows] == ["脚本"]
