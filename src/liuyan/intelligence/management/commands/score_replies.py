"""`liuyan score_replies FILE`: a quality score and reasons for each reply of a file of replies."""

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liuyan.core.text import normalise_text
from liuyan.core.times import parse_timestamp
from liuyan.intelligence.reply_quality import score_reply


class Command(BaseCommand):
    help = (
        "Score each row's reply (0–100, with reasons) against its message. With --json, one JSON object per "
        'row (JSON Lines, in file order): {"id", "score", "band", "reasons": [{"code", "text", "delta"}]}.'
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a UTF-8 CSV file (e.g. replied_messages.csv)")
        parser.add_argument("--text-column", default="答复意见", help="the reply column (default: 答复意见)")
        parser.add_argument(
            "--message-column", default="留言详情", help="the message column (default: 留言详情)"
        )
        parser.add_argument(
            "--title-column", default="留言主题", help="the title column, if any (default: 留言主题)"
        )
        parser.add_argument("--id-column", default="留言编号", help="the row id column (default: 留言编号)")
        parser.add_argument(
            "--asked-column", default="留言时间", help="the message time column (default: 留言时间)"
        )
        parser.add_argument(
            "--replied-column", default="答复时间", help="the reply time column (default: 答复时间)"
        )
        parser.add_argument("--json", action="store_true", help="machine-readable output (JSON Lines)")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        reply_column, message_column = options["text_column"], options["message_column"]
        scores = []
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = {(name or "").strip() for name in reader.fieldnames or []}
            missing = [name for name in (reply_column, message_column) if name not in columns]
            if missing:
                raise CommandError(
                    f"文件缺少列：{'、'.join(missing)}（已有列：{'、'.join(sorted(columns))}）"
                )
            for line_number, raw in enumerate(reader, start=2):
                row = {(key or "").strip(): value or "" for key, value in raw.items()}
                result = score_reply(
                    row[message_column],
                    row[reply_column],
                    message_title=row.get(options["title_column"], ""),
                    asked_at=parse_timestamp(row.get(options["asked_column"])),
                    replied_at=parse_timestamp(row.get(options["replied_column"])),
                )
                row_id = normalise_text(row.get(options["id_column"])) or str(line_number)
                scores.append(result.score)
                if options["json"]:
                    self.stdout.write(json.dumps({"id": row_id, **result.as_dict()}, ensure_ascii=False))
                else:
                    codes = "，".join(f"{r.text_zh}（{r.delta:+d}）" for r in result.reasons)
                    self.stdout.write(f"{row_id}\t{result.score}\t{codes}")
        if not options["json"] and scores:
            self.stdout.write(f"共 {len(scores)} 条，平均 {sum(scores) / len(scores):.1f} 分。")
