"""The open-data archive: `liuyan export_open_data` writes a ZIP of public messages and published replies,
masked, with a README of the columns; the /open-data/ page offers the latest one."""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from liuyan.board.actions import moderation, replies
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.reports import opendata
from tests.factories import make_message

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def var_dir(tmp_path):
    with override_settings(VAR_DIR=tmp_path):
        yield tmp_path


@pytest.fixture
def board(citizen, admin_user):
    replied = make_message(
        citizen, admin_user, MessageState.REPLIED, title="道路破损请修复", body=f"电话 {PHONE}，道路破损。"
    )
    published = make_message(citizen, admin_user, MessageState.PUBLISHED, title="建议增设公交线路")
    private = make_message(citizen, admin_user, MessageState.REPLIED, title="不公开的留言", public=False)
    hidden = make_message(citizen, admin_user, MessageState.REPLIED, title="被隐藏的留言内容")
    moderation.hide_message(admin_user, hidden.id, "含不实信息")
    pending = make_message(citizen, admin_user, MessageState.PENDING_REVIEW, title="尚未审核的留言")
    in_review = make_message(citizen, admin_user, MessageState.REPLY_REVIEW, title="回复尚在审核")
    return {
        "replied": replied,
        "published": published,
        "private": private,
        "hidden": hidden,
        "pending": pending,
        "in_review": in_review,
    }


def read_member(archive: zipfile.ZipFile, name: str) -> list[dict]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_archive_holds_public_messages_and_approved_replies_masked(board, tmp_path):
    out = tmp_path / "open.zip"
    stdout = io.StringIO()
    call_command("export_open_data", "--out", str(out), stdout=stdout)
    assert "3 messages, 1 replies" in stdout.getvalue()
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["README.md", "messages.csv", "replies.csv"]
        messages = read_member(archive, "messages.csv")
        reply_rows = read_member(archive, "replies.csv")
        readme = archive.read("README.md").decode()
    serials = {row["serial"] for row in messages}
    expected = {board[name].serial for name in ("replied", "published", "in_review")}
    assert serials == expected, "private, hidden and unpublished messages left out"
    replied = next(row for row in messages if row["serial"] == board["replied"].serial)
    assert "138****5678" in replied["body"] and PHONE not in replied["body"]
    assert replied["state"] == "replied" and replied["state_label"] == "已回复"
    assert replied["region_code"] == "530923" and replied["replied_at"].endswith("+08:00")
    assert list(messages[0]) == opendata.MESSAGE_HEADERS
    assert len(reply_rows) == 1, "the reply still in review and the replies to hidden/private ones are out"
    assert reply_rows[0]["message_serials"] == board["replied"].serial
    assert reply_rows[0]["unit"] == "临沧市教育局"
    assert reply_rows[0]["body"] == "已安排交警在上下学时段疏导交通。"
    for column in opendata.MESSAGE_HEADERS + opendata.REPLY_HEADERS:
        assert f"`{column}`" in readme
    assert "messages.csv: 3 行" in readme and "replies.csv: 1 行" in readme
    assert "CC BY 4.0" in readme and "生成时间 / generated at" in readme


def test_joint_reply_lists_the_public_messages_it_answers(citizen, admin_user, tmp_path):
    first = make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="学校门口交通拥堵")
    second = make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="学校门口车辆乱停")
    private = make_message(citizen, admin_user, MessageState.IN_PROGRESS, title="学校门口拥堵", public=False)
    text = "已统一安排交警在上下学时段疏导。"
    reply = replies.submit_reply(admin_user, first.id, text, [second.id, private.id])
    replies.approve_reply(admin_user, reply.id)
    out = tmp_path / "open.zip"
    call_command("export_open_data", "--out", str(out), stdout=io.StringIO())
    with zipfile.ZipFile(out) as archive:
        (row,) = read_member(archive, "replies.csv")
    assert sorted(row["message_serials"].split(";")) == sorted([first.serial, second.serial])


def test_date_window_by_publication(board, tmp_path):
    earlier = timezone.now() - timedelta(days=40)
    Message.objects.filter(pk=board["published"].pk).update(published_at=earlier)
    out = tmp_path / "old.zip"
    day = timezone.localdate(earlier).isoformat()
    call_command("export_open_data", "--out", str(out), "--from", day, "--to", day, stdout=io.StringIO())
    with zipfile.ZipFile(out) as archive:
        assert [row["serial"] for row in read_member(archive, "messages.csv")] == [board["published"].serial]
        assert read_member(archive, "replies.csv") == []
        assert f"{day} 至 {day}" in archive.read("README.md").decode()


