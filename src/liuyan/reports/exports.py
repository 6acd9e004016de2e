"""Exports of a message list as CSV or XLSX, streamed so that a million rows never sit in memory.

Two column sets: `PUBLIC` (what the public pages show, masked with board/privacy.py exactly as there) and
`STAFF` (full fields, for staff exporting messages within their scope). Rows are read with
`values().iterator(chunk_size=...)` and the published replies are fetched once per chunk, so a list of N
rows costs about N / CHUNK_SIZE queries, not N.

No row cap: CSV is generated while it is sent; XLSX is written row by row by openpyxl's write-only
workbook into a temporary file on disk (strings inline, nothing accumulated), which is then streamed back.
An XLSX sheet holds at most 1,048,576 rows, so a longer export continues on a second sheet.
"""

import csv
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from liuyan.board import selectors
from liuyan.board.choices import MessageState, ReplyState
from liuyan.board.models import Message, Reply
from liuyan.board.privacy import mask_reply, mask_text

CHUNK_SIZE = 2000
CSV_PIECE_ROWS = 200  # rows per piece of a streamed CSV response
XLSX_SHEET_ROWS = 1_048_575  # Excel's 1,048,576 rows per sheet, less the header
FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is a formula to Excel and LibreOffice ("CSV injection"): text from
# citizens is prefixed with an apostrophe so it stays text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REPLY_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Column:
    """One column of an export: its Chinese header and its value from a row of `values()`."""

    header: str
    value: Callable[[dict], object]


@dataclass(frozen=True)
class ExportKind:
    """A column set and the model fields it reads."""

    name: str
    fields: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


class _Deadlines(NamedTuple):
    """What board.selectors.is_overdue reads of a message, taken from an exported row."""

    state: str
    accept_deadline: datetime | None
    reply_deadline: datetime | None


def _state_label(row: dict) -> str:
    return MessageState(row["state"]).label


def _overdue(row: dict) -> bool:
    return selectors.is_overdue(_Deadlines(row["state"], row["accept_deadline"], row["reply_deadline"]))


PUBLIC_FIELDS = (
    "id",
    "serial",
    "title",
    "body",
    "region_id",
    "region__name",
    "leader__title",
    "message_type__name",
    "domain__name",
    "state",
    "created_at",
    "published_at",
    "replied_at",
    "support_count",
    "campaign__title",
)

PUBLIC = ExportKind(
    "public",
    PUBLIC_FIELDS,
    (
        Column("留言编号", lambda r: r["serial"]),
        Column("标题", lambda r: mask_text(r["title"])),
        Column("内容", lambda r: mask_text(r["body"])),
        Column("地区", lambda r: r["region__name"]),
        Column("地区代码", lambda r: r["region_id"]),
        Column("留言对象", lambda r: r["leader__title"]),
        Column("类型", lambda r: r["message_type__name"]),
        Column("领域", lambda r: r["domain__name"]),
        Column("状态", _state_label),
        Column("提交时间", lambda r: r["created_at"]),
        Column("刊发时间", lambda r: r["published_at"]),
        Column("回复时间", lambda r: r["replied_at"]),
        Column("回复单位", lambda r: "、".join(dict.fromkeys(unit for unit, _text in r["replies"]))),
        Column("回复内容", lambda r: REPLY_SEPARATOR.join(mask_reply(text) for _unit, text in r["replies"])),
        Column("点赞数", lambda r: r["support_count"]),
        Column("专栏", lambda r: r["campaign__title"] or ""),
    ),
)

