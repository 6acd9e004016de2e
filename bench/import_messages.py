"""Benchmark `liuyan import_messages` into PostgreSQL: the three real taidi2020 message files, replicated with
new 留言编号 to --rows rows, imported once (rows, replies, events, search tokens) and again (all skipped).

    .venv/bin/python bench/import_messages.py [--rows 30000] [--jobs 2] [--keep]

Uses its own database (liuyan_bench_import, dropped and created again; dropped at the end unless --keep) on
the PostgreSQL server of $BENCH_PG (default postgres://postgres:postgres@127.0.0.1:5432). The replicated
file is written to a temporary directory, never into the tree.
"""

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("LIUYAN_SHARED_DATA", ROOT.parent / "shared" / "data")) / "taidi2020"
FILES = {"h": "hot_messages.csv", "r": "replied_messages.csv", "u": "unlabeled_messages.csv"}
SERVER = os.environ.get("BENCH_PG", "postgres://postgres:postgres@127.0.0.1:5432")
DATABASE = "liuyan_bench_import"


def replicate(target: int, folder: Path) -> tuple[Path, int]:
    """One CSV with the rows of all three files, copied with new ids until it holds `target` rows."""
    rows, columns = [], []
    for tag, name in FILES.items():
        with (DATA / name).open(encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            columns += [c for c in reader.fieldnames if c not in columns]
            rows += [(tag, row) for row in reader]
    path = folder / "messages.csv"
    written = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, columns)
        writer.writeheader()
        copy = 0
        while written < target:
            for tag, row in rows[: target - written]:
                writer.writerow(row | {"留言编号": f"{tag}{copy}-{row['留言编号']}"})
            written = min(target, written + len(rows))
            copy += 1
    return path, written


def admin(sql: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def run_import(path: Path, jobs: int, search_later: bool) -> dict:
    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    started, cpu = time.monotonic(), time.process_time()
    later = ["--search-later"] if search_later else []
    call_command(
        "import_messages", str(path), "--region", "430100", "--jobs", str(jobs), "--json", "--no-progress",
        *later, stdout=out, stderr=err,
    )  # fmt: skip
    summary = json.loads(out.getvalue())
    summary["wall_seconds"] = time.monotonic() - started
    # CPU of this process only (not PostgreSQL's, not the --jobs workers'): shows how much the machine's
    # load stretched the wall-clock figures.
    summary["cpu_seconds"] = time.process_time() - cpu
    return summary


def show(label: str, s: dict) -> None:
    print(
        f"{label}: {s['rows']:,} rows — created {s['created']:,} (replies {s['replies']:,}), "
        f"skipped {s['skipped']:,}, bad {s['bad']}, segmented for search {s['indexed']:,}"
    )
    print(f"  rate: {s['rows_per_second']:,.0f} rows/s ({s['seconds']:.1f} s, everything included)")
    print(
        f"  of which jieba segmenting (or waiting for its workers): {s['segment_seconds']:.1f} s; "
        f"without it: {s['rows_per_second_without_segmenting']:,.0f} rows/s"
    )
    print(f"  then recounting the statistics of the days touched: {s['recount_seconds']:.1f} s")
    print(
        f"  command wall time {s['wall_seconds']:.1f} s; CPU of this process {s['cpu_seconds']:.1f} s "
        "(not PostgreSQL's, not the workers')"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30000, help="rows to import (default 30000)")
    parser.add_argument(
        "--jobs", type=int, default=2, help="processes segmenting text for search (default 2; 0: none)"
    )
    parser.add_argument(
        "--search-later",
        action="store_true",
        help="import with --search-later, then time the background segmenting on its own",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    admin(f"CREATE DATABASE {DATABASE}")
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    os.environ.setdefault("LIUYAN_VAR_DIR", tempfile.mkdtemp(prefix="liuyan-bench-import-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    try:
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        call_command("seed_directory", stdout=StringIO())
        print(f"database {DATABASE}: migrated and seeded in {time.monotonic() - started:.0f} s")
        with tempfile.TemporaryDirectory() as folder:
            path, rows = replicate(args.rows, Path(folder))
            print(f"{rows:,} rows from {', '.join(FILES.values())} (replicated with new ids)")
            print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            show("first import", run_import(path, args.jobs, args.search_later))
            if args.search_later:
                from liuyan.board.imports import segment_imported

                started = time.monotonic()
                segmented = segment_imported()
                elapsed = time.monotonic() - started
                print(
                    f"  then the background task's segmenting: {segmented:,} messages in {elapsed:.1f} s "
                    f"({segmented / elapsed:,.0f} messages/s)"
                )
            show("second import (idempotent)", run_import(path, args.jobs, args.search_later))
            print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        connections.close_all()
        if not args.keep:
            admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    main()
