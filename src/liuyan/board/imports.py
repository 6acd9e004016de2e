"""Importing messages exported from another message board (CSV or XLSX, e.g. the taidi2020 data set).

History is kept as it happened: the original submission and reply times, the reply itself and the events
of the public timeline, so analytics see real response times. Rows are written in bulk, one transaction
per batch, without the per-message actions (far too slow for history); the invariants those actions keep
are kept here instead: every message has its `submitted` and `published` events (and `reply_approved`
with its published Reply), a unique serial, and search tokens. Importing the same file again creates
nothing: rows are matched on the source's 留言编号 (`Message.source_ref`).

Segmenting text for search with jieba takes longer than writing the rows; it happens before each batch
is written (so an imported message is searchable as soon as it exists), in worker processes with --jobs,
and the report says how much of the time it took.

What follows an import is its caller's (`liuyan import_messages`, in liuyan/ops): recounting the
count tables of the days it touched, indexing the messages for similarity, segmenting what it left for
later.
"""

import csv
import hashlib
import io
import multiprocessing
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import DataError, IntegrityError, connections, router, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from liuyan import inputs
from liuyan.board import search
from liuyan.board.actions.replies import REPLY_MAX
from liuyan.board.choices import EventKind, MessageState, ReplyState
from liuyan.board.models import BODY_MAX, BODY_MIN, TITLE_MAX, TITLE_MIN, Event, Message, Reply
from liuyan.core.text import normalise_text
from liuyan.core.times import parse_timestamp
from liuyan.directory.models import Domain, Leader, MessageType, Region, Unit

# The canonical columns, in the layout of the taidi2020 files.
REQUIRED_COLUMNS = ("留言编号", "留言用户", "留言主题", "留言时间", "留言详情")
OPTIONAL_COLUMNS = ("一级分类", "答复意见", "答复时间", "点赞数", "反对数", "地区")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
COLUMN_ALIASES = {"一级标签": "一级分类"}

SOURCE_REF_MAX = 40
USERNAME_PREFIX = "import-"
# Reply authors: one inactive account per replying unit, named so it cannot clash with a citizen's.
UNIT_USERNAME_PREFIX = "import-unit-"
SERIAL_PREFIX = "IM"
SERIAL_MAX = 20
DEFAULT_BATCH_SIZE = 1000
INDEX_BATCH_SIZE = 500


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, wrong columns, bad options); nothing written."""


class BadRow(ValueError):
    """One row cannot be imported; the reason is in Chinese, for the person running the import."""


@dataclass(frozen=True)
class SourceRow:
    """One data row of the file: its line (CSV) or sheet row (XLSX) number and its canonical columns."""

    number: int
    values: dict[str, object]


@dataclass
class ImportOptions:
    """Where imported messages go: fixed region and leader, or a region column; reply unit, type, domain."""

    message_type: MessageType
    default_domain: Domain
    region: Region | None = None
    leader: Leader | None = None
    unit: Unit | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    # Worker processes segmenting text for search (the slow part) while batches are written; 0: none.
    index_jobs: int = 0
    # Leave segmenting to a background task (board.tasks.segment_imported): the import writes at full speed,
    # and the messages become findable by the site search as the worker catches up.
    search_later: bool = False


@dataclass
class ImportReport:
    """What an import did: rows created, skipped as already imported, refused (line, reason), and timings."""

    rows: int = 0
    created: int = 0
    replies: int = 0
    skipped: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    # Rows whose text held control characters or other characters typed text may not hold (liuyan/inputs.py):
    # (line, how many were removed). They are imported without them.
    stripped: list[tuple[int, int]] = field(default_factory=list)
    # 一级分类 values that name no domain; those rows were imported under the default domain.
    unknown_domains: Counter = field(default_factory=Counter)
    # Messages segmented for search (the new ones, and any an interrupted run left unsegmented).
    indexed: int = 0
    seconds: float = 0.0
    # Of `seconds`, the time spent segmenting with jieba (or waiting for the --jobs processes doing it).
    segment_seconds: float = 0.0
    # After `seconds`, by the caller (`liuyan import_messages`): recounting the statistics of the days the
    # import touched.
    recount_seconds: float = 0.0
    # Local days with a submission or a reply among the created messages (for count tables).
    days: set[date] = field(default_factory=set)
    message_ids: list[int] = field(default_factory=list)
    # The messages' search tokens are left to a background task (--search-later).
    search_deferred: bool = False

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def rows_per_second_without_segmenting(self) -> float:
        rest = self.seconds - self.segment_seconds
        return self.rows / rest if rest > 0 else 0.0

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "replies": self.replies,
            "skipped": self.skipped,
            "bad": len(self.bad),
            "bad_rows": [{"row": number, "reason": reason} for number, reason in self.bad],
            "stripped_rows": [{"row": number, "characters": count} for number, count in self.stripped],
            "unknown_domains": dict(self.unknown_domains),
            "indexed": self.indexed,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "segment_seconds": round(self.segment_seconds, 3),
            "rows_per_second_without_segmenting": round(self.rows_per_second_without_segmenting, 1),
            "recount_seconds": round(self.recount_seconds, 3),
            "search_deferred": self.search_deferred,
        }


class Progress:
    """Receives the import's progress; the command shows it as a bar. This one shows nothing."""

    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def finish(self) -> None:
        pass


