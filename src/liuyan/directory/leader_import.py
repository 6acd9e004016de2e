"""Importing leaders' names, dates of office and photos from a table (CSV or Excel): `liuyan import_leaders`.

Each row names a leader by the code of its place (a region code) or of its central department (the unit
code, central-csrc, or its key, csrc) and its title, as seeded (临沧市委书记, 中国证券监督管理委员会主席).
A row that names no known leader, or holds a bad date or photo, is reported with its line and left out;
every other row is applied, each on its own, so one bad row loses nothing else.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from liuyan.directory.choices import UnitKind
from liuyan.directory.models import Leader

# The columns, by any of their names (Chinese or English, case-insensitive).
COLUMNS = {
    "code": ("代码", "地区代码", "部门代码", "code"),
    "title": ("职务", "title"),
    "name": ("姓名", "name"),
    "since": ("任职时间", "since"),
    "photo": ("照片", "photo"),
}
REQUIRED = ("code", "title", "name")
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m", "%Y/%m", "%Y.%m", "%Y年%m月")


class LeaderFileError(ValueError):
    """The file as a whole cannot be read (no such file, unknown kind, missing columns): nothing imported."""


@dataclass
class LeaderImport:
    """The outcome of an import: leaders updated, rows that changed nothing, and rows refused by line."""

    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str | date | None]]]:
    """The rows of a .csv (UTF-8, with or without BOM) or .xlsx file as (line number, column → value)."""
    if not path.is_file():
        raise LeaderFileError(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise LeaderFileError("CSV 文件须为 UTF-8 编码。") from None
        table: list[list] = list(csv.reader(io.StringIO(text)))
    elif suffix == ".xlsx":
        from openpyxl import load_workbook  # type: ignore[import-untyped]  # only an Excel import needs it

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise LeaderFileError(f"无法读取 Excel 文件：{error}") from None
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
    else:
        raise LeaderFileError("只能导入 .csv 或 .xlsx 文件。")
    if not table:
        raise LeaderFileError("文件是空的。")
    header = [str(cell or "").strip().lower() for cell in table[0]]
    positions = {}
    for key, names in COLUMNS.items():
        found = [i for i, cell in enumerate(header) if cell in {n.lower() for n in names}]
        if found:
            positions[key] = found[0]
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in positions]
    if missing:
        raise LeaderFileError(f"缺少列：{'、'.join(missing)}（须有 代码、职务、姓名，可有 任职时间、照片）。")
    for line, row in enumerate(table[1:], start=2):
        values = {key: row[i] if i < len(row) else None for key, i in positions.items()}
        if all(value in (None, "") for value in values.values()):
            continue
        yield (
            line,
            {
                key: value
                if isinstance(value, (date, datetime))
                else str(value if value is not None else "").strip()
                for key, value in values.items()
            },
        )


def _since(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not value:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(str(value), pattern).date()
        except ValueError:
            continue
    raise ValueError(f"任职时间“{value}”无法识别，请写作 2023-03-01 或 2023年3月")


def _photo(value: str, base: Path) -> ContentFile | None:
    if not value:
        return None
    path = Path(value)
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise ValueError(f"找不到照片文件“{value}”")
    data = path.read_bytes()
    if len(data) > PHOTO_MAX_BYTES:
        raise ValueError(f"照片“{value}”超过 5 MB")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValueError(f"照片“{value}”不是可识别的图片") from None
    if kind not in PHOTO_FORMATS:
        raise ValueError(f"照片“{value}”须为 JPEG、PNG 或 WebP 图片")
    return ContentFile(data, name=f"photo.{PHOTO_FORMATS[kind]}")


def _leader(code: str, title: str) -> Leader | None:
    leaders = Leader.objects.filter(title=title)
    if code.isdigit():
        return leaders.filter(region_id=code).first()
    unit_code = code if code.startswith("central-") else f"central-{code}"
    return leaders.filter(department__code=unit_code, department__kind=UnitKind.CENTRAL).first()


def import_leaders(path: Path) -> LeaderImport:
    """Set the name, date of office and photo of the leaders the file names; see the module's docstring."""
    result = LeaderImport()
    for line, row in read_rows(path):
        code, title, name = str(row["code"]), str(row["title"]), str(row["name"])
        if not code or not title:
            result.refused.append((line, "代码和职务不能为空"))
            continue
        if not name or len(name) > (Leader._meta.get_field("person_name").max_length or 0):
            result.refused.append((line, "姓名为空或超过 40 个字"))
            continue
        leader = _leader(code, title)
        if leader is None:
            result.refused.append((line, f"没有代码为“{code}”、职务为“{title}”的领导"))
            continue
        try:
            since = _since(row["since"]) if "since" in row else leader.since
            photo = _photo(str(row.get("photo") or ""), path.parent)
        except ValueError as error:
            result.refused.append((line, str(error)))
            continue
        if leader.person_name == name and leader.since == since and photo is None:
            result.unchanged += 1
            continue
        with transaction.atomic():
            leader.person_name, leader.since = name, since
            if photo is not None:
                leader.photo.save(photo.name, photo, save=False)
            leader.save(update_fields=["person_name", "since", "photo"])
        result.updated += 1
    return result
