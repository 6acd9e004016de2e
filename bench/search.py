"""Search benchmark: N messages in PostgreSQL with varied real texts, then common, medium and rare words
searched and timed.

    .venv/bin/python bench/search.py [--messages 1000000]
        [--database-url postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_search] [--reuse] [--keep]

Titles and bodies are drawn and recombined from the messages of the shared data set (data/taidi2020, or
LIUYAN_SHARED_DATA): each message takes a real title and a body made of the first sentences of one real
message followed by a few sentences of another, so words occur with the frequencies of real messages.
`search_tokens` is what board.search.document_tokens gives, computed once per distinct title and sentence
(segmentation stops at punctuation, so a body's tokens are its sentences' tokens in order; a sample of
generated messages is checked against document_tokens). Messages are loaded with COPY, the search index
is built after the load, and the database is analysed.

Then each query is timed in-process (cache cleared before each request): the search page `/search/?q=`
(server time, its SQL time and query count, the total it shows), and the list and API list filtered by
`q`. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import re
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
DATA = Path(os.environ.get("LIUYAN_SHARED_DATA", ROOT.parent / "shared" / "data")) / "taidi2020"
TZ = ZoneInfo("Asia/Shanghai")
CHUNK = 50_000
# A sentence ends at its punctuation; jieba never joins words across punctuation.
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")
_ENDS = "。！？!?；;\n"
QUERIES = {
    "common": ["物业", "学校", "小区", "工资"],
    "medium": ["城管", "拥堵", "公积金", "高铁"],
    "rare": ["烂尾楼", "校车", "供暖", "疫情"],
    "several words": ["小区 物业 停车", "学校 交通 拥堵", "拖欠 工资", "量子计算机"],
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_search"
    )
    parser.add_argument("--reuse", action="store_true", help="keep an already filled database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--only-build", action="store_true", help="build the database, time nothing")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per query")
    parser.add_argument("--workers", type=int, default=2, help="processes segmenting the source texts")
    parser.add_argument(
        "--pages", default="search,list,api", help="which of search, list, api to time (comma-separated)"
    )
    parser.add_argument("--queries", help="comma-separated queries to time instead of the built-in set")
    return parser.parse_args()


# ---- Source texts -------------------------------------------------------------------------------------


def source_messages() -> list[tuple[str, list[str]]]:
    """(title, sentences) of every message of the data set that has both, without duplicates."""
    seen, messages = set(), []
    for name in ("hot_messages.csv", "replied_messages.csv", "unlabeled_messages.csv"):
        with open(DATA / name, encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                title = " ".join((row.get("留言主题") or "").split())
                body = " ".join((row.get("留言详情") or "").split())
                if not title or len(body) < 10 or (title, body) in seen:
                    continue
                seen.add((title, body))
                sentences = [s if s[-1] in _ENDS else s + "。" for s in _SENTENCE.findall(body) if s.strip()]
                if sentences:
                    messages.append((title, sentences))
    return messages


def _segment(texts: list[str]) -> list[str]:
    from liuyan.board.privacy import mask_text
    from liuyan.board.search import tokenize

    return [" ".join(tokenize(mask_text(text))) for text in texts]


def segmented(texts: list[str], workers: int) -> dict[str, str]:
    """Each distinct text's tokens, space-separated, segmented by `workers` processes."""
    distinct = sorted(set(texts))
    chunks = [distinct[i : i + 2000] for i in range(0, len(distinct), 2000)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = pool.map(_segment, chunks)
    return {
        text: tokens
        for chunk, chunk_tokens in zip(chunks, results, strict=True)
        for text, tokens in zip(chunk, chunk_tokens, strict=True)
    }


# ---- Filling -----------------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    from reports import recreate_database as recreate

    recreate(url)


def setup_django(url: str) -> None:
    os.environ.setdefault("LIUYAN_VAR_DIR", "/tmp/var-bench-search")
    from reports import setup_django as setup

    setup(url)


def directory_places():
    """(region code, [(leader id, desk id)]) of each county-level place in service, as bench/reports.py."""
    from liuyan.directory.choices import RegionLevel
    from liuyan.directory.models import Leader, Region

    in_service = Region.objects.exclude(path__startswith="710000/").exclude(path__startswith="810000/")
    in_service = in_service.exclude(path__startswith="820000/")
    leaders_by_region: dict[str, list[tuple[int, int]]] = {}
    for leader_id, region_id, desk_id in Leader.objects.filter(active=True).values_list(
        "id", "region_id", "desk_id"
    ):
        leaders_by_region.setdefault(region_id, []).append((leader_id, desk_id))
    places = []
    for code, parent in in_service.filter(level=RegionLevel.COUNTY).values_list("code", "parent_id"):
        leaders = leaders_by_region.get(code, []) + leaders_by_region.get(parent or "", [])
        if leaders:
            places.append((code, leaders))
    return places


def fill(total: int, workers: int) -> None:
    from django.db import connection

    from liuyan.accounts.actions import save_user_with_role
    from liuyan.accounts.choices import Role
    from liuyan.board.choices import MessageState
    from liuyan.board.models import Message
    from liuyan.directory.models import Domain, MessageType

    started = time.perf_counter()
    sources = source_messages()
    titles = [title for title, _ in sources]
    tokens = segmented(titles + [s for _, sentences in sources for s in sentences], workers)
    print(
        f"  {len(sources):,} source messages, {len(tokens):,} distinct titles and sentences segmented "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    rng = np.random.default_rng(20261203)
    author, _ = save_user_with_role(username="bench-citizen", password="Bench-2026-pass", role=Role.CITIZEN)
    places = directory_places()
    domains = list(Domain.objects.filter(parent=None).values_list("id", flat=True))
    types = list(MessageType.objects.values_list("id", flat=True))
    states = [
        MessageState.CLOSED,
        MessageState.REPLIED,
        MessageState.IN_PROGRESS,
        MessageState.ASSIGNED,
        MessageState.PUBLISHED,
        MessageState.PENDING_REVIEW,
    ]
    weights = [0.55, 0.25, 0.08, 0.04, 0.05, 0.03]
    end = datetime.now(TZ).replace(microsecond=0) - timedelta(days=1)
    span = 3 * 365 * 86400
    fields = list(Message._meta.concrete_fields)
    defaults = {f.attname: f.get_default() for f in fields}
    first_id = (Message.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    samples = []
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS message_search_tokens_gin")
        raw = cursor.connection
        made = 0
        while made < total:
            n = min(CHUNK, total - made)
            offsets = rng.uniform(0, span, n)
            picks = rng.integers(0, len(sources), (n, 3))
            kept = rng.integers(1, 6, n)
            added = rng.integers(0, 3, n)
            place_index = rng.integers(0, len(places), n)
            chosen_states = rng.choice(len(states), n, p=weights)
            rows = []
            for i in range(n):
                pk = first_id + made + i
                title = titles[picks[i, 0]]
                sentences = sources[picks[i, 1]][1][: kept[i]] + sources[picks[i, 2]][1][: added[i]]
                body = "".join(sentences)
                code, leaders = places[place_index[i]]
                leader_id, desk_id = leaders[pk % len(leaders)]
                state = states[chosen_states[i]]
                created = end - timedelta(seconds=float(offsets[i]))
                row = dict(defaults)
                row.update(
                    id=pk,
                    serial=f"BS{pk:012d}",
                    author_id=author.pk,
                    leader_id=leader_id,
                    region_id=code,
                    message_type_id=types[pk % len(types)],
                    domain_id=domains[pk % len(domains)],
                    title=title[:100],
                    body=body,
                    state=str(state),
                    desk_id=desk_id,
                    created_at=created,
                    published_at=None
                    if state == MessageState.PENDING_REVIEW
                    else created + timedelta(hours=2),
                    support_count=int(rng.integers(0, 30)),
                    search_tokens=" ".join(
                        t for t in (tokens[title], tokens[title], *(tokens[s] for s in sentences)) if t
                    ),
                )
                if len(samples) < 300 and pk % 997 == 0:
                    samples.append((row["title"], body, row["search_tokens"]))
                rows.append(tuple(row[f.attname] for f in fields))
            with raw.cursor() as c:
                columns = ", ".join(f.column for f in fields)
                with c.copy(f"COPY board_message ({columns}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            made += n
            print(f"  {made:,} messages ({time.perf_counter() - started:.0f} s)", flush=True)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('board_message', 'id'), "
            "(SELECT max(id) FROM board_message))"
        )
    check_tokens(samples)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS message_search_tokens_gin ON board_message "
            "USING GIN (to_tsvector('simple'::regconfig, search_tokens))"
        )
        print(f"  search index built in {time.perf_counter() - started:.1f} s", flush=True)
        cursor.execute("VACUUM ANALYZE board_message")


def check_tokens(samples) -> None:
    """The recombined tokens must be exactly what the application writes for the same title and body."""
    from liuyan.board.search import document_tokens

    wrong = [title for title, body, tokens in samples if document_tokens(title, body) != tokens]
    print(
        f"  tokens checked against document_tokens on {len(samples)} messages: {len(wrong)} differ",
        flush=True,
    )
    if wrong:
        raise SystemExit(f"recombined tokens differ from document_tokens, e.g. for {wrong[0]!r}")


# ---- Measuring ---------------------------------------------------------------------------------------


def request(client, url: str) -> tuple[float, float, int, object]:
    """One request with the cache cleared: (server ms, SQL ms, queries, response)."""
    from django.core.cache import caches
    from django.db import connection

    sql = []

    def timed(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql.append(time.perf_counter() - started)

    for cache in caches.all():  # the page cache too: every request is served by the view
        cache.clear()
    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed * 1000, sum(sql) * 1000, len(sql), response


def shown_total(response) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        return str(response.json().get("count"))
    match = re.search(r'<p class="meta" role="status">([^<]*?条)', response.content.decode())
    return match.group(1) if match else "-"


def measure(client, url: str, repeat: int) -> dict:
    first = request(client, url)
    runs = [request(client, url) for _ in range(repeat)]
    return {
        "first_ms": first[0],
        "median_ms": statistics.median(r[0] for r in runs),
        "sql_ms": statistics.median(r[1] for r in runs),
        "queries": first[2],
        "total": shown_total(first[3]),
    }


def matches(q: str) -> int:
    """How many public messages match `q`, counted outside the timed requests."""
    from liuyan.board import search
    from liuyan.board.selectors import public_messages

    match = getattr(search, "match_messages", search.search_messages)  # the filter alone, where it exists
    return match(public_messages(), q).order_by().count()


def main() -> None:
    args = parse_args()
    from reports import database_has_messages, drop_database

    filled = args.reuse and database_has_messages(args.database_url, args.messages)
    if not filled:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils.http import urlencode

    from liuyan.board.models import Message

    call_command("migrate", verbosity=0)
    if not filled:
        started = time.perf_counter()
        call_command("seed_directory", verbosity=0)
        print(f"seed_directory: {time.perf_counter() - started:.1f} s", flush=True)
        print(f"Loading {args.messages:,} messages", flush=True)
        fill(args.messages, args.workers)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM board_message")
        total = cursor.fetchone()[0]
    print(f"{total:,} messages ({Message._meta.db_table})", flush=True)
    if args.only_build:
        return

    client = Client(HTTP_HOST="127.0.0.1")
    print(f"{'kind':<14}{'query':<16}{'matches':>9}  {'page':<34}", end="")
    print(f"{'median':>9}{'sql':>9}{'first':>9}{'q':>4}  shown")
    pages = {
        "search": ("/search/", "/search/"),
        "list": ("/messages/ (list filtered by q)", "/messages/"),
        "api": ("/api/v1/messages?q=", "/api/v1/messages"),
    }
    pages = [pages[name] for name in args.pages.split(",")]
    chosen = {"chosen": args.queries.split(",")} if args.queries else QUERIES
    for kind, queries in chosen.items():
        for q in queries:
            count = matches(q)
            for label, path in pages:
                r = measure(client, f"{path}?{urlencode({'q': q})}", args.repeat)
                print(
                    f"{kind:<14}{q:<16}{count:>9,}  {label:<34}{r['median_ms']:8.1f} {r['sql_ms']:8.1f} "
                    f"{r['first_ms']:8.1f}{r['queries']:>4}  {r['total']}",
                    flush=True,
                )
    if not args.queries:
        url = f"/search/?{urlencode({'q': '物业', 'page': 50})}"
        r = measure(client, url, args.repeat)
        print(f"page 50 of 物业: median {r['median_ms']:.1f} ms, sql {r['sql_ms']:.1f} ms, ", end="")
        print(f"{r['queries']} queries")

    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(args.database_url)
        print("database dropped")


if __name__ == "__main__":
    main()