STAFF = ExportKind(
    "staff",
    (
        *PUBLIC_FIELDS,
        "author__username",
        "author__nickname",
        "contact_phone",
        "public",
        "hidden",
        "anonymous",
        "urgent",
        "supervised",
        "remind_count",
        "desk__name",
        "unit__name",
        "assigned_at",
        "accepted_at",
        "closed_at",
        "accept_deadline",
        "reply_deadline",
        "merged_into__serial",
    ),
    (
        Column("留言编号", lambda r: r["serial"]),
        Column("标题", lambda r: r["title"]),
        Column("内容", lambda r: r["body"]),
        Column("地区", lambda r: r["region__name"]),
        Column("地区代码", lambda r: r["region_id"]),
        Column("留言对象", lambda r: r["leader__title"]),
        Column("类型", lambda r: r["message_type__name"]),
        Column("领域", lambda r: r["domain__name"]),
        Column("状态", _state_label),
        Column("状态代码", lambda r: r["state"]),
        Column("公开", lambda r: r["public"]),
        Column("已隐藏", lambda r: r["hidden"]),
        Column("匿名", lambda r: r["anonymous"]),
        Column("紧急", lambda r: r["urgent"]),
        Column("督办", lambda r: r["supervised"]),
        Column("催办次数", lambda r: r["remind_count"]),
        Column("留言人账号", lambda r: r["author__username"]),
        Column("留言人昵称", lambda r: r["author__nickname"]),
        Column("联系电话", lambda r: r["contact_phone"]),
        Column("留言办理工作机构", lambda r: r["desk__name"]),
        Column("办理单位", lambda r: r["unit__name"] or ""),
        Column("提交时间", lambda r: r["created_at"]),
        Column("刊发时间", lambda r: r["published_at"]),
        Column("交办时间", lambda r: r["assigned_at"]),
        Column("受理时间", lambda r: r["accepted_at"]),
        Column("受理时限", lambda r: r["accept_deadline"]),
        Column("回复时限", lambda r: r["reply_deadline"]),
        Column("已超期", _overdue),
        Column("回复时间", lambda r: r["replied_at"]),
        Column("办结时间", lambda r: r["closed_at"]),
        Column("回复单位", lambda r: "、".join(dict.fromkeys(unit for unit, _text in r["replies"]))),
        Column("回复内容", lambda r: REPLY_SEPARATOR.join(text for _unit, text in r["replies"])),
        Column("点赞数", lambda r: r["support_count"]),
        Column("专栏", lambda r: r["campaign__title"] or ""),
        Column("并入留言", lambda r: r["merged_into__serial"] or ""),
    ),
)


def _mark(note: str | None) -> str:
    """An open mark's cell: its note, 是 when it has none; blank when the message is not so marked."""
    return "" if note is None else (note or "是")


# The editors' 跟踪留言 (board.selectors.tracked_messages, whose annotations give the marks): the marks and
# where each message's handling stands.
TRACKED = ExportKind(
    "tracked",
    (*STAFF.fields, "track_note", "lead_note", "marked_at"),
    (
        Column("留言编号", lambda r: r["serial"]),
        Column("标题", lambda r: r["title"]),
        Column("地区", lambda r: r["region__name"]),
        Column("类型", lambda r: r["message_type__name"]),
        Column("领域", lambda r: r["domain__name"]),
        Column("跟踪督办", lambda r: _mark(r["track_note"])),
        Column("报道线索", lambda r: _mark(r["lead_note"])),
        Column("标记时间", lambda r: r["marked_at"]),
        Column("状态", _state_label),
        Column("督办", lambda r: r["supervised"]),
        Column("催办次数", lambda r: r["remind_count"]),
        Column("留言办理工作机构", lambda r: r["desk__name"]),
        Column("办理单位", lambda r: r["unit__name"] or ""),
        Column("刊发时间", lambda r: r["published_at"]),
        Column("交办时间", lambda r: r["assigned_at"]),
        Column("受理时限", lambda r: r["accept_deadline"]),
        Column("回复时限", lambda r: r["reply_deadline"]),
        Column("已超期", _overdue),
        Column("回复时间", lambda r: r["replied_at"]),
        Column("办结时间", lambda r: r["closed_at"]),
        Column("回复单位", lambda r: "、".join(dict.fromkeys(unit for unit, _text in r["replies"]))),
    ),
)


# ---- Rows ----


