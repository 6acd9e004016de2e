"""Benchmark of similar-message search (intelligence/similarity.py) on the ~9,800 real messages.

    .venv/bin/python bench/similar.py [--queries 500] [--keep]

Uses a scratch SQLite database in a fresh temporary LIUYAN_VAR_DIR (or, with DATABASE_URL set, that
database: give it one of its own, it is migrated and filled). It migrates, seeds the directory, writes the
title and detail of hot_messages.csv, replied_messages.csv and unlabeled_messages.csv (../shared/data/
taidi2020, or LIUYAN_SHARED_DATA) as published messages, then prints:

- indexing speed (`index_all`, signatures and band keys written in batches), and signing alone;
- query latency p50/p99 over N queries (`similar_messages`, the public variant, texts of the data set);
- quality: the data set holds real duplicates, the same complaint posted twice (same 留言编号 in two files,
  or the same title with the text reworded). For each message of such a group, is another of the group
  among its top 5? Printed separately for identical texts and for reworded ones; and how often an
  unrelated message (no shared title) scores as a near-duplicate;
- the public look-up (`similar_public`, the title index first): recall@5 of a message with the same title,
  and its latency;
- a few queries and their hits, to eyeball.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ["hot_messages.csv", "replied_messages.csv", "unlabeled_messages.csv"]


def load_rows(data: Path) -> list[dict]:
    rows = []
    for name in FILES:
        with open(data / name, encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                title = " ".join(row["留言主题"].split())[:60]
                body = row["留言详情"].strip()[:5000]
                if len(title) >= 4 and len(body) >= 10:
                    rows.append(
                        {"file": name, "number": row["留言编号"].strip(), "title": title, "body": body}
                    )
    return rows


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()

    scratch = None
    if "DATABASE_URL" not in os.environ:
        scratch = tempfile.mkdtemp(prefix="liuyan-bench-similar-")
        os.environ["LIUYAN_VAR_DIR"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from liuyan.accounts.actions import save_user_with_role
    from liuyan.accounts.choices import Role
    from liuyan.board.choices import MessageState
    from liuyan.board.models import Message
    from liuyan.directory.models import Domain, Leader, MessageType
    from liuyan.intelligence import similarity
    from liuyan.intelligence.models import SimilarityBand

    data = Path(os.environ.get("LIUYAN_SHARED_DATA", ROOT.parent / "shared" / "data")) / "taidi2020"
    rows = load_rows(data)
    print(f"database: {connection.vendor} ({scratch or 'DATABASE_URL'}); {len(rows)} messages from {data}")
    with open(os.devnull, "w") as devnull:
        call_command("migrate", verbosity=0, stdout=devnull)
        call_command("seed_directory", verbosity=0, stdout=devnull)
    if Message.objects.exists():
        sys.exit("the database already holds messages: give the bench a database of its own")
    author, _ = save_user_with_role(
        username="bench-similar", password="Qz7-liuyan-bench-2026", role=Role.CITIZEN
    )
    leader = Leader.objects.select_related("region", "desk").filter(active=True).first()
    kind, domain = MessageType.objects.first(), Domain.objects.filter(parent=None).first()
    now = timezone.now()
    messages = [
        Message(
            serial=f"B{n:08d}",
            author=author,
            leader=leader,
            region=leader.region,
            message_type=kind,
            domain=domain,
            desk=leader.desk,
            title=row["title"],
            body=row["body"],
            state=MessageState.PUBLISHED,
            published_at=now,
        )
        for n, row in enumerate(rows)
    ]
    Message.objects.bulk_create(messages, batch_size=500)
    ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
    for row, pk in zip(rows, ids, strict=True):
        row["id"] = pk

    texts = [similarity.message_text(row["title"], row["body"]) for row in rows]
    started = time.perf_counter()
    for text in texts:
        similarity.band_keys(similarity.signature_of(text))
    signing = time.perf_counter() - started
    started = time.perf_counter()
    indexed = similarity.index_all(batch_size=500)
    indexing = time.perf_counter() - started
    print(
        f"signing alone: {len(texts) / signing:,.0f} msg/s ({signing / len(texts) * 1000:.2f} ms each); "
        f"index_all: {indexed} indexed in {indexing:.1f} s = {indexed / indexing:,.0f} msg/s "
        f"({SimilarityBand.objects.count():,} band rows)"
    )
    started = time.perf_counter()
    similarity.index_message(Message.objects.get(pk=ids[0]))
    print(f"index_message (one, replacing): {(time.perf_counter() - started) * 1000:.1f} ms")

    sample = random.Random(7).sample(rows, min(args.queries, len(rows)))
    similarity.similar_messages(texts[0])  # warm up
    latencies, hit_counts = [], []
    for row in sample:
        started = time.perf_counter()
        hits = similarity.similar_messages(
            similarity.message_text(row["title"], row["body"]), exclude_id=row["id"]
        )
        latencies.append((time.perf_counter() - started) * 1000)
        hit_counts.append(len(hits))
    print(
        f"query latency over {len(sample)} queries: p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms; "
        f"mean hits {statistics.mean(hit_counts):.2f}, "
        f"queries with a hit {sum(1 for c in hit_counts if c) / len(sample):.0%}"
    )

    # Known duplicates: the same number in two files, or the same title.
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[("number", row["number"])].append(row)
        groups[("title", row["title"])].append(row)
    by_id = {row["id"]: row for row in rows}
    same_title = {row["title"]: [r["id"] for r in groups[("title", row["title"])]] for row in rows}
    identical_found = identical_total = reworded_found = reworded_total = 0
    scores_reworded = []
    seen = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        for row in members:
            if row["id"] in seen:
                continue
            seen.add(row["id"])
            others = {
                r["id"] for r in groups[("number", row["number"])] + groups[("title", row["title"])]
            } - {row["id"]}
            identical = any(by_id[pk]["body"] == row["body"] for pk in others)
            hits = similarity.similar_messages(
                similarity.message_text(row["title"], row["body"]), exclude_id=row["id"], limit=5
            )
            found = any(hit.message.pk in others for hit in hits)
            if identical:
                identical_total += 1
                identical_found += found
            else:
                reworded_total += 1
                reworded_found += found
                scores_reworded.extend(hit.score for hit in hits if hit.message.pk in others)
    print(
        f"recall@5 of a known duplicate: identical text {identical_found}/{identical_total} "
        f"({identical_found / max(1, identical_total):.0%}), "
        f"same title reworded {reworded_found}/{reworded_total} "
        f"({reworded_found / max(1, reworded_total):.0%}); reworded duplicates' scores: median "
        f"{statistics.median(scores_reworded) if scores_reworded else 0:.2f}"
    )
    # The public look-up as the post form asks it: title matches first, then the MinHash overlaps.
    title_found = title_total = 0
    for members in groups.values():
        if len(members) < 2 or members[0]["title"] != members[-1]["title"]:
            continue
        for row in members:
            hits = [
                hit
                for hit in similarity.similar_public(row["title"], row["body"], limit=6)
                if hit.message.pk != row["id"]
            ][:5]
            title_total += 1
            title_found += any(hit.message.pk in same_title[row["title"]] for hit in hits)
    print(
        f"recall@5 of a message with the same title, through similar_public (title index first): "
        f"{title_found}/{title_total} ({title_found / max(1, title_total):.0%})"
    )
    latencies = []
    for row in sample:
        started = time.perf_counter()
        similarity.similar_public(row["title"], row["body"])
        latencies.append((time.perf_counter() - started) * 1000)
    print(
        f"similar_public latency over {len(sample)} queries: p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms"
    )
    false_near = near_total = 0
    for row in sample:
        hits = similarity.similar_messages(
            similarity.message_text(row["title"], row["body"]), exclude_id=row["id"]
        )
        for hit in hits:
            if hit.near_duplicate:
                near_total += 1
                false_near += (
                    hit.message.pk not in same_title[row["title"]] and hit.message.title != row["title"]
                )
    print(f"near-duplicate hits over the sample: {near_total}, of which with another title: {false_near}")

    print("\nexamples (query title → hits: score, title):")
    shown = 0
    for row in sample:
        hits = similarity.similar_messages(
            similarity.message_text(row["title"], row["body"]), exclude_id=row["id"]
        )
        if not hits or shown >= 8:
            continue
        shown += 1
        print(f"  {row['title']}")
        for hit in hits[:3]:
            flag = " [近似重复]" if hit.near_duplicate else ""
            print(f"      {hit.score:.2f}{flag} {hit.message.title}")
    if scratch and not args.keep:
        import shutil

        connection.close()
        shutil.rmtree(scratch, ignore_errors=True)
    elif scratch:
        print(f"kept {scratch}")


if __name__ == "__main__":
    main()
