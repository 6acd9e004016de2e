"""The lifecycle endpoints beyond the scenario: registration, lists and filters, the workbench, the
notification inbox, campaigns, attachments, error shapes and rate limits — checked against OpenAPI."""

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from liuyan.accounts.models import User
from liuyan.board.choices import MessageState
from tests.api.openapi import assert_matches_openapi
from tests.api_client import ApiClient
from tests.factories import make_message

pytestmark = pytest.mark.django_db


def test_register_with_a_verified_phone_then_sign_in(client, caplog):
    caplog.set_level("INFO", logger="liuyan.sms")
    sent = client.post("/api/v1/auth/phone-code", {"phone": "13700001111"}, content_type="application/json")
    assert assert_matches_openapi(sent, "POST", "/api/v1/auth/phone-code")["phone"] == "13700001111"
    sms = next(r.getMessage() for r in caplog.records if r.name == "liuyan.sms")
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", sms.split(":", 1)[1]).group(1)
    registration = {
        "username": "xiaoming",
        "password": "Kq8-secure-pass",
        "phone": "13700001111",
        "nickname": "小明",
    }
    unverified = client.post(
        "/api/v1/auth/register", {**registration, "code": "000000"}, content_type="application/json"
    )
    assert unverified.status_code == 422 and "code" in unverified.json()["error"]["fields"]
    response = client.post(
        "/api/v1/auth/register", {**registration, "code": code}, content_type="application/json"
    )
    body = assert_matches_openapi(response, "POST", "/api/v1/auth/register")
    assert response.status_code == 201, body
    assert body["roles"][0]["role"] == "citizen"
    assert User.objects.get(username="xiaoming").password.startswith("argon2$")
    token = client.post(
        "/api/v1/auth/token",
        {"username": "xiaoming", "password": "Kq8-secure-pass"},
        content_type="application/json",
    )
    assert token.status_code == 201


def test_registration_errors_name_their_fields(client, citizen):
    response = client.post(
        "/api/v1/auth/register",
        {"username": "citizen", "password": "123", "phone": "12"},
        content_type="application/json",
    )
    body = assert_matches_openapi(response, "POST", "/api/v1/auth/register")
    assert response.status_code == 422 and {"username", "password", "phone"} <= set(body["error"]["fields"])
    assert body["error"]["fields"]["username"] == "这个用户名已被注册。"


def test_sign_in_is_rate_limited(client, settings):
    settings.LIUYAN_AUTH_RATE = "3/m"
    for _ in range(3):
        client.post("/api/v1/auth/token", {"username": "x", "password": "y"}, content_type="application/json")
    response = client.post(
        "/api/v1/auth/token", {"username": "x", "password": "y"}, content_type="application/json"
    )
    assert response.status_code == 429
    assert (
        assert_matches_openapi(response, "POST", "/api/v1/auth/token")["error"]["code"] == "too_many_requests"
    )


def test_submission_errors_and_validation(citizen):
    api = ApiClient(citizen)
    response = api.post(
        "/messages", {"leader_id": 1, "type": "complaint", "domain": "教育", "title": "短", "body": "短"}
    )
    body = assert_matches_openapi(response, "POST", "/api/v1/messages")
    assert response.status_code == 422 and {"title", "body"} <= set(body["error"]["fields"])
    response = ApiClient().post("/messages", {})
    assert response.status_code == 401


def test_illegal_transition_is_409_naming_the_state(citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.REPLIED)
    response = ApiClient(admin_user).act(message.id, "accept")
    body = assert_matches_openapi(response, "POST", "/api/v1/messages/{message_id}/{action}")
    assert response.status_code == 409 and "已回复" in body["error"]["message"]
    assert ApiClient(admin_user).act(message.id, "fly").status_code == 422


def test_public_list_filters_and_paginates(citizen, admin_user):
    published = [
        make_message(citizen, admin_user, MessageState.PUBLISHED, title=f"路灯不亮第{i}处") for i in range(3)
    ]
    make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False, title="北京的路灯问题")
    make_message(citizen, admin_user, MessageState.PENDING_REVIEW, title="还没审核的路灯问题")
    api = ApiClient()
    body = assert_matches_openapi(
        api.get("/messages", region="530000", page_size=2), "GET", "/api/v1/messages"
    )
    assert body["count"] == 3 and len(body["results"]) == 2
    assert {r["id"] for r in body["results"]} <= {m.id for m in published}
    assert api.get("/messages", q="北京").json()["count"] == 1
    assert api.get("/messages", q="审核").json()["count"] == 0
    assert (
        api.get("/messages", state="published", type="complaint", domain=published[0].domain_id).json()[
            "count"
        ]
        == 4
    )
    assert api.get("/messages", region="999999").json()["count"] == 0
    assert api.get("/messages", state="nonsense").status_code == 422


