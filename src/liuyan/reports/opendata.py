"""The open-data archive: a ZIP of the public messages and their published replies, masked as on the
public pages, with a README describing every column in Chinese and English.

Rows are streamed from a database cursor into the ZIP members (zipfile's `open(name, "w")` with zip64), so
memory stays flat however many messages there are. `liuyan export_open_data` writes the archive; by default
into VAR_DIR/open-data/, where the /open-data/ page finds the latest one.
"""

import csv
import io
import itertools
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from liuyan.board import selectors
from liuyan.board.choices import MessageState, ReplyState
from liuyan.board.models import Message, Reply
from liuyan.board.privacy import mask_reply, mask_text
from liuyan.core.times import iso_time
from liuyan.reports.exports import formula_safe

CHUNK_SIZE = 2000
ARCHIVE_PREFIX = "liuyan-open-data-"
KEEP_ARCHIVES = 7  # archives kept in the default folder; older ones are removed after a new one is written
LICENCE = "CC BY 4.0（署名 4.0 国际）https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class ColumnDoc:
    """One column of a file in the archive, described for its README."""

    file: str
    name: str
    zh: str
    en: str


COLUMN_DOCS = (
    ColumnDoc("messages.csv", "serial", "留言编号，全站唯一", "message serial number, unique"),
    ColumnDoc("messages.csv", "title", "标题（个人信息已打码）", "title (personal data masked)"),
    ColumnDoc("messages.csv", "body", "内容（个人信息已打码）", "text (personal data masked)"),
    ColumnDoc(
        "messages.csv", "region_code", "所涉地区的行政区划代码（GB/T 2260）", "region code (GB/T 2260)"
    ),
    ColumnDoc("messages.csv", "region_name", "所涉地区名称", "region name"),
    ColumnDoc("messages.csv", "leader", "留言对象（领导职务）", "addressee (the leader's title)"),
    ColumnDoc(
        "messages.csv", "type", "留言类型：建言、投诉、求助、咨询、感谢等", "type: suggestion, complaint, …"
    ),
    ColumnDoc(
        "messages.csv", "domain", "领域：城建、交通、环保、教育等", "domain: urban works, transport, …"
    ),
    ColumnDoc("messages.csv", "state", "办理状态代码", "handling state code"),
    ColumnDoc(
        "messages.csv",
        "state_label",
        "办理状态：待交办、待受理、办理中、已回复、已办结等",
        "handling state (Chinese)",
    ),
    ColumnDoc(
        "messages.csv", "created_at", "提交时间（ISO 8601，北京时间）", "submitted at (ISO 8601, UTC+8)"
    ),
    ColumnDoc("messages.csv", "published_at", "刊发时间", "published at"),
    ColumnDoc("messages.csv", "replied_at", "回复时间（未回复为空）", "replied at (empty if not yet)"),
    ColumnDoc("messages.csv", "support_count", "点赞数", "number of supports (likes)"),
    ColumnDoc("messages.csv", "campaign", "所属专栏（可为空）", "campaign column, if any"),
    ColumnDoc("replies.csv", "reply_id", "回复编号", "reply id"),
    ColumnDoc(
        "replies.csv",
        "message_serials",
        "所答留言的编号，多条以分号分隔（公开回复）",
        "serials of the messages answered, ';'-separated (joint reply)",
    ),
    ColumnDoc("replies.csv", "unit", "回复单位", "replying unit"),
    ColumnDoc("replies.csv", "replied_at", "回复公开时间（审核通过时间）", "published at (approval time)"),
    ColumnDoc("replies.csv", "body", "回复内容（个人信息已打码）", "reply text (personal data masked)"),
)
MESSAGE_HEADERS = [c.name for c in COLUMN_DOCS if c.file == "messages.csv"]
REPLY_HEADERS = [c.name for c in COLUMN_DOCS if c.file == "replies.csv"]


@dataclass(frozen=True)
class Archive:
    """An open-data archive on disk and what it says of itself (kept in the ZIP comment)."""

    path: Path
    size: int
    generated_at: datetime | None
    messages: int | None
    replies: int | None
    date_from: str | None
    date_to: str | None


def archive_dir() -> Path:
    return Path(settings.VAR_DIR) / "open-data"


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def window_messages(date_from: date | None = None, date_to: date | None = None) -> QuerySet[Message]:
    """The public messages published within the dates (inclusive, Beijing time); all when None."""
    messages = selectors.public_messages()
    if date_from:
        messages = messages.filter(published_at__gte=_day_start(date_from))
    if date_to:
        messages = messages.filter(published_at__lt=_day_start(date_to + timedelta(days=1)))
    return messages


