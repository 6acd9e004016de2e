"""`liuyan analyze`: region, domain, type, suggested units and similar messages for a text or a CSV file."""

import csv
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liuyan.board.selectors import public_messages
from liuyan.directory.models import Region
from liuyan.intelligence.analyze import analyze_text, analyze_texts

# The data set's layout: a title and a body instead of one text column.
TITLE_COLUMN, DETAIL_COLUMN = "留言主题", "留言详情"
# Rows classified together (the classifiers are several times faster on a batch than one text at a time).
BATCH = 256


class Command(BaseCommand):
    help = (
        "Analyse a text (--text) or every row of a CSV file (--file): region, domain, type, suggested units "
        "and similar public messages. With --json, one JSON object per text (JSON Lines, in input order)."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--text", help="the message text")
        source.add_argument("--file", type=Path, help="a CSV file with a text column (UTF-8)")
        parser.add_argument("--region", help="region code of the addressee, as a hint (with --text)")
        parser.add_argument("--text-column", default="text", help="the text column of --file (default: text)")
        parser.add_argument(
            "--region-column", help="a column of --file holding each row's region hint (empty: no hint)"
        )
        parser.add_argument("--no-similar", action="store_true", help="skip the similar-message lookup")
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options):
        scope = public_messages()
        with_similar = not options["no_similar"]
        if options["text"] is not None:
            hint = _region(options["region"]) if options["region"] else None
            analysis = analyze_text(
                options["text"], region_hint=hint, similar_scope=scope, with_similar=with_similar
            )
            self._emit(analysis.as_dict(), options["json"])
            return
        started, count = time.perf_counter(), 0
        hints: dict[str, Region | None] = {}
        batch: list[tuple[str, Region | None]] = []
        rows = _rows(options["file"], options["text_column"], options["region_column"])
        for line_number, text, hint_code in rows:
            if hint_code and hint_code not in hints:
                hints[hint_code] = Region.objects.filter(pk=hint_code).first()
                if hints[hint_code] is None:
                    self.stderr.write(f"第 {line_number} 行：未知的行政区划代码 {hint_code}，按无提示分析")
            batch.append((text, hints.get(hint_code) if hint_code else None))
            if len(batch) == BATCH:
                count += self._emit_all(batch, scope, with_similar, options["json"])
                batch = []
        count += self._emit_all(batch, scope, with_similar, options["json"])
        elapsed = time.perf_counter() - started
        rate = count / elapsed if elapsed else 0.0
        self.stderr.write(f"analysed {count} rows in {elapsed:.1f} s ({rate:.0f} rows/s)")

    def _emit_all(self, batch, scope, with_similar: bool, as_json: bool) -> int:
        for analysis in analyze_texts(batch, similar_scope=scope, with_similar=with_similar) if batch else []:
            self._emit(analysis.as_dict(), as_json)
        return len(batch)

    def _emit(self, result: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        region = result["region"]
        self.stdout.write(
            f"地区：{region['name']}（{region['code']}，置信度 {region['confidence']:.0%}）"
            if region
            else "地区：未识别"
        )
        for key, label in (("domain", "领域"), ("type", "类型")):
            guess = result[key]
            self.stdout.write(
                f"{label}：{guess['label']}（{guess['confidence']:.0%}）" if guess else f"{label}：未训练模型"
            )
        for unit in result["units"]:
            self.stdout.write(f"建议单位：{unit['name']}（{unit['score']:.0%}）— {unit['reason']}")
        for hit in result["similar"]:
            self.stdout.write(f"相似留言：#{hit['id']} {hit['title']}（{hit['score']:.0%}）")
        self.stdout.write("")


def _region(code: str) -> Region:
    region = Region.objects.filter(pk=code).first()
    if region is None:
        raise CommandError(f"未知的行政区划代码 / unknown region code: {code}")
    return region


def _rows(path: Path, text_column: str, region_column: str | None):
    """(line number, text, region hint code) for each row; the data set's 留言主题 + 留言详情 columns
    stand in for a missing text column."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise CommandError(f"无法读取文件 / cannot read {path}: {error}") from error
    with handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        joined = text_column not in columns and {TITLE_COLUMN, DETAIL_COLUMN} <= set(columns)
        if text_column not in columns and not joined:
            raise CommandError(
                f"文件缺少文本列 / the file has no column {text_column!r} (columns: {columns})"
            )
        if region_column and region_column not in columns:
            raise CommandError(f"文件缺少地区列 / the file has no column {region_column!r}")
        for row in reader:
            if joined:
                text = f"{(row[TITLE_COLUMN] or '').strip()}\n{(row[DETAIL_COLUMN] or '').strip()}"
            else:
                text = (row[text_column] or "").strip()
            hint = (row.get(region_column) or "").strip() if region_column else ""
            yield reader.line_num, text, hint
