"""Public output never shows an author's phone or an unmasked ID number: walk every public GET endpoint
of the API over messages full of personal data, as an anonymous visitor and as an unrelated citizen."""

import re

import pytest
from django.utils import timezone

from liuyan.accounts.models import User
from liuyan.board.actions.campaigns import create_campaign
from liuyan.board.choices import MessageState
from liuyan.board.privacy import mask_name, mask_text
from tests.api.openapi import openapi_schema
from tests.board.api_client import ApiClient
from tests.board.factories import make_message

pytestmark = pytest.mark.django_db

AUTHOR_PHONE = "13987654321"
CONTACT_PHONE = "13512345678"
ID_NUMBER = "530923199001011234"
BODY = f"我的电话{AUTHOR_PHONE}，身份证号{ID_NUMBER}，银行卡 6222021234567890123，邮箱 wang.er@example.com。"
UNMASKED_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


@pytest.fixture
def personal_messages(admin_user):
    author = User.objects.create_user("wanger", password=None, phone=AUTHOR_PHONE, nickname="王二小")
    now = timezone.now()
    campaign = create_campaign(
        admin_user,
        title="为家乡建言",
        slug="jianyan",
        opens_at=now - timezone.timedelta(days=1),
        closes_at=now + timezone.timedelta(days=1),
        state="open",
    )
    messages = [
        make_message(
            author,
            admin_user,
            state,
            title=f"反映问题 {AUTHOR_PHONE}",
            body=BODY,
            contact_phone=CONTACT_PHONE,
            anonymous=anonymous,
            campaign_slug=campaign.slug if state == MessageState.PUBLISHED else None,
            message_type="suggestion" if state == MessageState.PUBLISHED else "complaint",
        )
        for state, anonymous in [
            (MessageState.PUBLISHED, False),
            (MessageState.IN_PROGRESS, True),
            (MessageState.REPLIED, True),
            (MessageState.PENDING_REVIEW, False),
        ]
    ]
    return author, messages, campaign


def public_get_paths(messages, campaign) -> list[str]:
    """Every public GET path of the OpenAPI document, with its parameters filled from real rows."""
    fill = {
        "{message_id}": [str(m.id) for m in messages],
        "{code}": ["530923", "530900"],
        "{slug}": [campaign.slug],
    }
    paths = []
    for path, operations in openapi_schema()["paths"].items():
        operation = operations.get("get")
        if operation is None or operation.get("security") or "{attachment_id}" in path:
            continue
        candidates = [path]
        for placeholder, values in fill.items():
            candidates = (
                [c.replace(placeholder, v) for c in candidates for v in values]
                if placeholder in path
                else candidates
            )
        paths += [c.removeprefix("/api/v1") for c in candidates]
    return paths


def test_public_endpoints_show_no_phone_and_no_id_number(personal_messages, citizen):
    _author, messages, campaign = personal_messages
    paths = public_get_paths(messages, campaign)
    assert any("/messages/" in p for p in paths) and "/messages" in paths
    walked = 0
    for reader in (ApiClient(), ApiClient(citizen)):
        for path in paths:
            for params in ({}, {"region": "530900"}, {"campaign": campaign.slug}, {"q": "反映问题"}):
                response = reader.get(path, **params)
                # Exports (GET /messages/export) stream their content.
                body = b"".join(response.streaming_content) if response.streaming else response.content
                text = body.decode("utf-8-sig")
                assert AUTHOR_PHONE not in text and CONTACT_PHONE not in text, path
                assert not UNMASKED_ID.search(text), path
                assert "wang.er@example.com" not in text and "wanger" not in text, path
                walked += 1
    assert walked > 20
    listed = ApiClient().get("/messages", region="530900").json()["results"]
    assert {m["author"] for m in listed} <= {"王二小", mask_name("王二小")}
    assert mask_text(BODY) in {m["body"] for m in listed}


def test_the_author_and_staff_in_scope_see_the_originals(personal_messages, handler):
    author, messages, _campaign = personal_messages
    in_progress = messages[1]
    as_author = ApiClient(author).get(f"/messages/{in_progress.id}").json()
    assert ID_NUMBER in as_author["body"]
    as_handler = ApiClient(handler).get(f"/messages/{in_progress.id}").json()
    assert ID_NUMBER in as_handler["body"] and as_handler["staff"]["contact_phone"] == CONTACT_PHONE


def test_masking_rules():
    assert mask_text("电话 13812345678") == "电话 138****5678"
    assert mask_text("身份证 11010519900101123X") == "身份证 110105********123X"
    assert mask_text("卡号 6222 0212 3456 7890") == "卡号 6222 **** **** 7890"
    assert mask_text("邮箱 zhang@example.com") == "邮箱 z***@example.com"
    assert mask_text("座机 0871-12345678") == "座机 0871-****5678"
    assert (
        mask_text("编号 LY20261122000001，2026年，金额123456元")
        == "编号 LY20261122000001，2026年，金额123456元"
    )
    assert mask_name("张三丰") == "张**" and mask_name("") == "网友"
