"""Public output never shows an author's phone or an unmasked ID number: walk every public GET endpoint
of the API over messages full of personal data, as an anonymous visitor and as an unrelated citizen."""

import json
import re
import unicodedata
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from liuyan.accounts.models import User
from liuyan.board.actions import replies
from liuyan.board.actions.campaigns import create_campaign
from liuyan.board.choices import MessageState
from liuyan.board.privacy import mask_reply, mask_text, public_author_name
from liuyan.reports import opendata
from tests.api.openapi import openapi_schema
from tests.api_client import ApiClient
from tests.factories import make_message

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


@pytest.mark.slow
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
    assert {m["author"] for m in listed} <= {"王二小", "网友"}
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
    assert mask_text("第1 3 9 1 2 3 4 5 6 7 8号") == "第1 3 9 * * * * 5 6 7 8号"


# ---- Numbers however they are typed ----


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话１３９１２３４５６７８。", "电话１３９****５６７８。"),  # full-width digits
        ("电话139.1234.5678。", "电话139.****.5678。"),
        ("电话139 1234 5678。", "电话139 **** 5678。"),
        ("电话139-1234-5678。", "电话139-****-5678。"),
        ("电话139－1234－5678。", "电话139－****－5678。"),  # full-width hyphen
        ("电话139\u30001234\u30005678。", "电话139\u3000****\u30005678。"),  # full-width space
        ("电话139\u200b1234\u200b5678。", "电话139\u200b****\u200b5678。"),  # zero-width space
        ("电话139·1234·5678。", "电话139·****·5678。"),
        ("电话1 3 9 1 2 3 4 5 6 7 8。", "电话1 3 9 * * * * 5 6 7 8。"),
        ("电话+86 139 1234 5678。", "电话+86 139 **** 5678。"),
        ("电话+8613912345678。", "电话+86139****5678。"),
        ("电话（0883）2123456。", "电话（0883）***3456。"),
        ("老身份证530923900101123。", "老身份证530923******123。"),  # the 15-digit first generation
        ("身份证 530923 19900101 1234。", "身份证 530923 ******** 1234。"),
        ("身份证 5309-2319-9001-0112-3X。", "身份证 5309-23**-****-**12-3X。"),
        ("身份证５３０９２３１９９００１０１１２３Ｘ。", "身份证５３０９２３********１２３Ｘ。"),
        ("卡号 6222-0212-3456-7890-123。", "卡号 6222-****-****-***0-123。"),
        ("邮箱 ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ。", "邮箱 ｗ***＠ｅｘａｍｐｌｅ．ｃｏｍ。"),
        ("2026-11-05 13912345678 来电", "2026-11-05 139****5678 来电"),  # the date stays a date
        ("13912345678 13812345678", "139****5678 138****5678"),
    ],
)
def test_masking_finds_numbers_however_they_are_typed(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2026年11月5日、2026-11-05 08:30，金额 1,234,567.89 元，编号 LY20261122000001。",
        "请拨打 12345 热线；营业执照注册号 530923000012345；服务器 192.168.100.200。",
        "第 1 2 3 条，共 3.1415926 公里。",
    ],
)
def test_text_without_personal_numbers_is_left_as_written(text):
    assert mask_text(text) == text


def test_a_reply_keeps_the_units_contacts_and_masks_a_persons_numbers():
    reply = (
        "咨询电话 0883-2123456，邮箱 jyj@lincang.gov.cn。已与留言人（13912345678）电话沟通，"
        "其身份证 530923199001011234、银行卡 6222 0212 3456 7890 信息已核实。"
    )
    assert mask_reply(reply) == (
        "咨询电话 0883-2123456，邮箱 jyj@lincang.gov.cn。已与留言人（139****5678）电话沟通，"
        "其身份证 530923********1234、银行卡 6222 **** **** 7890 信息已核实。"
    )
    citizen_text = "我的座机 0883-2123456，邮箱 jyj@lincang.gov.cn"
    assert mask_text(citizen_text) == "我的座机 0883-***3456，邮箱 j***@lincang.gov.cn"


def test_the_public_author_name_is_the_nickname_or_a_fixed_form():
    assert public_author_name("王二小", anonymous=False) == "王二小"
    assert public_author_name("王二小", anonymous=True) == "网友"  # not 王**: no first character, no length
    assert public_author_name("", anonymous=False) == "网友"
    assert public_author_name("  ", anonymous=False) == "网友"
    assert public_author_name("老王13912345678", anonymous=False) == "老王139****5678"


