import pytest

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


def test_token_for_valid_credentials_is_stored_hashed_and_works(client, handler):
    response = request_token(client, "handler", PASSWORD)
    assert response.status_code == 201
    body = assert_matches_openapi(response, "POST", "/api/v1/auth/token")
    token = body["token"]
    assert body["user"]["roles"][0]["role"] == "handler"
    stored = ApiToken.objects.get(user=handler)
    assert stored.digest != token and token not in stored.digest and stored.prefix == token[:10]

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert assert_matches_openapi(me, "GET", "/api/v1/me")["username"] == "handler"
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


def test_revoked_token_and_inactive_user_are_refused(client, handler):
    from liuyan.accounts.actions import revoke_api_token

    token = assert_matches_openapi(request_token(client, "handler", PASSWORD), "POST", "/api/v1/auth/token")[
        "token"
    ]
    revoke_api_token(ApiToken.objects.get(user=handler))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    token = request_token(client, "handler", PASSWORD).json()["token"]
    handler.is_active = False
    handler.save()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
