"""The public message lists at volume: each list page and API list requested once in-process, with the time
of each SQL statement it issues (and, with --explain, the plan of its slowest one).

    .venv/bin/python bench/lists.py --database-url postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_lists
        [--repeat 5] [--explain]

Runs against a database built by `bench/reports.py --keep` (or bench/scale.py). Each page is requested
--repeat times after one warm-up request, cache cleared before each; it prints the median server time, the
median SQL time (the sum of the statements' times as the client sees them), the query count, the
slowest statement's time, and the time PostgreSQL itself spends planning and running the page's SELECTs
(EXPLAIN ANALYZE of each, median of the last three runs). Run it with PYTHONPATH pointing at an older
tree's src to measure "before".
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
sys.path.append(str(ROOT / "src"))  # appended: a PYTHONPATH given for "before" takes precedence


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_lists"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest query")
    parser.add_argument("--only", default="", help="measure only pages whose label contains this")
    parser.add_argument(
        "--without-list-indexes",
        action="store_true",
        help="drop the lists' indexes (message_public_*) in a transaction rolled back at the end: 'before'",
    )
    return parser.parse_args()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LIUYAN_VAR_DIR", tempfile.mkdtemp(prefix="liuyan-bench-lists-"))
    os.environ["DEBUG"] = "false"
    os.environ["LIUYAN_PAGE_CACHE"] = "false"  # measure the queries, not the page cache
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    import django

    django.setup()


def subjects() -> dict:
    """A busy leader, a campaign, a province, a prefecture and a county with messages, and a prolific
    author: read from the data, so the pages measured are real ones."""
    from django.db.models import Count

    from liuyan.board.models import Campaign, Message

    leader = Message.objects.values("leader_id").annotate(n=Count("id")).order_by("-n").first()
    author = Message.objects.values("author_id").annotate(n=Count("id")).order_by("-n").first()
    campaign = Campaign.objects.exclude(state="draft").values_list("slug", flat=True).first()
    return {
        "leader": leader["leader_id"],
        "author": author["author_id"],
        "author_messages": author["n"],
        "campaign": campaign,
    }


def pages(found: dict) -> list[tuple[str, str, bool]]:
    """(label, url, signed in as the prolific author)."""
    listed = [
        ("list", "/messages/", False),
        ("list page 50", "/messages/?page=50", False),
        ("tab waiting", "/messages/?state=waiting", False),
        ("tab handling", "/messages/?state=handling", False),
        ("tab handled", "/messages/?state=handled", False),
        ("sort support", "/messages/?sort=support", False),
        ("region province 530000", "/messages/?region=530000", False),
        ("region prefecture 530900", "/messages/?region=530900", False),
        ("region county 530923", "/messages/?region=530923", False),
        ("type complaint", "/messages/?type=complaint", False),
        ("region+tab handled", "/messages/?region=530900&state=handled", False),
        ("leader page", f"/leaders/{found['leader']}/", False),
        ("leader page tab waiting", f"/leaders/{found['leader']}/?state=waiting", False),
        ("API list", "/api/v1/messages", False),
        ("API list page 50", "/api/v1/messages?page=50", False),
        ("API list region 530900", "/api/v1/messages?region=530900", False),
        ("API list state replied", "/api/v1/messages?state=replied", False),
        ("API list support", "/api/v1/messages?sort=support", False),
        (f"my messages ({found['author_messages']})", "/me/messages/", True),
        ("API mine", "/api/v1/messages/mine", True),
    ]
    if found["campaign"]:
        listed.append(("campaign page", f"/campaigns/{found['campaign']}/", False))
    return listed


def request(client, url: str) -> tuple[float, list[tuple[float, str, tuple]]]:
    """One request: its server time and each statement's (time, SQL, params)."""
    from django.core.cache import cache
    from django.db import connection

    statements: list[tuple[float, str, tuple]] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, sql, params))

    cache.clear()
    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed, statements


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def server_ms(statements) -> float:
    """PostgreSQL's own planning + execution time of the SELECTs, from EXPLAIN ANALYZE: what the page
    costs the database, without the round trips (which a loaded 2-core machine stretches)."""
    import json

    from django.db import connection

    total = 0.0
    with connection.cursor() as cursor:
        for _, sql, params in statements:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            (document,) = cursor.fetchone()
            plan = (json.loads(document) if isinstance(document, str) else document)[0]
            total += plan["Planning Time"] + plan["Execution Time"]
    return total


def measure(label: str, url: str, client, repeat: int, show_plan: bool) -> None:
    request(client, url)  # warm: connection, templates, directory caches
    runs = [request(client, url) for _ in range(repeat)]
    server = statistics.median(elapsed for elapsed, _ in runs) * 1000
    sql = statistics.median(sum(t for t, _, _ in statements) for _, statements in runs) * 1000
    slowest = max(runs[-1][1], key=lambda s: s[0])
    in_database = statistics.median(server_ms(statements) for _, statements in runs[-3:])
    print(
        f"  {label:<30} server {server:7.1f} ms  SQL {sql:7.1f} ms  {len(runs[-1][1]):2d} queries  "
        f"slowest {slowest[0] * 1000:7.1f} ms  in PostgreSQL {in_database:7.2f} ms   {url}",
        flush=True,
    )
    if show_plan:
        print("    " + explain(slowest[1], slowest[2]).replace("\n", "\n    "))


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.db import transaction
    from django.test import Client

    from liuyan.accounts.models import User
    from liuyan.board.models import Message

    found = subjects()
    print(f"{Message.objects.count():,} messages; code from {sys.modules['liuyan'].__file__}")
    anonymous, author = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    author.force_login(User.objects.get(pk=found["author"]))
    with transaction.atomic():
        if args.without_list_indexes:
            drop_list_indexes()
        for label, url, signed_in in pages(found):
            if args.only in label:
                measure(label, url, author if signed_in else anonymous, args.repeat, args.explain)
        transaction.set_rollback(True)


def drop_list_indexes() -> None:
    """Drop the public lists' partial indexes inside the open transaction (the caller rolls it back): the
    pages then run as they did before them. The requests run in this process, on this connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'message\\_public\\_%'")
        names = [name for (name,) in cursor.fetchall()]
        for name in names:
            cursor.execute(f'DROP INDEX "{name}"')
    print(f"  without {len(names)} list indexes (dropped in a transaction rolled back at the end)")


if __name__ == "__main__":
    main()
