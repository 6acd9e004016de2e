"""Benchmark reply quality over taidi2020/replied_messages.csv (2,785 replies): the score distribution,
rows/s, the 8 lowest and 8 highest, and a check that obviously perfunctory replies score clearly lower.

    .venv/bin/python bench/reply_quality.py

No database. "Obviously perfunctory" is decided here by a separate, deliberately simple rule (short reply
with 已转/请咨询/已收悉), not by the scorer's own patterns.
"""

import csv
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
# Settings for the importer's timestamp parser (no database is used).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
DATA = Path(os.environ.get("LIUYAN_SHARED_DATA", ROOT.parent / "shared" / "data")) / "taidi2020"
OBVIOUS = re.compile(r"已转|转交|请咨询|收悉|转至")


def obviously_perfunctory(reply: str) -> bool:
    text = re.sub(r"\s+", "", reply)
    text = re.sub(r"\d{4}年\d{1,2}月\d{1,2}日$", "", text)
    return len(text) <= 60 and bool(OBVIOUS.search(text))


def main() -> None:
    import django
    import jieba

    django.setup()

    jieba.setLogLevel(60)
    jieba.initialize()
    from liuyan.core.text import normalise_text
    from liuyan.core.times import parse_timestamp
    from liuyan.intelligence.reply_quality import score_reply

    with open(DATA / "replied_messages.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    started = time.perf_counter()
    scored = [
        (
            score_reply(
                row["留言详情"],
                row["答复意见"],
                message_title=row["留言主题"],
                asked_at=parse_timestamp(row["留言时间"]),
                replied_at=parse_timestamp(row["答复时间"]),
            ),
            row,
        )
        for row in rows
    ]
    elapsed = time.perf_counter() - started
    print(f"{len(rows)} replies in {elapsed:.1f} s: {len(rows) / elapsed:.0f} rows/s")
    print("\ndistribution:")
    for low in range(0, 100, 10):
        count = sum(1 for s, _r in scored if low <= s.score < low + 10 or (low == 90 and s.score == 100))
        print(f"  {low:3d}–{low + 9 if low < 90 else 100:3d} {count:5d} {'#' * (count // 20)}")
    ordered = sorted(scored, key=lambda pair: (pair[0].score, pair[1]["留言编号"]))
    for heading, part in (("lowest", ordered[:8]), ("highest", ordered[-8:])):
        print(f"\n8 {heading}:")
        for result, row in part:
            codes = ",".join(r.code for r in result.reasons)
            print(f"  {result.score:3d} [{codes}] {normalise_text(row['答复意见'])[:60]}")
    obvious = [s.score for s, r in scored if obviously_perfunctory(r["答复意见"])]
    rest = [s.score for s, r in scored if not obviously_perfunctory(r["答复意见"])]
    print(
        f"\nobviously perfunctory (simple rule): {len(obvious)} rows, mean {statistics.mean(obvious):.1f}, "
        f"median {statistics.median(obvious):.0f}"
    )
    print(
        f"the rest: {len(rest)} rows, mean {statistics.mean(rest):.1f}, median {statistics.median(rest):.0f}"
    )


if __name__ == "__main__":
    main()
