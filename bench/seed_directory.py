"""Benchmark of `liuyan seed_directory` on PostgreSQL: the 2025 division table's ~42,000 places with their
leaders and units into an empty database, then a second run that must change nothing.

    .venv/bin/python bench/seed_directory.py [--database-url postgres://…/liuyan_seedbench_x] [--keep]

Creates its own database (the name must start with liuyan_seedbench), migrates it, runs the command twice
and prints, for each run, the wall time of the command (its own figure, without the process's start), the
wall time of the process, the CPU time of the process and the machine's load; then the rows written. Drops
the database at the end unless --keep.
"""

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from desk_deployment import LIUYAN, create_database, drop_database

PREFIX = "liuyan_seedbench"
DEFAULT_URL = f"postgres://postgres:postgres@127.0.0.1:5432/{PREFIX}_directory"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def seed(env: dict) -> tuple[str, float, float]:
    """One run of the command: its output, the process's wall time and its CPU time."""
    cpu, started = children_cpu(), time.perf_counter()
    result = subprocess.run(
        [str(LIUYAN), "seed_directory"], env=env, check=True, capture_output=True, text=True
    )
    return result.stdout, time.perf_counter() - started, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    env = dict(os.environ, DATABASE_URL=args.database_url)
    create_database(args.database_url, PREFIX)
    try:
        subprocess.run([str(LIUYAN), "migrate", "--noinput"], env=env, check=True, stdout=subprocess.DEVNULL)
        for label in ("first run (empty database)", "second run"):
            load = os.getloadavg()[0]
            output, wall, cpu = seed(env)
            command = re.search(r"in ([0-9.]+) s\.", output)
            print(
                f"{label}: command {command.group(1) if command else '?'} s, process {wall:.1f} s wall, "
                f"{cpu:.1f} s CPU (load {load:.1f} before)",
                flush=True,
            )
            for line in output.splitlines():
                print(f"    {line}")
    finally:
        if not args.keep:
            drop_database(args.database_url, PREFIX)


if __name__ == "__main__":
    main()