def published_replies(message_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """The published replies of these messages as (unit name, text), oldest first; one query."""
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = (
        Reply.messages.through.objects.filter(message_id__in=message_ids, reply__state=ReplyState.PUBLISHED)
        .order_by("reply__reviewed_at", "reply_id")
        .values_list("message_id", "reply__unit__name", "reply__body")
    )
    for message_id, unit, text in rows:
        found[message_id].append((unit, text))
    return found


def row_chunks(
    messages: QuerySet[Message], kind: ExportKind, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[list]]:
    """The export's rows (one list of cell values each), a chunk at a time; one query per chunk for the
    replies, and the message rows read through a database cursor."""

    def finish(chunk: list[dict]) -> list[list]:
        replies = published_replies([row["id"] for row in chunk])
        out = []
        for row in chunk:
            row["replies"] = replies.get(row["id"], ())
            out.append([column.value(row) for column in kind.columns])
        chunk.clear()  # the rows are all that is held while the chunk is written
        return out

    chunk: list[dict] = []
    for row in messages.values(*kind.fields).iterator(chunk_size=chunk_size):
        chunk.append(row)
        if len(chunk) >= chunk_size:
            yield finish(chunk)
            chunk = []
    if chunk:
        yield finish(chunk)


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment, timezone.get_default_timezone())


# ---- CSV ----


class _Echo:
    """A file-like object that hands back what is written: csv.writer formats, the generator sends."""

    def write(self, value: str) -> str:
        return value


def formula_safe(text: str) -> str:
    """`text` as a spreadsheet must get it to keep it text: behind an apostrophe when it would start a
    formula. Every CSV the site writes (these exports, the open-data archive) goes through here."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str):
        return formula_safe(value)
    return value


def csv_stream(chunks: Iterable[list[list]], headers: list[str]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so that Excel reads the Chinese), one piece per chunk."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(headers)).encode()
    for rows in chunks:
        for start in range(0, len(rows), CSV_PIECE_ROWS):
            piece = rows[start : start + CSV_PIECE_ROWS]
            yield "".join(writer.writerow([_csv_cell(v) for v in row]) for row in piece).encode()


# ---- XLSX ----


def _xlsx_cell(sheet, value) -> object:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return _local(value).replace(tzinfo=None)  # Excel has no time zones: Beijing time
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"  # openpyxl would store it as a formula
            return cell
    return value


def write_xlsx(
    chunks: Iterable[list[list]], headers: list[str], target, sheet_rows: int = XLSX_SHEET_ROWS
) -> int:
    """Write the rows as an XLSX workbook to `target` (a path or a binary file); returns the row count.

    The write-only workbook streams each sheet to a temporary file as rows are appended; strings are
    written inline, so memory does not grow with the rows.
    """
    workbook = Workbook(write_only=True)
    sheet, on_sheet, count = None, sheet_rows, 0

    def new_sheet():
        number = len(workbook.worksheets) + 1
        sheet = workbook.create_sheet("留言" if number == 1 else f"留言{number}")
        sheet.freeze_panes = "A2"
        header = []
        for text in headers:
            cell = WriteOnlyCell(sheet, text)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        return sheet

    for rows in chunks:
        for row in rows:
            if on_sheet >= sheet_rows:
                sheet, on_sheet = new_sheet(), 0
            sheet.append([_xlsx_cell(sheet, v) for v in row])
            on_sheet += 1
            count += 1
    if sheet is None:
        new_sheet()
    workbook.save(target)
    return count


# ---- Responses ----


def export_filename(fmt: str, today=None) -> str:
    today = today or timezone.localdate()
    return f"留言导出-{today:%Y%m%d}.{fmt}"


def export_response(messages: QuerySet[Message], kind: ExportKind, fmt: str) -> HttpResponseBase:
    """The export as a download: CSV streamed while it is generated, XLSX built in a temporary file on
    disk and streamed from there. `messages` must already be filtered, scoped and ordered."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    chunks = row_chunks(messages, kind)
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_stream(chunks, kind.headers), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(True, export_filename(fmt))
    else:
        # Removed by the OS once FileResponse closes it after sending.
        spool = tempfile.TemporaryFile(prefix="liuyan-export-", suffix=".xlsx")  # noqa: SIM115
        try:
            write_xlsx(chunks, kind.headers, spool)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        response = FileResponse(
            spool, as_attachment=True, filename=export_filename(fmt), content_type=XLSX_CONTENT_TYPE
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