def _message_rows(messages: QuerySet[Message]):
    rows = messages.order_by("published_at", "id").values_list(
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
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        serial, title, body, region, region_name, leader, kind, domain, state, *times, support, campaign = row
        yield [
            serial,
            mask_text(title),
            mask_text(body),
            region,
            region_name,
            leader,
            kind,
            domain,
            state,
            MessageState(state).label,
            *(iso_time(moment) for moment in times),
            support,
            campaign or "",
        ]


def _reply_rows(messages: QuerySet[Message]):
    """One row per published reply answering any of `messages`; its serials limited to those messages.
    One streamed query over the reply–message links, grouped by reply."""
    links = (
        Reply.messages.through.objects.filter(reply__state=ReplyState.PUBLISHED, message__in=messages)
        .order_by("reply_id", "message__serial")
        .values_list("reply_id", "message__serial", "reply__unit__name", "reply__reviewed_at", "reply__body")
    )
    for reply_id, group in itertools.groupby(links.iterator(chunk_size=CHUNK_SIZE), key=lambda link: link[0]):
        answered = list(group)  # one link per message it answers: a few, at most a joint reply's 200
        _id, _serial, unit, reviewed_at, body = answered[0]
        yield [
            reply_id,
            ";".join(link[1] for link in answered),
            unit,
            iso_time(reviewed_at),
            mask_reply(body),
        ]


def _write_csv(archive: zipfile.ZipFile, name: str, headers: list[str], rows) -> int:
    count = 0
    with archive.open(name, "w", force_zip64=True) as member:
        text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([formula_safe(cell) if isinstance(cell, str) else cell for cell in row])
            count += 1
        text.flush()
        text.detach()
    return count


def readme(counts: dict, generated_at: datetime, date_from: date | None, date_to: date | None) -> str:
    window = (
        f"{date_from or '最早'} 至 {date_to or '最新'}（{date_from or 'earliest'} to {date_to or 'latest'}）"
    )
    lines = [
        "# 留言板开放数据 / Liuyan open data",
        "",
        "本数据包含留言板上公开的留言及已公开的回复。留言人的姓名、联系方式不在其中；标题和内容中的"
        "手机号、座机号、身份证号、银行卡号、电子邮箱等个人信息已按网站公开页面的规则打码；回复中引用的"
        "手机号、身份证号、银行卡号同样打码，办理单位公开的办公电话和电子邮箱保留。未公开、被隐藏、"
        "留言人要求不公开以及已并单的留言不在其中。以 = + - @ 开头的单元格前加了一个单引号（'），"
        "以免电子表格把它当作公式执行。",
        "",
        "This archive holds the public messages of the Liuyan message board and their published replies. "
        "Authors' names and contact details are not included; phone, ID and bank card numbers and e-mail "
        "addresses in titles and texts are masked as on the public pages; replies have the mobile, ID and "
        "bank card numbers they quote masked and keep the units' office phones and e-mail addresses. "
        "Unpublished, hidden, private and merged messages are left out. A cell starting with = + - @ has an "
        "apostrophe (') put before it, so that spreadsheets do not run it as a formula.",
        "",
        f"- 生成时间 / generated at: {iso_time(generated_at)}",
        f"- 时间范围（按刊发时间）/ period (by publication time): {window}",
        f"- messages.csv: {counts['messages']} 行 / rows",
        f"- replies.csv: {counts['replies']} 行 / rows",
        f"- 许可 / licence: {LICENCE}",
        "- 编码 / encoding: UTF-8（带 BOM / with BOM），逗号分隔 / comma-separated, RFC 4180",
        "",
    ]
    for file in ("messages.csv", "replies.csv"):
        lines += [f"## {file}", "", "| 列 / column | 说明 | description |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.zh} | {c.en} |" for c in COLUMN_DOCS if c.file == file]
        lines.append("")
    return "\n".join(lines)


def write_open_data(out: Path, date_from: date | None = None, date_to: date | None = None) -> dict:
    """Write the archive to `out` (replaced only once complete); returns the row counts."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    generated_at = timezone.now()
    messages = window_messages(date_from, date_to)
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            counts = {
                "messages": _write_csv(archive, "messages.csv", MESSAGE_HEADERS, _message_rows(messages)),
                "replies": _write_csv(archive, "replies.csv", REPLY_HEADERS, _reply_rows(messages)),
            }
            archive.writestr("README.md", readme(counts, generated_at, date_from, date_to))
            archive.comment = json.dumps(
                {
                    **counts,
                    "generated_at": generated_at.isoformat(),
                    "from": date_from.isoformat() if date_from else None,
                    "to": date_to.isoformat() if date_to else None,
                }
            ).encode()
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def default_archive_path(now: datetime | None = None) -> Path:
    now = timezone.localtime(now or timezone.now(), timezone.get_default_timezone())
    return archive_dir() / f"{ARCHIVE_PREFIX}{now:%Y%m%d-%H%M%S}.zip"


def prune_archives(keep: int = KEEP_ARCHIVES) -> list[Path]:
    """Remove all but the newest `keep` archives of the default folder; returns what was removed."""
    archives = sorted(archive_dir().glob(f"{ARCHIVE_PREFIX}*.zip"), key=lambda p: p.name, reverse=True)
    for path in archives[keep:]:
        path.unlink(missing_ok=True)
    return archives[keep:]


def latest_archive() -> Archive | None:
    """The newest archive in the default folder, with the facts from its ZIP comment."""
    archives = sorted(archive_dir().glob(f"{ARCHIVE_PREFIX}*.zip"), key=lambda p: p.name, reverse=True)
    for path in archives:
        try:
            with zipfile.ZipFile(path) as archive:
                facts = json.loads(archive.comment or b"{}")
        except (OSError, zipfile.BadZipFile, ValueError):
            continue  # being replaced, or damaged: offer the next one
        generated = facts.get("generated_at")
        return Archive(
            path=path,
            size=path.stat().st_size,
            generated_at=datetime.fromisoformat(generated) if generated else None,
            messages=facts.get("messages"),
            replies=facts.get("replies"),
            date_from=facts.get("from"),
            date_to=facts.get("to"),
        )
    return None
