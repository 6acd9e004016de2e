import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from liuyan.board.imports import (
    DEFAULT_BATCH_SIZE,
    ImportFileError,
    ImportReport,
    Progress,
    import_rows,
    parse_column_map,
    read_rows,
    resolve_options,
)
from liuyan.board.tasks import segment_imported
from liuyan.intelligence.tasks import index_missing_similarity
from liuyan.reports.counts import rebuild_counts


class _Bar(Progress):
    """The import's progress as a tqdm bar on stderr, one per stage."""

    def __init__(self, stream, enabled: bool):
        self.stream, self.enabled, self.bar = stream, enabled, None

    def start(self, stage: str, total: int) -> None:
        if self.enabled and total:
            self.bar = tqdm(total=total, desc=stage, unit="行", file=self.stream, dynamic_ncols=True)

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def after_import(report: ImportReport) -> None:
    """What follows an import that created messages: the count tables of the days it touched are
    recounted now (set-based, seconds even for years of history); the messages' similarity signatures, and
    their search tokens when it left them for later, are left to background tasks (slower than importing)."""
    if report.search_deferred:
        segment_imported.enqueue()
    if not report.days:
        return
    started = time.monotonic()
    rebuild_counts(min(report.days), max(report.days))
    report.recount_seconds = time.monotonic() - started
    index_missing_similarity.enqueue()


class Command(BaseCommand):
    help = (
        "Import messages from a .csv or .xlsx export in the layout of the taidi2020 data set (columns "
        "留言编号, 留言用户, 留言主题, 留言时间, 留言详情; optional 一级分类/一级标签, 答复意见, 答复时间, "
        "点赞数, 反对数, 地区), keeping their original times and replies. Rows already imported (same "
        "留言编号) are skipped; bad rows are reported by row number and the rest imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--region", help="region code of the messages (required unless a 地区 column is mapped)"
        )
        parser.add_argument(
            "--leader", help="code of the leader addressed (default: the region's first active leader)"
        )
        parser.add_argument(
            "--unit", help="code of the unit that replied (default: the leader's dispatch desk)"
        )
        parser.add_argument(
            "--type", default="suggestion", help="message type, code or name (default: suggestion)"
        )
        parser.add_argument(
            "--domain",
            default="其他",
            help="level-1 domain for rows without a known 一级分类 (default: 其他)",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="SOURCE=TARGET",
            help="read column SOURCE as the canonical column TARGET, e.g. --map 城市=地区 (repeatable)",
        )
        parser.add_argument(
            "--encoding", help="CSV encoding (default: UTF-8, or GB18030 when it is not UTF-8)"
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="rows per transaction")
        parser.add_argument(
            "--jobs",
            type=int,
            default=0,
            help="worker processes segmenting text for search while rows are written (default: 0, none)",
        )
        parser.add_argument(
            "--search-later",
            action="store_true",
            help="leave segmenting for the site search to a background task (liuyan db_worker): the import "
            "runs several times faster, and messages become findable as the worker catches up",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")

    def handle(self, *args, file: Path, **options):
        try:
            column_map = parse_column_map(options["map"])
            rows = read_rows(file, encoding=options["encoding"], column_map=column_map)
            import_options = resolve_options(
                region=options["region"],
                leader=options["leader"],
                unit=options["unit"],
                message_type=options["type"],
                domain=options["domain"],
                has_region_column=bool(rows) and "地区" in rows[0].values,
                batch_size=options["batch_size"],
                index_jobs=options["jobs"],
                search_later=options["search_later"],
            )
        except ImportFileError as error:
            raise CommandError(f"{file}：{error}") from None
        stream = getattr(self.stderr, "_out", sys.stderr)
        show_bar = not options["no_progress"] and hasattr(stream, "isatty") and stream.isatty()
        report = import_rows(rows, import_options, progress=_Bar(stream, show_bar))
        after_import(report)

        for number, reason in report.bad:
            self.stderr.write(f"第 {number} 行：{reason}")
        for number, count in report.stripped:
            self.stderr.write(f"第 {number} 行：去掉了 {count} 个控制字符或无效字符后导入。")
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self._summary(file, report)

    def _summary(self, file: Path, report: ImportReport) -> None:
        for name, count in report.unknown_domains.most_common():
            self.stderr.write(f"注意：一级分类“{name}”不是已有领域，{count} 条留言归入默认领域。")
        bad = len(report.bad)
        self.stdout.write(
            f"{file.name}：共 {report.rows} 行，新建留言 {report.created} 条"
            f"（其中已答复 {report.replies} 条），已导入而跳过 {report.skipped} 条，错误 {bad} 行。"
        )
        if report.created == 0 and report.skipped:
            self.stdout.write("这些留言都已导入过，没有新建。")
        if report.recount_seconds:
            self.stdout.write(f"随后重算了所涉日期的统计表，用时 {report.recount_seconds:.2f} 秒。")
        if report.search_deferred:
            self.stdout.write(
                self.style.SUCCESS(
                    f"用时 {report.seconds:.2f} 秒，{report.rows_per_second:,.0f} 行/秒"
                    "（检索分词已交给后台任务，留言在任务完成后可被站内搜索找到）。"
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"用时 {report.seconds:.2f} 秒，{report.rows_per_second:,.0f} 行/秒"
                f"（含 jieba 检索分词 {report.indexed} 条：分词占 {report.segment_seconds:.2f} 秒，"
                f"不计分词 {report.rows_per_second_without_segmenting:,.0f} 行/秒）。"
            )
        )