def test_the_public_never_sees_a_login_name(admin_user, editor):
    plain = User.objects.create_user("zhuhong", password=None)  # no nickname
    named = User.objects.create_user("lisi2026", password=None, nickname="李四")
    shown = make_message(plain, admin_user, MessageState.PUBLISHED, title="路灯不亮了请修")
    anonymous = make_message(
        named, admin_user, MessageState.PUBLISHED, title="路灯不亮了请修", anonymous=True
    )
    for reader in (ApiClient(), ApiClient(plain)):
        for message in (shown, anonymous):
            detail = reader.get(f"/messages/{message.id}").json()
            assert detail["author"] == "网友"
        assert "zhuhong" not in reader.get("/messages").content.decode()
    page = Client().get(f"/messages/{shown.id}/").content.decode()
    assert "zhuhong" not in page and "<dd>网友</dd>" in page
    anonymous_page = Client().get(f"/messages/{anonymous.id}/").content.decode()
    assert "李*" not in anonymous_page and "李四" not in anonymous_page and "<dd>网友</dd>" in anonymous_page
    # Staff in scope still find the account behind a message.
    assert ApiClient(editor).get(f"/messages/{shown.id}").json()["staff"]["author_username"] == "zhuhong"


# ---- Every public output ----

# Numbers as citizens type them, and the digits none of the public outputs may show.
TYPED = {
    "１３９１２３４５６７８": "13912345678",
    "138.1234.5678": "13812345678",
    "137 1234 5678": "13712345678",
    "1 3 6 1 2 3 4 5 6 7 8": "13612345678",
    "+86 135-1234-5678": "13512345678",
    "530923900101123": "530923900101123",
    "530923 19900101 1234": "530923199001011234",
}
TYPED_BODY = "联系方式：" + "；".join(TYPED) + "，座机 0883-2127777。"
OFFICE_PHONE = "0883-2123456"


def squeezed(text: str) -> str:
    """The text with compatibility forms folded and separators removed, so that any way of writing a
    number shows as its digits."""
    return re.sub(r"[\s\-.·()]", "", unicodedata.normalize("NFKC", text))


def test_every_public_output_masks_numbers_however_typed(client, citizen, admin_user, tmp_path):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS, body=TYPED_BODY)
    reply = replies.submit_reply(
        admin_user, message.id, f"请致电 {OFFICE_PHONE}；已与留言人（１３９１２３４５６７８）联系。"
    )
    replies.approve_reply(admin_user, reply.id)
    outputs = {
        path: client.get(path)
        for path in (
            "/messages/",
            f"/messages/{message.id}/",
            "/regions/530923/feed.rss",
            "/regions/530923/feed.atom",
            "/open311/v2/requests.json",
            "/open311/v2/requests.xml",
            "/messages/export.csv",
        )
    }
    texts = {path: response.content.decode() for path, response in outputs.items() if not response.streaming}
    texts["/messages/export.csv"] = b"".join(outputs["/messages/export.csv"].streaming_content).decode()
    texts["/open311/v2/requests.json"] = json.dumps(
        outputs["/open311/v2/requests.json"].json(), ensure_ascii=False
    )
    for path in ("/messages", f"/messages/{message.id}"):
        texts[f"/api/v1{path}"] = json.dumps(ApiClient().get(path).json(), ensure_ascii=False)
    opendata.write_open_data(tmp_path / "open.zip")
    with zipfile.ZipFile(tmp_path / "open.zip") as archive:
        texts["open data"] = archive.read("messages.csv").decode() + archive.read("replies.csv").decode()
    assert all(response.status_code == 200 for response in outputs.values())
    for where, text in texts.items():
        for digits in TYPED.values():
            assert digits not in squeezed(text), (where, digits)
        assert "08832127777" not in squeezed(text), where
    # The unit's office phone is shown wherever its reply is.
    for where in ("/messages/{}/", "/regions/530923/feed.rss", "/open311/v2/requests.json", "open data"):
        assert OFFICE_PHONE in texts[where.format(message.id)], where
    assert (
        OFFICE_PHONE in texts[f"/api/v1/messages/{message.id}"]
        and OFFICE_PHONE in texts["/messages/export.csv"]
    )
