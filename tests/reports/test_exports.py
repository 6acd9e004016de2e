"""CSV and XLSX exports of message lists: public fields and masking for the public list, full fields within
scope for staff, the list's filters, streaming, and queries and memory that do not grow with the rows."""

import csv
import io
import tracemalloc
from urllib.parse import unquote

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from liuyan.board.actions import moderation, replies
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.reports import exports
from tests.factories import make_message

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
MASKED_PHONE = "138****5678"


def read_csv(response) -> list[dict]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff"), "a BOM, so that Excel reads the Chinese"
    return list(csv.DictReader(io.StringIO(content[1:])))


def read_xlsx(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def board(citizen, admin_user):
    """A replied message with a phone number in its body (inside the named users' 临沧 scope), one in
    北京 (outside it), one waiting for review, one kept private by its author and one hidden."""
    replied = make_message(
        citizen,
        admin_user,
        MessageState.REPLIED,
        title="小区门口道路破损",
        body=f"小区门口道路破损严重，多次反映无果，联系电话 {PHONE}，请尽快修复。",
        contact_phone=PHONE,
    )
    beijing = make_message(
        citizen, admin_user, MessageState.PUBLISHED, inside=False, title="朝阳区公园噪音扰民"
    )
    pending = make_message(citizen, admin_user, MessageState.PENDING_REVIEW, title="尚未审核的留言")
    private = make_message(citizen, admin_user, MessageState.PUBLISHED, title="不公开的留言", public=False)
    hidden = make_message(citizen, admin_user, MessageState.PUBLISHED, title="被隐藏的留言内容")
    moderation.hide_message(admin_user, hidden.id, "含不实信息")
    return {"replied": replied, "beijing": beijing, "pending": pending, "private": private, "hidden": hidden}


# ---- The public list ----


def test_public_csv_has_public_fields_masked_and_only_public_messages(client, board):
    response = client.get("/messages/export.csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "留言导出-" in unquote(disposition.split("filename*=utf-8''")[1])
    rows = read_csv(response)
    assert {row["留言编号"] for row in rows} == {board["replied"].serial, board["beijing"].serial}
    replied = next(row for row in rows if row["留言编号"] == board["replied"].serial)
    assert MASKED_PHONE in replied["内容"] and PHONE not in replied["内容"]
    assert replied["状态"] == "已回复"
    assert replied["地区"] == "永德县" and replied["留言对象"]
    assert replied["回复内容"] == "已安排交警在上下学时段疏导交通。"
    assert replied["回复单位"] == "临沧市教育局"
    assert replied["回复时间"]
    headers = set(rows[0])
    assert not headers & {"联系电话", "留言人账号", "办理单位", "受理时限"}, "no staff fields for the public"


def test_public_export_is_the_same_for_staff(client, board, admin_user):
    """The public list exports public fields whoever asks; staff export from the workbench."""
    client.force_login(admin_user)
    rows = read_csv(client.get("/messages/export.csv"))
    assert len(rows) == 2
    assert all(PHONE not in value for row in rows for value in row.values())


def test_public_export_follows_the_list_filters(client, board):
    by_region = read_csv(client.get("/messages/export.csv?region=110105"))
    assert [row["留言编号"] for row in by_region] == [board["beijing"].serial]
    handled = read_csv(client.get("/messages/export.csv?state=handled"))
    assert [row["留言编号"] for row in handled] == [board["replied"].serial]
    by_type = read_csv(client.get("/messages/export.csv?type=suggestion"))
    assert by_type == []
    by_leader = read_csv(client.get(f"/messages/export.csv?leader={board['beijing'].leader_id}"))
    assert [row["留言编号"] for row in by_leader] == [board["beijing"].serial]


def test_public_export_refuses_bad_filters_in_chinese(client, board):
    response = client.get("/messages/export.csv?domain=999999")
    assert response.status_code == 400
    assert "没有这个领域" in response.content.decode()


def test_public_list_page_links_to_the_export_with_its_filters(client, board):
    html = client.get("/messages/?region=530900&state=handled&page=1").content.decode()
    assert 'href="/messages/export.csv?region=530900&amp;state=handled"' in html
    assert 'href="/messages/export.xlsx?region=530900&amp;state=handled"' in html


def test_public_xlsx_opens_with_the_rows(client, board):
    response = client.get("/messages/export.xlsx?region=530900")
    assert response.status_code == 200
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert ".xlsx" in unquote(response["Content-Disposition"])
    header, *rows = read_xlsx(response)
    assert header == exports.PUBLIC.headers
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["留言编号"] == board["replied"].serial
    assert MASKED_PHONE in row["内容"]
    assert row["提交时间"].tzinfo is None  # Beijing time, as Excel has no time zones


def test_cells_that_look_like_formulas_stay_text(client, citizen, admin_user):
    make_message(citizen, admin_user, MessageState.PUBLISHED, title="=HYPERLINK(1)学校门口", body="-1+2 " * 5)
    rows = read_csv(client.get("/messages/export.csv"))
    assert rows[0]["标题"] == "'=HYPERLINK(1)学校门口"
    assert rows[0]["内容"].startswith("'-1+2")
    workbook = load_workbook(io.BytesIO(b"".join(client.get("/messages/export.xlsx").streaming_content)))
    title = workbook.worksheets[0]["B2"]
    assert title.value == "=HYPERLINK(1)学校门口" and title.data_type == "s"


def test_public_export_keeps_the_units_phone_and_masks_numbers_however_typed(client, citizen, admin_user):
    message = make_message(
        citizen,
        admin_user,
        MessageState.IN_PROGRESS,
        body="手机 1 3 9 1 2 3 4 5 6 7 8，身份证 530923 19900101 1234，座机 0883-2127777，请处理。",
    )
    reply = replies.submit_reply(
        admin_user, message.id, "请致电 0883-2123456；已与留言人 +86 13912345678 联系。"
    )
    replies.approve_reply(admin_user, reply.id)
    (row,) = read_csv(client.get("/messages/export.csv"))
    assert (
        row["内容"] == "手机 1 3 9 * * * * 5 6 7 8，身份证 530923 ******** 1234，座机 0883-***7777，请处理。"
    )
    assert row["回复内容"] == "请致电 0883-2123456；已与留言人 +86 139****5678 联系。"


# ---- Staff ----


def test_staff_export_has_full_fields_within_scope_only(client, board, leader):
    client.force_login(leader)  # the office of a 临沧市 leader
    response = client.get("/workbench/export.csv")
    assert isinstance(response, StreamingHttpResponse)
    rows = {row["留言编号"]: row for row in read_csv(response)}
    inside = {board[name].serial for name in ("replied", "pending", "private", "hidden")}
    assert set(rows) == inside, "every state in scope; 北京 left out"
    replied = rows[board["replied"].serial]
    assert PHONE in replied["内容"]
    assert replied["联系电话"] == PHONE
    assert replied["留言人账号"] == "citizen"
    assert replied["办理单位"] == "临沧市教育局"
    assert replied["已超期"] == "否"
    assert rows[board["private"].serial]["公开"] == "否"
    assert rows[board["hidden"].serial]["已隐藏"] == "是"
    assert rows[board["pending"].serial]["状态代码"] == "pending_review"


def test_staff_export_filters_by_any_state(client, board, leader):
    client.force_login(leader)
    rows = read_csv(client.get("/workbench/export.csv?state=pending_review"))
    assert [row["留言编号"] for row in rows] == [board["pending"].serial]
    response = client.get("/workbench/export.csv?state=nonsense")
    assert response.status_code == 400
    assert "没有这个状态" in response.content.decode()


def test_handler_exports_only_what_its_unit_holds(client, board, other_handler):
    client.force_login(other_handler)  # 永德县教育局: holds none of them, though 永德县 is their region
    assert read_csv(client.get("/workbench/export.csv")) == []


def test_staff_xlsx_export(client, board, leader):
    client.force_login(leader)
    header, *rows = read_xlsx(client.get("/workbench/export.xlsx"))
    assert header == exports.STAFF.headers
    assert len(rows) == 4
    phones = [dict(zip(header, row, strict=True))["联系电话"] for row in rows]
    assert PHONE in phones


def test_staff_export_is_refused_to_citizens_and_anonymous_visitors(client, board, citizen):
    assert client.get("/workbench/export.csv")["Location"].startswith("/accounts/login/")
    client.force_login(citizen)
    response = client.get("/workbench/export.csv")
    assert response.status_code == 403
    assert "只有工作人员可以导出" in response.content.decode()


def test_queue_export(client, citizen, admin_user, dispatcher):
    waiting = make_message(citizen, admin_user, MessageState.PUBLISHED)
    make_message(citizen, admin_user, MessageState.PUBLISHED, inside=False)
    client.force_login(dispatcher)
    html = client.get("/workbench/queues/desk_incoming/").content.decode()
    assert 'href="/workbench/queues/desk_incoming/export.csv"' in html
    rows = read_csv(client.get("/workbench/queues/desk_incoming/export.csv"))
    assert [row["留言编号"] for row in rows] == [waiting.serial]
    _header, *xlsx_rows = read_xlsx(client.get("/workbench/queues/desk_incoming/export.xlsx"))
    assert [row[0] for row in xlsx_rows] == [waiting.serial]
    assert client.get("/workbench/queues/to_moderate/export.csv").status_code == 404  # not their queue
    assert client.get("/workbench/queues/extensions_pending/export.csv").status_code == 404  # not messages


# ---- Streaming: queries and memory ----


def test_csv_export_costs_queries_per_chunk_not_per_row(client, citizen, admin_user):
    for i in range(3):
        make_message(citizen, admin_user, MessageState.REPLIED, title=f"学校门口交通拥堵{i}")

    def export_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = read_csv(client.get("/messages/export.csv"))
        return len(queries), len(rows)

    few, count = export_queries()
    assert count == 3
    for i in range(6):
        make_message(citizen, admin_user, MessageState.REPLIED, title=f"道路积水无人处理{i}")
    many, count = export_queries()
    assert count == 9
    assert many == few, "the same queries for 9 rows as for 3"


def test_row_chunks_read_replies_once_per_chunk(citizen, admin_user):
    for i in range(5):
        make_message(citizen, admin_user, MessageState.REPLIED, title=f"学校门口交通拥堵{i}")
    messages = Message.objects.order_by("id")
    with CaptureQueriesContext(connection) as queries:
        chunks = list(exports.row_chunks(messages, exports.PUBLIC, chunk_size=2))
    assert [len(chunk) for chunk in chunks] == [2, 2, 1]
    assert len(queries) == 1 + 3  # the messages, then the replies of each chunk
    assert all(row[exports.PUBLIC.headers.index("回复内容")] for chunk in chunks for row in chunk)


def test_xlsx_continues_on_a_new_sheet_when_one_is_full():
    rows = [[f"LY{i}", i] for i in range(5)]
    out = io.BytesIO()
    assert exports.write_xlsx([rows[:3], rows[3:]], ["编号", "数"], out, sheet_rows=2) == 5
    workbook = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert workbook.sheetnames == ["留言", "留言2", "留言3"]
    counts = [sum(1 for _ in sheet.iter_rows()) - 1 for sheet in workbook.worksheets]
    assert counts == [2, 2, 1]


BULK_ROWS = 20_000


@pytest.fixture
def many_messages(citizen, admin_user):
    """BULK_ROWS public messages, inserted in bulk from one made through the actions."""
    template = make_message(citizen, admin_user, MessageState.PUBLISHED)
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Message._meta.concrete_fields
        if f.attname not in {"id", "serial"}
    }
    body = "每天上学放学时段学校门口严重拥堵，存在安全隐患，请有关部门疏导。" * 4
    Message.objects.bulk_create(
        (
            Message(**{**fields, "serial": f"LYB{i:010d}", "title": f"学校门口交通拥堵{i}", "body": body})
            for i in range(BULK_ROWS)
        ),
        batch_size=2000,
    )
    return BULK_ROWS + 1


@pytest.mark.slow
def test_csv_export_memory_stays_flat(client, many_messages):
    """The peak while streaming 20,001 rows stays well below what merely holding the rows takes.

    Holding them is measured on the same rows (the `values()` dicts alone, before any CSV text). Seen on
    SQLite: holding 35 MB; the export peaks at 12 MB (one chunk of 2,000 rows: the fetched rows, their
    masked texts, the replies); the same export reading all rows as one chunk peaks at 63 MB. The bound
    is half of the holding figure."""
    messages = Message.objects.order_by("id")
    tracemalloc.start()
    try:
        held = list(messages.values(*exports.PUBLIC.fields))
        _size, holding_peak = tracemalloc.get_traced_memory()
        assert len(held) == many_messages
        del held
        tracemalloc.reset_peak()
        baseline, _peak = tracemalloc.get_traced_memory()
        response = client.get("/messages/export.csv")
        rows = sum(piece.count(b"\n") for piece in response.streaming_content) - 1
        _size, export_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == many_messages
    assert export_peak - baseline < holding_peak / 2, (export_peak - baseline, holding_peak)


# ---- The API ----


def test_api_export_takes_the_list_filters(client, board):
    rows = read_csv(client.get("/api/v1/messages/export?region=110105"))
    assert [row["留言编号"] for row in rows] == [board["beijing"].serial]
    header, *xlsx_rows = read_xlsx(client.get("/api/v1/messages/export?format=xlsx&region=530900"))
    assert [row[0] for row in xlsx_rows] == [board["replied"].serial]
    assert MASKED_PHONE in dict(zip(header, xlsx_rows[0], strict=True))["内容"]


def test_api_export_refuses_an_unknown_format(client, board):
    response = client.get("/api/v1/messages/export?format=pdf")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
