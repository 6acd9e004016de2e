"""Driving the API as a given user, through the front door with a bearer token."""

from django.test import Client

from liuyan.accounts.actions import issue_api_token


class ApiClient:
    """A test client that sends `Authorization: Bearer …` for `user` (anonymous when None)."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {issue_api_token(user, 'test')}"} if user else {}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=self.headers
        )

    def act(self, message_id: int, action: str, body: dict | None = None):
        return self.post(f"/messages/{message_id}/{action}", body)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content.decode()[:500])
    return response.json()