# ---------------------------------------------------------------------------------------------- reading


def read_rows(
    path: Path, *, encoding: str | None = None, column_map: dict[str, str] | None = None
) -> list[SourceRow]:
    """The data rows of a .csv or .xlsx file under canonical column names.

    `column_map` maps other header names onto canonical ones (源列名 → 目标列). A CSV is read as
    `encoding`, or when none is given as UTF-8 (with or without BOM) and, failing that, GB18030.
    Blank rows are left out.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, records = _read_csv(path, encoding)
    elif suffix == ".xlsx":
        header, records = _read_xlsx(path)
    else:
        raise ImportFileError(f"只能导入 .csv 或 .xlsx 文件，不能导入“{path.suffix or path.name}”。")
    columns = _canonical_columns(header, column_map or {})
    rows = []
    for number, cells in records:
        if all(_is_blank(cell) for cell in cells):
            continue
        values = {name: cells[i] if i < len(cells) else None for i, name in columns.items()}
        rows.append(SourceRow(number, values))
    return rows


def _read_csv(path: Path, encoding: str | None) -> tuple[list, list[tuple[int, list]]]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"无法读取文件：{error.strerror or error}") from None
    for candidate in [encoding] if encoding else ["utf-8-sig", "gb18030"]:
        try:
            text = data.decode(candidate)
            break
        except LookupError:
            raise ImportFileError(f"未知的编码“{candidate}”。") from None
        except UnicodeDecodeError:
            continue
    else:
        tried = encoding or "UTF-8 和 GB18030"
        raise ImportFileError(f"文件不是 {tried} 编码的文本，请用 --encoding 指定编码。")
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ImportFileError("文件是空的。")
    records, last_line = [], reader.line_num
    for cells in reader:
        # A quoted cell may span lines: a row is numbered by the line it starts on.
        records.append((last_line + 1, cells))
        last_line = reader.line_num
    return header, records


def _read_xlsx(path: Path) -> tuple[list, list[tuple[int, list]]]:
    import openpyxl  # only needed for Excel files

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken or foreign file
        raise ImportFileError(f"无法读取 Excel 文件：{error}") from None
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None)
        if header is None:
            raise ImportFileError("工作表是空的。")
        records = [(number, list(cells)) for number, cells in enumerate(lines, start=2)]
    finally:
        workbook.close()
    return list(header), records


def parse_column_map(pairs: Iterable[str]) -> dict[str, str]:
    """`源列名=目标列` pairs as a dict; the target must be a canonical column (or 一级标签)."""
    mapping = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            raise ImportFileError(f"列映射“{pair}”应写作 源列名=目标列。")
        if COLUMN_ALIASES.get(target, target) not in COLUMNS:
            raise ImportFileError(f"列映射“{pair}”的目标列不是 {'、'.join(COLUMNS)} 之一。")
        mapping[source] = target
    return mapping


def _canonical_columns(header: Sequence, column_map: dict[str, str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    for i, raw in enumerate(header):
        name = normalise_text(str(raw or ""))
        name = column_map.get(name, name)
        name = COLUMN_ALIASES.get(name, name)
        if name not in COLUMNS:
            continue
        if name in columns.values():
            raise ImportFileError(f"列“{name}”出现了不止一次。")
        columns[i] = name
    missing = [name for name in REQUIRED_COLUMNS if name not in columns.values()]
    if missing:
        raise ImportFileError(
            f"文件缺少列：{'、'.join(missing)}。其他列名可用 --map 源列名=目标列 对应过来。"
        )
    return columns


# ---------------------------------------------------------------------------------------------- parsing

_INLINE_SPACE = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def without_forbidden_characters(row: SourceRow) -> tuple[SourceRow, int]:
    """The row with the characters typed text may not hold taken out of its texts (a file exported from
    another system may carry them; the site would refuse them), and how many were taken out. Line breaks
    and tabs stay: the cleaning below decides what they become."""
    values, removed = {}, 0
    for name, value in row.values.items():
        if isinstance(value, str):
            value, count = inputs.strip_forbidden(value, multiline=True)
            removed += count
        values[name] = value
    return (SourceRow(row.number, values), removed) if removed else (row, 0)


def clean_line(value: object) -> str:
    """One-line text (title, user, identifier): every run of whitespace (tabs, U+3000 …) as one space."""
    return normalise_text(_cell_text(value))


def clean_body(value: object) -> str:
    """Multi-line text: line breaks kept (at most one blank line), other whitespace runs as one space."""
    text = _cell_text(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _INLINE_SPACE.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def parse_count(value: object) -> int | None:
    """A non-negative whole number (点赞数, 反对数); blank is 0; None when it is not one."""
    if _is_blank(value):
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    text = clean_line(value).replace(",", "")
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() else None


def closes_at(replied_at: datetime | None, now: datetime) -> datetime | None:
    """When a replied historical message was closed: the end of its rating window, if that has passed by
    `now`. Its author can no longer rate it, so it is written closed as of then, as `close_unrated` would
    have done at the time (leaving it to the periodic job would date every such closing on the import day)."""
    if replied_at is None:
        return None
    closed_at = replied_at + timedelta(days=settings.LIUYAN_RATING_WINDOW_DAYS)
    return closed_at if closed_at <= now else None


def serial_for(source_ref: str) -> str:
    """The public serial of an imported message: IM + the source's 留言编号 (IMX + a hash when that
    would not fit in 20 characters or holds other characters), apart from native serials (LY…)."""
    if len(source_ref) <= SERIAL_MAX - len(SERIAL_PREFIX) and re.fullmatch(r"[0-9A-Za-z_-]+", source_ref):
        return SERIAL_PREFIX + source_ref
    digest = hashlib.sha256(source_ref.encode()).hexdigest()
    return f"{SERIAL_PREFIX}X{digest[: SERIAL_MAX - len(SERIAL_PREFIX) - 1]}"


@dataclass
class _Parsed:
    number: int
    source_ref: str
    username: str
    nickname: str
    title: str
    body: str
    created_at: datetime
    region: Region
    leader: Leader
    domain: Domain
    support_count: int
    oppose_count: int
    reply_body: str = ""
    replied_at: datetime | None = None
    # The end of the rating window, when it has passed: the message is written closed (`closes_at`).
    closed_at: datetime | None = None
    search_tokens: str = ""


# ---------------------------------------------------------------------------------------------- writing


def import_rows(
    rows: Sequence[SourceRow], options: ImportOptions, *, progress: Progress | None = None
) -> ImportReport:
    """Import `rows` and return what happened. Bad rows are reported and skipped; each batch is written
    in one transaction, search tokens included, and a batch the database refuses is retried row by row
    so the others are kept.

    With `options.index_jobs` ≥ 1, worker processes segment the next batch while this one is written.
    """
    progress = progress or Progress()
    report = ImportReport(rows=len(rows))
    started = time.monotonic()
    segmenter = _Segmenter(options.index_jobs, report, later=options.search_later)
    importer = _Importer(options, segmenter)
    progress.start("导入", len(rows))
    try:
        waiting = None
        for start in range(0, len(rows), options.batch_size):
            batch = rows[start : start + options.batch_size]
            new = importer.prepare(batch, report)
            segmenting = segmenter.submit([(item.title, item.body) for item in new])
            if waiting is not None:
                importer.write_batch(*waiting, report)
            waiting = (new, segmenting)
            progress.advance(len(batch))
        if waiting is not None:
            importer.write_batch(*waiting, report)
        segment_started = time.monotonic()
        if options.search_later:
            report.search_deferred = bool(report.created or importer.to_index)
        else:
            report.indexed += index_messages(importer.to_index)
        report.segment_seconds += time.monotonic() - segment_started
    finally:
        segmenter.close()
        progress.finish()
    report.seconds = time.monotonic() - started
    report.bad.sort()
    report.unknown_domains = importer.unknown_domains
    return report


class _Importer:
    """Per-import state: lookups cached across batches, rows seen so far, messages still to index."""

    def __init__(self, options: ImportOptions, segmenter: "_Segmenter"):
        self.options, self.segmenter = options, segmenter
        self.user_ids: dict[str, int] = {}
        self.places: dict[str, tuple[Region, Leader] | str] = {}
        self.domains = {d.name: d for d in Domain.objects.filter(parent=None, active=True)}
        self.seen: dict[str, int] = {}
        self.to_index: list[int] = []
        self.unknown_domains: Counter = Counter()
        # One unusable password for all imported accounts: making one per account costs more than the row.
        self.unusable_password = make_password(None)

    # -- parsing

    def parse(self, row: SourceRow) -> _Parsed:
        values = row.values
        source_ref = clean_line(values.get("留言编号"))
        if not source_ref:
            raise BadRow("缺少留言编号")
        if len(source_ref) > SOURCE_REF_MAX:
            raise BadRow(f"留言编号超过 {SOURCE_REF_MAX} 个字符")
        user = clean_line(values.get("留言用户"))
        if not user:
            raise BadRow("缺少留言用户")
        username = USERNAME_PREFIX + user
        if len(username) > 150:
            raise BadRow("留言用户过长")
        title = clean_line(values.get("留言主题"))
        if not title:
            raise BadRow("缺少留言主题")
        if not TITLE_MIN <= len(title) <= TITLE_MAX:
            raise BadRow(f"留言主题应为 {TITLE_MIN}–{TITLE_MAX} 个字，现在是 {len(title)} 个字")
        body = clean_body(values.get("留言详情"))
        if not body:
            raise BadRow("缺少留言详情")
        if not BODY_MIN <= len(body) <= BODY_MAX:
            raise BadRow(f"留言详情应为 {BODY_MIN}–{BODY_MAX} 个字，现在是 {len(body)} 个字")
        created_at = self._time(values.get("留言时间"), "留言时间")
        if created_at is None:
            raise BadRow("缺少留言时间")
        reply_body = clean_body(values.get("答复意见"))
        replied_at = self._time(values.get("答复时间"), "答复时间")
        if reply_body and replied_at is None:
            raise BadRow("有答复意见但缺少答复时间")
        if replied_at is not None and not reply_body:
            raise BadRow("有答复时间但缺少答复意见")
        if len(reply_body) > REPLY_MAX:
            raise BadRow(f"答复意见超过 {REPLY_MAX} 个字")
        if replied_at is not None and replied_at < created_at:
            raise BadRow("答复时间早于留言时间")
        counts = {}
        for column in ("点赞数", "反对数"):
            counts[column] = parse_count(values.get(column))
            if counts[column] is None:
                raise BadRow(f"{column}应为非负整数，现在是“{clean_line(values.get(column))}”")
        region, leader = self._place(values.get("地区"))
        return _Parsed(
            number=row.number,
            source_ref=source_ref,
            username=username,
            nickname=user[:30],
            title=title,
            body=body,
            created_at=created_at,
            region=region,
            leader=leader,
            domain=self._domain(values.get("一级分类")),
            support_count=counts["点赞数"],
            oppose_count=counts["反对数"],
            reply_body=reply_body,
            replied_at=replied_at,
            closed_at=closes_at(replied_at, timezone.now()),
        )

    def _time(self, value: object, label: str) -> datetime | None:
        if _is_blank(value):
            return None
        moment = parse_timestamp(value)
        if moment is None:
            raise BadRow(f"{label}无法识别：“{clean_line(value)}”")
        if moment > timezone.now():
            raise BadRow(f"{label}晚于现在：“{clean_line(value)}”")
        return moment

    def _domain(self, value: object) -> Domain:
        name = clean_line(value)
        if not name:
            return self.options.default_domain
        domain = self.domains.get(name)
        if domain is None:
            self.unknown_domains[name] += 1
            return self.options.default_domain
        return domain

    def _place(self, value: object) -> tuple[Region, Leader]:
        key = clean_line(value)
        if not key:
            if self.options.region is None:
                raise BadRow("缺少地区（未指定 --region）")
            key = self.options.region.code
        place = self.places.get(key)
        if place is None:
            place = self.places[key] = self._resolve_place(key)
        if isinstance(place, str):
            raise BadRow(place)
        return place

    def _resolve_place(self, key: str) -> tuple[Region, Leader] | str:
        """The region a code or name stands for, with the leader its messages go to; or why not."""
        regions = list(Region.objects.filter(Q(code=key) | Q(name=key))[:3])
        if not regions:
            return f"地区无法识别：“{key}”"
        if len(regions) > 1 and not any(r.code == key for r in regions):
            return f"地区“{key}”对应多个行政区划，请填写区划代码"
        region = next((r for r in regions if r.code == key), regions[0])
        leader = self.options.leader
        if leader is not None:
            # A central department's leader takes messages about any place.
            if leader.region is not None and not region.is_within(leader.region):
                return f"地区“{key}”不在{leader.region.name}范围内"
            return region, leader
        leader = (
            Leader.objects.select_related("desk")
            .filter(region=region, active=True)
            .order_by("order", "id")
            .first()
        )
        if leader is None:
            return f"{region.name}没有可以留言的领导，请用 --leader 指定"
        return region, leader

    # -- writing

    def prepare(self, batch: Sequence[SourceRow], report: ImportReport) -> list[_Parsed]:
        """The rows of `batch` to create: bad rows and those already imported are counted and left out."""
        parsed: list[_Parsed] = []
        for row in batch:
            row, removed = without_forbidden_characters(row)
            if removed:
                report.stripped.append((row.number, removed))
            try:
                item = self.parse(row)
            except BadRow as error:
                report.bad.append((row.number, str(error)))
                continue
            first = self.seen.setdefault(item.source_ref, row.number)
            if first != row.number:
                report.bad.append((row.number, f"留言编号 {item.source_ref} 与第 {first} 行重复"))
                continue
            parsed.append(item)

        unindexed = ExpressionWrapper(Q(search_tokens=""), output_field=BooleanField())
        existing = {
            ref: (pk, title, pending)
            for ref, pk, title, pending in Message.objects.filter(
                source_ref__in=[item.source_ref for item in parsed]
            )
            .annotate(unindexed=unindexed)
            .values_list("source_ref", "pk", "title", "unindexed")
        }
        new = []
        for item in parsed:
            if item.source_ref not in existing:
                new.append(item)
                continue
            pk, title, pending = existing[item.source_ref]
            if title != item.title:
                report.bad.append((item.number, f"留言编号 {item.source_ref} 已导入过另一条留言（标题不同）"))
                continue
            report.skipped += 1
            if pending:  # written without search tokens (by other means than this import)
                self.to_index.append(pk)
        return new

    def write_batch(self, new: list[_Parsed], segmenting, report: ImportReport) -> None:
        if not new:
            return
        for item, tokens in zip(new, self.segmenter.result(segmenting), strict=True):
            item.search_tokens = tokens
        try:
            with transaction.atomic():
                written = self._write(new)
        except (IntegrityError, DataError):
            # One row the checks above missed, or another import writing the same rows meanwhile:
            # write the batch row by row, so that only the refused rows are lost.
            for item in new:
                try:
                    with transaction.atomic():
                        exists = Message.objects.filter(source_ref=item.source_ref).exists()
                        written = None if exists else self._write([item])
                except (IntegrityError, DataError) as error:
                    report.bad.append((item.number, f"数据库拒绝写入：{str(error).strip()}"))
                    continue
                if written is None:
                    report.skipped += 1
                else:
                    self._record([item], *written, report)
        else:
            self._record(new, *written, report)

    def _write(self, items: list[_Parsed]) -> tuple[list[int], int, dict[str, int]]:
        """Write `items` (in the caller's transaction); returns the new message ids, the number of
        replies and the ids of the accounts used."""
        units = {item.number: self.options.unit or item.leader.desk for item in items if item.reply_body}
        authors = {item.username: item.nickname for item in items}
        authors |= {UNIT_USERNAME_PREFIX + unit.code: unit.name[:30] for unit in units.values()}
        user_ids = self._user_ids(authors)

        message_ids = bulk_insert(
            Message,
            [
                {
                    "serial": serial_for(item.source_ref),
                    "source_ref": item.source_ref,
                    "author_id": user_ids[item.username],
                    "leader_id": item.leader.pk,
                    "region_id": item.region.pk,
                    "message_type_id": self.options.message_type.pk,
                    "domain_id": item.domain.pk,
                    "title": item.title,
                    "body": item.body,
                    "state": (
                        MessageState.CLOSED
                        if item.closed_at
                        else MessageState.REPLIED
                        if item.number in units
                        else MessageState.PUBLISHED
                    ),
                    "desk_id": item.leader.desk_id,
                    "unit_id": units[item.number].pk if item.number in units else None,
                    "support_count": item.support_count,
                    "oppose_count": item.oppose_count,
                    "created_at": item.created_at,
                    "published_at": item.created_at,
                    "replied_at": item.replied_at,
                    "closed_at": item.closed_at,
                    "search_tokens": item.search_tokens,
                }
                for item in items
            ],
        )
        events, replies, replied_ids = [], [], []
        for item, message_id in zip(items, message_ids, strict=True):
            submitted = {"message_id": message_id, "created_at": item.created_at}
            events.append(
                submitted
                | {
                    "actor_id": user_ids[item.username],
                    "kind": EventKind.SUBMITTED,
                    "to_state": MessageState.PENDING_REVIEW,
                }
            )
            events.append(
                submitted
                | {
                    "kind": EventKind.PUBLISHED,
                    "from_state": MessageState.PENDING_REVIEW,
                    "to_state": MessageState.PUBLISHED,
                    "unit_id": item.leader.desk_id,
                    "note": f"历史留言导入，原编号 {item.source_ref}",
                }
            )
            if (unit := units.get(item.number)) is not None:
                events.append(
                    {
                        "message_id": message_id,
                        "kind": EventKind.REPLY_APPROVED,
                        "from_state": MessageState.PUBLISHED,
                        "to_state": MessageState.REPLIED,
                        "unit_id": unit.pk,
                        "created_at": item.replied_at,
                    }
                )
                replies.append(
                    {
                        "body": item.reply_body,
                        "unit_id": unit.pk,
                        "author_id": user_ids[UNIT_USERNAME_PREFIX + unit.code],
                        "state": ReplyState.PUBLISHED,
                        "created_at": item.replied_at,
                        "reviewed_at": item.replied_at,
                    }
                )
                replied_ids.append(message_id)
            if item.closed_at is not None:
                events.append(
                    {
                        "message_id": message_id,
                        "kind": EventKind.CLOSED,
                        "from_state": MessageState.REPLIED,
                        "to_state": MessageState.CLOSED,
                        "created_at": item.closed_at,
                        "note": "评价期满未评价，自动办结。",
                    }
                )
        bulk_insert(Event, events)
        reply_ids = bulk_insert(Reply, replies)
        bulk_insert(
            Reply.messages.through,
            [
                {"reply_id": reply_id, "message_id": message_id}
                for reply_id, message_id in zip(reply_ids, replied_ids, strict=True)
            ],
        )
        return message_ids, len(reply_ids), user_ids

    def _record(
        self, items, ids: list[int], replies: int, user_ids: dict[str, int], report: ImportReport
    ) -> None:
        """Count a written batch; only called once its transaction (or savepoint) went through."""
        self.user_ids |= user_ids
        report.created += len(ids)
        report.replies += replies
        report.message_ids += ids
        if not self.options.search_later:
            report.indexed += len(ids)
        for item in items:
            report.days.add(timezone.localdate(item.created_at))
            if item.replied_at is not None:
                report.days.add(timezone.localdate(item.replied_at))
            if item.closed_at is not None:
                report.days.add(timezone.localdate(item.closed_at))

    def _user_ids(self, wanted: dict[str, str]) -> dict[str, int]:
        """Ids of the inactive accounts standing for `wanted` (username → nickname), created when missing."""
        User = get_user_model()
        ids = {name: self.user_ids[name] for name in wanted if name in self.user_ids}
        missing = [name for name in wanted if name not in ids]
        if missing:
            found = dict(User.objects.filter(username__in=missing).values_list("username", "pk"))
            new = [name for name in missing if name not in found]
            if new:
                User.objects.bulk_create(
                    [
                        User(
                            username=name,
                            nickname=wanted[name],
                            is_active=False,
                            password=self.unusable_password,
                        )
                        for name in new
                    ],
                    ignore_conflicts=True,
                )
                found |= dict(User.objects.filter(username__in=new).values_list("username", "pk"))
            ids |= found
        return ids


def bulk_insert(model, rows: list[dict]) -> list[int]:
    """Insert `rows` (field attname → value; other fields take their defaults) and return their ids.

    On PostgreSQL the ids are drawn from the table's sequence and the rows sent with COPY, several times
    faster than Django's bulk_create (which builds and adapts every value of every object); elsewhere
    bulk_create. No signals, no save(): the caller keeps the model's invariants.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        objects = [model(**row) for row in rows]
        model.objects.using(connection.alias).bulk_create(objects)
        return [obj.pk for obj in objects]
    meta, quote = model._meta, connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    columns = ", ".join(quote(c) for c in [meta.pk.column, *(f.column for f in fields)])
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row([pk, *(row.get(f.attname, defaults[f.attname]) for f in fields)])
    return ids


# ---------------------------------------------------------------------------------------------- search


def _document_tokens(title_and_body: tuple[str, str]) -> str:
    return search.document_tokens(*title_and_body)


class _Segmenter:
    """Search tokens (board/search.py) for batches of (title, body): in this process, or with `jobs` ≥ 1
    in forked worker processes, so that the next batch is segmented while this one is written."""

    def __init__(self, jobs: int, report: ImportReport, *, later: bool = False):
        self.report, self.later = report, later
        if later:
            self.pool = None
            return
        search.tokenize("预热")  # load jieba's dictionary once, before forking: the workers share it
        # The workers only segment text; they never touch the database connection they inherit.
        self.pool = multiprocessing.get_context("fork").Pool(jobs) if jobs > 0 else None

    def submit(self, texts: list[tuple[str, str]]):
        if self.later:
            return [""] * len(texts)
        if self.pool is not None:
            return self.pool.map_async(_document_tokens, texts, chunksize=25)
        started = time.monotonic()
        tokens = [_document_tokens(text) for text in texts]
        self.report.segment_seconds += time.monotonic() - started
        return tokens

    def result(self, submitted) -> list[str]:
        if self.pool is None:
            return submitted
        started = time.monotonic()
        tokens = submitted.get()
        self.report.segment_seconds += time.monotonic() - started
        return tokens

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


def segment_imported() -> int:
    """Fill in the search tokens that imports with --search-later left empty; returns how many."""
    ids = list(Message.objects.filter(search_tokens="").exclude(source_ref="").values_list("pk", flat=True))
    return index_messages(ids)


def index_messages(ids: Sequence[int]) -> int:
    """Fill in the search tokens of the messages `ids`, in batches; returns how many were written."""
    written = 0
    for start in range(0, len(ids), INDEX_BATCH_SIZE):
        messages = list(
            Message.objects.filter(pk__in=ids[start : start + INDEX_BATCH_SIZE]).only("title", "body")
        )
        for message in messages:
            message.search_tokens = search.document_tokens(message.title, message.body)
        with transaction.atomic():
            Message.objects.bulk_update(messages, ["search_tokens"])
        written += len(messages)
    return written


# ---------------------------------------------------------------------------------------------- options


def resolve_options(
    *,
    region: str | None = None,
    leader: str | None = None,
    unit: str | None = None,
    message_type: str = "suggestion",
    domain: str = "其他",
    has_region_column: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    index_jobs: int = 0,
    search_later: bool = False,
) -> ImportOptions:
    """The import's options from codes and names given on the command line; ImportFileError if one is
    unknown. The region is required unless the file has a region column; --leader alone implies it."""
    leader_obj = None
    if leader:
        leader_obj = Leader.objects.select_related("region", "desk").filter(code=leader).first()
        if leader_obj is None:
            raise ImportFileError(f"没有代码为“{leader}”的领导。")
    region_obj = None
    if region:
        region_obj = Region.objects.filter(code=region).first()
        if region_obj is None:
            raise ImportFileError(f"没有区划代码为“{region}”的行政区划。")
        if leader_obj and leader_obj.region and not region_obj.is_within(leader_obj.region):
            raise ImportFileError(f"{region_obj.name}不在{leader_obj}所辖的{leader_obj.region.name}范围内。")
    elif leader_obj:
        region_obj = leader_obj.region
    if region_obj is None and not has_region_column:
        raise ImportFileError("请用 --region 指定留言所属的行政区划代码（或用 --map 指定地区列）。")
    unit_obj = None
    if unit:
        unit_obj = Unit.objects.filter(code=unit, active=True).first()
        if unit_obj is None:
            raise ImportFileError(f"没有代码为“{unit}”的启用中的办理单位。")
    type_obj = MessageType.objects.filter(Q(code=message_type) | Q(name=message_type)).first()
    if type_obj is None:
        raise ImportFileError(f"没有“{message_type}”这种留言类型。")
    domain_obj = Domain.objects.filter(name=domain, parent=None).first()
    if domain_obj is None:
        raise ImportFileError(f"没有名为“{domain}”的一级领域。")
    if batch_size < 1 or index_jobs < 0:
        raise ImportFileError("批大小至少为 1，进程数不能为负。")
    return ImportOptions(
        message_type=type_obj,
        default_domain=domain_obj,
        region=region_obj,
        leader=leader_obj,
        unit=unit_obj,
        batch_size=batch_size,
        index_jobs=index_jobs,
        search_later=search_later,
    )
