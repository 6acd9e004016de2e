"""Server time of the public pages people visit most — home, region, leader, a message, the statistics —
against a filled database (one made by `bench/reports.py --keep`), in-process through Django's test client.

    .venv/bin/python bench/public_pages.py --database-url postgres://…/liuyan_bench_figures [--repeat 5]
        [--slowest 3] [--only home,leader] [--read-only]

The page cache is off: this times the views behind it. Each page is requested three ways: "cold" with the
whole cache cleared (nothing computed ahead, the hot topics neither), "uncached" with the cache cleared but
the home page's hot topics kept, as `run_periodic` keeps them in production (what a visitor meets when the
page and its figures are not cached), and "warm" (everything cached). For each: the median time over
--repeat requests, the number of queries and the time spent in SQL, and the slowest statements of the
uncached request (to EXPLAIN). --read-only times another bench's database without writing to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_reports"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page and way")
    parser.add_argument("--slowest", type=int, default=3, help="statements shown per page")
    parser.add_argument("--only", default="", help="comma-separated page labels (prefixes) to time")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="write nothing to the database (another helper's): no hot topics computed (the home page shows "
        "them as being counted) and no task asked for them; the 'cold' way is left out",
    )
    return parser.parse_args()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LIUYAN_VAR_DIR", tempfile.mkdtemp(prefix="liuyan-bench-pages-"))
    os.environ["DEBUG"] = "false"
    # What a visitor meets when the page cache (web/page_cache.py) misses: the view itself.
    os.environ["LIUYAN_PAGE_CACHE"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    import django

    django.setup()


class Recorder:
    """Every statement run while active, with its time."""

    def __init__(self):
        self.statements: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((time.perf_counter() - started, sql))

    @property
    def sql_ms(self) -> float:
        return sum(seconds for seconds, _sql in self.statements) * 1000


def hot_topic_entries() -> dict:
    """The cache entries of the home page's hot topics, computed once (as `run_periodic` does)."""
    from datetime import datetime, timedelta
    from datetime import time as day_time

    from django.core.cache import cache
    from django.utils import timezone

    from liuyan.intelligence import hot_topics

    try:
        hot_topics.recent_hot_topics(refresh=True)
    except TypeError:  # an older signature
        hot_topics.recent_hot_topics()
    zone = timezone.get_current_timezone()
    end = datetime.combine(timezone.localdate() + timedelta(days=1), day_time.min, tzinfo=zone)
    start = end - timedelta(days=30)
    keys = [f"hot_topics:v2:{start.isoformat()}:{end.isoformat()}:::5", "hot_topics:v2:latest:30:5"]
    return {key: value for key, value in cache.get_many(keys).items()}


def request(client, url: str) -> tuple[float, Recorder, float]:
    """The request's wall time, its statements, and this process's CPU time for it (in ms): on a machine
    shared with other benchmarks the CPU time says what the page costs when the wall time says little."""
    from django.db import connection

    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed * 1000, recorder, cpu * 1000


def measure(label: str, url: str, repeat: int, topics: dict, slowest: int, ways: tuple[str, ...]) -> dict:
    from django.core.cache import cache
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    result = {"label": label, "url": url}
    for way in ways:
        runs = []
        for _ in range(repeat):
            if way != "warm":
                cache.clear()
                if way == "uncached":
                    cache.set_many(topics, 3600)
            runs.append(request(client, url))
            if way == "warm" and len(runs) == 1:
                runs.clear()
                runs.append(request(client, url))
        times = [run[0] for run in runs]
        median_run = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
        result[way] = {
            "median_ms": statistics.median(times),
            "cpu_ms": statistics.median(run[2] for run in runs),
            "queries": len(median_run[1].statements),
            "sql_ms": median_run[1].sql_ms,
            "statements": sorted(median_run[1].statements, reverse=True)[:slowest],
        }
    print(f"{label:<34} {url}")
    for way in ways:
        figures = result[way]
        print(
            f"    {way:<9} median {figures['median_ms']:8.1f} ms  {figures['queries']:3d} queries  "
            f"SQL {figures['sql_ms']:7.1f} ms  Python CPU {figures['cpu_ms']:6.1f} ms"
        )
    for seconds, sql in result["uncached"]["statements"]:
        print(f"      {seconds * 1000:7.1f} ms  {sql[:220]}")
    sys.stdout.flush()
    return result


def pages() -> list[tuple[str, str]]:
    """The pages timed, with members of the database that have messages."""
    from datetime import timedelta

    from django.utils import timezone

    from liuyan.board.models import Message
    from liuyan.directory.models import Leader

    leader = Leader.objects.get(code="530900-head").pk
    replied = (
        Message.objects.filter(state="closed", public=True, hidden=False)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    today = timezone.localdate()
    year = f"from={today - timedelta(days=365)}&to={today - timedelta(days=1)}"
    return [
        ("home", "/"),
        ("region: province 云南省", "/regions/530000/"),
        ("region: prefecture 临沧市", "/regions/530900/"),
        ("region: county 永德县", "/regions/530923/"),
        ("leader 临沧市市长", f"/leaders/{leader}/"),
        ("message (closed, public)", f"/messages/{replied}/"),
        ("stats: national, 30 days", "/stats/"),
        ("stats: province 云南省", "/stats/regions/530000/"),
        ("stats: leader 临沧市市长, a year", f"/stats/leaders/530900-head/?{year}&group=month"),
        ("stats: rankings provinces, a year", f"/stats/rankings/?{year}"),
        ("stats: units in 临沧市, a year", f"/stats/rankings/?{year}&tab=units&region=530900"),
        ("stats: units in 临沧市, 30 days", "/stats/rankings/?tab=units&region=530900"),
    ]


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from liuyan.board.models import Message

    print(f"{Message.objects.count():,} messages in {args.database_url.rsplit('/', 1)[1]}", flush=True)
    if args.read_only:
        # The flag a home page sets when it has asked a worker for the topics: it asks no more.
        topics, ways = {"hot_topics:v2:warm-requested": 1}, ("uncached", "warm")
    else:
        topics, ways = hot_topic_entries(), ("cold", "uncached", "warm")
    wanted = [label.strip() for label in args.only.split(",") if label.strip()]
    for label, url in pages():
        if not wanted or any(label.startswith(prefix) for prefix in wanted):
            measure(label, url, args.repeat, topics, args.slowest, ways)


if __name__ == "__main__":
    main()