@pytest.mark.parametrize(
    "args",
    [["--from", "2024-13-01"], ["--from", "2024-05-02", "--to", "2024-05-01"], ["--out", "data.csv"]],
)
def test_bad_arguments_are_refused(args, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_open_data", *args, stdout=io.StringIO())
    assert not list(tmp_path.iterdir())


def test_open_data_page_and_download(client, board, var_dir):
    page = client.get("/open-data/")
    assert page.status_code == 200
    assert "暂无开放数据文件" in page.content.decode()
    missing = client.get("/open-data/latest.zip")
    assert missing.status_code == 404
    assert "暂无开放数据文件" in missing.content.decode()

    call_command("export_open_data", stdout=io.StringIO())
    (archive_path,) = (var_dir / "open-data").glob("liuyan-open-data-*.zip")
    html = client.get("/open-data/").content.decode()
    assert 'href="/open-data/latest.zip"' in html
    assert "3 条" in html and "1 条" in html  # messages, replies
    response = client.get("/open-data/latest.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert archive_path.name in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert len(read_member(archive, "messages.csv")) == 3


def test_only_the_newest_archives_are_kept(board, var_dir):
    folder = var_dir / "open-data"
    folder.mkdir()
    for day in range(1, 10):
        (folder / f"liuyan-open-data-202401{day:02d}-030000.zip").write_bytes(b"old")
    call_command("export_open_data", stdout=io.StringIO())
    kept = sorted(path.name for path in folder.iterdir())
    assert len(kept) == opendata.KEEP_ARCHIVES
    assert kept[0] == "liuyan-open-data-20240104-030000.zip"
    assert opendata.latest_archive().messages == 3


def test_cells_that_look_like_formulas_stay_text(citizen, admin_user, tmp_path):
    """The exports' one guard (exports.formula_safe): a spreadsheet opening the archive runs nothing."""
    for title in ("=HYPERLINK(1)学校门口", "+1+1学校门口", "-2+3学校门口", "@SUM(1)学校门口"):
        make_message(citizen, admin_user, MessageState.PUBLISHED, title=title, body="=cmd|' /C calc'!A0 拥堵")
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    reply = replies.submit_reply(admin_user, message.id, "@SUM(1+1) 已安排交警疏导交通。")
    replies.approve_reply(admin_user, reply.id)
    out = tmp_path / "open.zip"
    call_command("export_open_data", "--out", str(out), stdout=io.StringIO())
    with zipfile.ZipFile(out) as archive:
        messages = read_member(archive, "messages.csv")
        (reply_row,) = read_member(archive, "replies.csv")
        readme = archive.read("README.md").decode()
    titles = {row["title"] for row in messages}
    assert titles >= {"'=HYPERLINK(1)学校门口", "'+1+1学校门口", "'-2+3学校门口", "'@SUM(1)学校门口"}
    assert {row["body"] for row in messages if row["title"].startswith("'")} == {"'=cmd|' /C calc'!A0 拥堵"}
    assert reply_row["body"] == "'@SUM(1+1) 已安排交警疏导交通。"
    assert "单引号" in readme


def test_replies_keep_the_units_phone_and_texts_mask_numbers_however_typed(citizen, admin_user, tmp_path):
    message = make_message(
        citizen,
        admin_user,
        MessageState.IN_PROGRESS,
        body="手机１３９１２３４５６７８，座机 0883-2127777，老身份证 530923900101123，请尽快处理。",
    )
    reply = replies.submit_reply(
        admin_user, message.id, "请致电 0883-2123456；已与留言人 139.1234.5678 联系。"
    )
    replies.approve_reply(admin_user, reply.id)
    out = tmp_path / "open.zip"
    call_command("export_open_data", "--out", str(out), stdout=io.StringIO())
    with zipfile.ZipFile(out) as archive:
        (row,) = read_member(archive, "messages.csv")
        (reply_row,) = read_member(archive, "replies.csv")
    assert row["body"] == "手机１３９****５６７８，座机 0883-***7777，老身份证 530923******123，请尽快处理。"
    assert reply_row["body"] == "请致电 0883-2123456；已与留言人 139.****.5678 联系。"
