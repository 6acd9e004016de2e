"""Action rules beyond the main path: validation, campaigns, urgent deadlines, extensions, joint replies,
merging, attachments, support, withdrawal."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from liuyan.board.actions import dispatch, handling, replies, submission
from liuyan.board.actions.base import Conflict, Invalid
from liuyan.board.actions.campaigns import create_campaign
from liuyan.board.choices import EventKind, ExtensionState, MessageState
from liuyan.board.models import Event, Message
from liuyan.directory.calendar import add_working_days
from liuyan.directory.models import Leader
from tests.factories import latest_reply, make_message, unit_of

pytestmark = pytest.mark.django_db


def submit(author, **fields):
    values = {
        "leader_id": Leader.objects.get(code="530900-head").id,
        "message_type": "complaint",
        "domain": "交通",
        "title": "公交线路太少",
        "body": "我们村到县城每天只有两班车，出行非常不便，希望增加班次。",
    }
    values.update(fields)
    return submission.submit_message(author, **values)


def test_every_field_error_is_reported_at_once(citizen):
    with pytest.raises(Invalid) as raised:
        submit(
            citizen,
            leader_id=999999,
            message_type="nope",
            domain="不存在",
            title="短",
            body="太短了",
            contact_phone="abc",
        )
    assert set(raised.value.errors) == {"leader_id", "type", "domain", "title", "body", "contact_phone"}
    assert "4–60" in raised.value.errors["title"] and not Message.objects.filter(author=citizen).exists()


def test_region_must_lie_within_the_leaders_region(citizen):
    with pytest.raises(Invalid) as raised:
        submit(citizen, region_code="110105")
    assert raised.value.errors == {"region_code": "所涉地区须在临沧市范围内。"}
    assert submit(citizen, region_code="530923").region_id == "530923"
    assert submit(citizen).region_id == "530900"


def test_serials_count_up_per_day(citizen):
    first, second = submit(citizen), submit(citizen)
    day = timezone.localdate().strftime("%Y%m%d")
    assert first.serial.startswith(f"LY{day}") and int(second.serial[-6:]) == int(first.serial[-6:]) + 1


def campaign(editor, **fields):
    now = timezone.now()
    values = {
        "title": "防汛求助通道",
        "slug": "flood",
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(days=3),
        "state": "open",
        "region_codes": ["530000"],
        "type_codes": ["help"],
        "urgent_hours": 24,
    }
    values.update(fields)
    return create_campaign(editor, **values)


def test_campaign_scope_and_window(citizen, editor):
    campaign(editor)
    with pytest.raises(Invalid, match="只受理求助类留言"):
        submit(citizen, campaign_slug="flood")
    message = submit(citizen, campaign_slug="flood", message_type="help")
    assert message.urgent and message.campaign.slug == "flood"
    campaign(editor, slug="closed-one", state="closed")
    with pytest.raises(Conflict) as raised:
        submit(citizen, campaign_slug="closed-one", message_type="help")
    assert raised.value.code == "campaign_closed" and "不在征集时间内" in raised.value.message
    beijing = Leader.objects.get(code="110105-head").id
    with pytest.raises(Invalid, match="只受理云南省的留言"):
        submit(citizen, campaign_slug="flood", message_type="help", leader_id=beijing)


def test_urgent_campaign_messages_are_due_in_hours(citizen, editor, admin_user):
    campaign(editor)
    message = submit(citizen, campaign_slug="flood", message_type="help")
    from liuyan.board.actions.moderation import publish_message

    publish_message(admin_user, message.id)
    dispatch.assign_message(admin_user, message.id, unit_of(True).id)
    message.refresh_from_db()
    assert message.accept_deadline == message.assigned_at + timedelta(hours=2)
    assert message.reply_deadline == message.assigned_at + timedelta(hours=24)


def test_suggestions_get_ten_working_days(citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.ASSIGNED, message_type="suggestion")
    assert message.reply_deadline == add_working_days(message.assigned_at, 10)


def test_approved_extension_moves_the_deadline_refused_does_not(citizen, admin_user, handler, dispatcher):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    deadline = message.reply_deadline
    extension = handling.request_extension(handler, message.id, 5, "需要协调住建部门")
    with pytest.raises(Conflict, match="待审批"):
        handling.request_extension(handler, message.id, 3, "再申请一次")
    handling.decide_extension(dispatcher, extension.id, approve=True, note="同意")
    message.refresh_from_db()
    assert message.reply_deadline == add_working_days(deadline, 5)
    with pytest.raises(Conflict):
        handling.decide_extension(dispatcher, extension.id, approve=False)

    refused = handling.request_extension(handler, message.id, 3, "还需要时间")
    handling.decide_extension(dispatcher, refused.id, approve=False)
    refused.refresh_from_db()
    message.refresh_from_db()
    assert refused.state == ExtensionState.REFUSED and message.reply_deadline == add_working_days(deadline, 5)
    assert {e.kind for e in Event.objects.filter(message=message)} >= {
        EventKind.EXTENSION_REQUESTED,
        EventKind.EXTENSION_APPROVED,
        EventKind.EXTENSION_REFUSED,
    }


def test_joint_reply_answers_every_message(citizen, admin_user, handler):
    messages = [make_message(citizen, admin_user, MessageState.IN_PROGRESS) for _ in range(3)]
    reply = replies.submit_reply(
        handler, messages[0].id, "关于学校周边交通的统一答复：已增设信号灯。", [m.id for m in messages[1:]]
    )
    assert {m.state for m in Message.objects.filter(pk__in=[m.id for m in messages])} == {
        MessageState.REPLY_REVIEW
    }
    replies.approve_reply(admin_user, reply.id)
    assert {m.state for m in Message.objects.filter(pk__in=[m.id for m in messages])} == {
        MessageState.REPLIED
    }
    assert set(reply.messages.values_list("pk", flat=True)) == {m.id for m in messages}


def test_a_joint_reply_only_covers_the_units_own_messages(citizen, admin_user, handler):
    own = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    elsewhere = make_message(citizen, admin_user, MessageState.PUBLISHED)
    with pytest.raises(Exception) as raised:
        replies.submit_reply(handler, own.id, "统一答复：已安排处理，请耐心等待。", [elsewhere.id])
    assert getattr(raised.value, "status", None) in (403, 404)
    assert Message.objects.get(pk=own.pk).state == MessageState.IN_PROGRESS


def test_merged_duplicate_follows_the_answer(citizen, admin_user, dispatcher, handler):
    primary = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    duplicate = make_message(citizen, admin_user, MessageState.PUBLISHED)
    dispatch.merge_messages(dispatcher, duplicate.id, primary.id)
    with pytest.raises(Conflict, match="已并入"):
        dispatch.assign_message(dispatcher, duplicate.id, unit_of(True).id)
    reply = replies.submit_reply(handler, primary.id, "已安排交警在上下学时段疏导交通。")
    replies.approve_reply(admin_user, reply.id)
    duplicate.refresh_from_db()
    assert duplicate.state == MessageState.REPLIED and latest_reply(duplicate) == reply


def test_withdraw_only_before_publication(citizen, admin_user):
    pending = make_message(citizen, admin_user)
    submission.withdraw_message(citizen, pending.id)
    assert Message.objects.get(pk=pending.pk).state == MessageState.WITHDRAWN
    published = make_message(citizen, admin_user, MessageState.PUBLISHED)
    with pytest.raises(Conflict) as raised:
        submission.withdraw_message(citizen, published.id)
    assert raised.value.status == 409 and "待交办" in raised.value.message


def test_support_once(citizen, editor, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    assert submission.support_message(editor, message.id).support_count == 1
    with pytest.raises(Conflict, match="点过赞"):
        submission.support_message(editor, message.id)
    assert Message.objects.get(pk=message.pk).support_count == 1


def image_file(name="photo.png", fmt="PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue())


def pdf_file(name="doc.pdf") -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_attachments_are_checked_by_content(citizen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    message = submit(
        citizen,
        files=[
            image_file(),
            image_file("scan.webp", "WEBP"),
            pdf_file(),
        ],
    )
    assert [a.content_type for a in message.attachments.all()] == [
        "image/png",
        "image/webp",
        "application/pdf",
    ]
    stored = message.attachments.first()
    assert stored.file.read().startswith(b"\x89PNG") and "photo" not in stored.file.name
    with pytest.raises(Invalid, match="不是 JPEG、PNG、WebP 图片或 PDF"):
        submit(citizen, files=[SimpleUploadedFile("fake.jpg", b"MZ\x90\x00 this is an executable")])
    with pytest.raises(Invalid, match="超过 5 MB"):
        submit(citizen, files=[SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))])
    with pytest.raises(Invalid, match="最多上传 5 个附件"):
        submit(citizen, files=[image_file(f"{i}.png") for i in range(6)])
