"""Throughput of `liuyan analyze --file`: region, domain, type, suggested units and similar messages per row.

    .venv/bin/python bench/analyze.py [--data ../shared/data/taidi2020] [--database-url URL]

Sets up a scratch deployment (SQLite in a temporary directory, or --database-url), seeds the directory,
imports hot_messages.csv as the board's history and signs it for similarity, trains the domain classifier
on train_domains.csv, then runs `liuyan analyze --file unlabeled_messages.csv --region-column hint --json`
(about 2,800 rows, a third of them with a region hint) as a user would, and prints rows/s after start-up
(the command's own figure) and the wall time including start-up. Target: at least 200 rows/s after start-up.
"""

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIUYAN = Path(sys.executable).parent / "liuyan"


def run(env: dict, *args: str, stdout=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LIUYAN), *args], env=env, check=True, stdout=stdout, stderr=subprocess.PIPE, text=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "taidi2020")
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="liuyan-bench-analyze-"))
    env = dict(os.environ, LIUYAN_VAR_DIR=str(scratch), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    steps = [
        ("migrate", ["migrate", "--noinput"]),
        ("seed_directory", ["seed_directory"]),
        (
            "import hot_messages.csv",
            ["import_messages", str(args.data / "hot_messages.csv"), "--region", "430100", "--no-progress"],
        ),
        ("index_similarity", ["index_similarity", "--missing"]),
        (
            "train_classifier (domain)",
            [
                "train_classifier",
                "--kind",
                "domain",
                "--file",
                str(args.data / "train_domains.csv"),
                "--json",
            ],
        ),
    ]
    print(f"Scratch deployment in {scratch}")
    for label, command in steps:
        started = time.perf_counter()
        run(env, *command)
        print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)

    # The input: every unlabeled message; every third one with the addressee's region (A市 → 长沙市 here).
    source = scratch / "to-analyse.csv"
    with (args.data / "unlabeled_messages.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "hint"])
        for number, row in enumerate(rows):
            text = f"{(row['留言主题'] or '').strip()}\n{(row['留言详情'] or '').strip()}"
            writer.writerow([text, "430100" if number % 3 == 0 else ""])

    started = time.perf_counter()
    result = run(
        env, "analyze", "--file", str(source), "--region-column", "hint", "--json", stdout=subprocess.PIPE
    )
    wall = time.perf_counter() - started
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    figure = re.search(r"analysed (\d+) rows in ([\d.]+) s \((\d+) rows/s\)", result.stderr)
    assert figure, result.stderr
    with_region = sum(1 for line in lines if line["region"])
    with_domain = sum(1 for line in lines if line["domain"])
    with_similar = sum(1 for line in lines if line["similar"])
    print(
        f"Analysed {len(lines)} rows (input {len(rows)}): {figure.group(3)} rows/s after start-up "
        f"({figure.group(2)} s); {wall:.1f} s wall including start-up. Target: ≥ 200 rows/s."
    )
    print(f"  with a region: {with_region}, a domain: {with_domain}, similar messages: {with_similar}")
    print("  first row:", json.dumps(lines[0], ensure_ascii=False)[:400])


if __name__ == "__main__":
    main()