def test_my_messages_include_every_state(citizen, admin_user):
    make_message(citizen, admin_user, MessageState.PENDING_REVIEW)
    make_message(citizen, admin_user, MessageState.REPLIED)
    body = assert_matches_openapi(ApiClient(citizen).get("/messages/mine"), "GET", "/api/v1/messages/mine")
    assert {r["state"] for r in body["results"]} == {"pending_review", "replied"}


def test_private_message_is_handled_but_never_listed(citizen, admin_user, handler):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS, public=False)
    assert ApiClient().get(f"/messages/{message.id}").status_code == 404
    assert ApiClient().get("/messages").json()["count"] == 0
    assert ApiClient(handler).get(f"/messages/{message.id}").status_code == 200
    assert ApiClient(citizen).get(f"/messages/{message.id}").status_code == 200


def test_workbench_shows_each_role_its_queues(citizen, admin_user, editor, dispatcher, handler, leader):
    make_message(citizen, admin_user, MessageState.PENDING_REVIEW)
    make_message(citizen, admin_user, MessageState.PUBLISHED)
    make_message(citizen, admin_user, MessageState.ASSIGNED)
    make_message(citizen, admin_user, MessageState.REPLY_REVIEW)

    def queues(user):
        response = ApiClient(user).get("/workbench")
        return assert_matches_openapi(response, "GET", "/api/v1/workbench")["queues"]

    editor_queues = queues(editor)
    assert editor_queues["to_moderate"]["count"] == 1 and editor_queues["replies_to_review"]["count"] == 1
    assert "desk_incoming" not in editor_queues
    assert queues(dispatcher)["desk_incoming"]["count"] == 1
    handler_queues = queues(handler)
    assert handler_queues["unit_to_accept"]["count"] == 1 and "to_moderate" not in handler_queues
    assert set(queues(leader)) == {"supervised", "overdue"}
    assert queues(citizen) == {}


def test_notification_inbox(citizen, admin_user):
    make_message(citizen, admin_user, MessageState.PUBLISHED)
    api = ApiClient(citizen)
    body = assert_matches_openapi(api.get("/notifications"), "GET", "/api/v1/notifications")
    assert body["unread"] == 2 and {n["kind"] for n in body["results"]} == {
        "message_submitted",
        "message_published",
    }
    marked = api.post("/notifications/read", {"ids": [body["results"][0]["id"]]})
    assert assert_matches_openapi(marked, "POST", "/api/v1/notifications/read")["marked"] == 1
    assert api.get("/notifications", unread=True).json()["count"] == 1


def test_campaigns_editor_creates_public_reads(editor, citizen):
    now = timezone.now()
    payload = {
        "title": "我为家乡建言",
        "slug": "hometown",
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=9)).isoformat(),
        "type_codes": ["suggestion"],
        "state": "open",
    }
    assert ApiClient(citizen).post("/campaigns", payload).status_code == 403
    response = ApiClient(editor).post("/campaigns", payload)
    body = assert_matches_openapi(response, "POST", "/api/v1/campaigns")
    assert response.status_code == 201 and body["is_open"] and body["allowed_types"] == ["suggestion"]
    assert ApiClient(editor).post("/campaigns", payload).json()["error"]["code"] == "slug_taken"
    listed = assert_matches_openapi(ApiClient().get("/campaigns"), "GET", "/api/v1/campaigns")
    assert [c["slug"] for c in listed] == ["hometown"]
    closed = ApiClient(editor).post("/campaigns/hometown/state", {"state": "closed"}).json()
    assert closed["is_open"] is False
    assert ApiClient().get("/campaigns/missing").status_code == 404


def test_attachments_upload_and_download(citizen, admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    message = make_message(citizen, admin_user)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "JPEG")
    buffer.name = "现场.jpg"
    buffer.seek(0)
    api = ApiClient(citizen)
    response = api.client.post(
        f"/api/v1/messages/{message.id}/attachments", {"files": [buffer]}, headers=api.headers
    )
    body = assert_matches_openapi(response, "POST", "/api/v1/messages/{message_id}/attachments")
    assert response.status_code == 201 and body[0]["content_type"] == "image/jpeg"
    download = api.client.get(body[0]["url"], headers=api.headers)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\xff\xd8")
    assert Client().get(body[0]["url"]).status_code == 404  # not public before publication
    bad = io.BytesIO(b"#!/bin/sh\necho hi\n")
    bad.name = "x.png"
    refused = api.client.post(
        f"/api/v1/messages/{message.id}/attachments", {"files": [bad]}, headers=api.headers
    )
    assert refused.status_code == 422 and "不是" in refused.json()["error"]["message"]
