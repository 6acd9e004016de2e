"""Scale benchmark (issue 15): 100k, 1M or 10M messages with realistic texts in PostgreSQL, then every
public page, the API lists, search, the desk's queues, the statistics and the daily brief timed in-process,
and the top pages' throughput under gunicorn and wrk beside a bare Django endpoint.

    .venv/bin/python bench/scale.py --messages 1M [--database-url postgres://…/liuyan_bench_scale1m]
        [--reuse] [--keep] [--only-build | --only-time] [--no-wrk]
    .venv/bin/python bench/scale.py --messages 100k 1M 10M --reuse --keep   # one run each, then growth

Building: the database is re-created (unless --reuse finds it holding N messages, in which case only
`migrate` runs, so that indexes added since are applied), migrated and seeded with the directory; the
messages, replies, links and ratings are streamed with COPY while the table's secondary indexes and its
foreign-key triggers are off (indexes are rebuilt afterwards, as a bulk load should); events are derived
in SQL from each message's timestamps. Texts are real titles and sentences of the shared data sets,
recombined (bench/scale_texts.py), with `search_tokens` exactly as `document_tokens` makes them. Three
years of messages end yesterday, over every county-level region in service, addressed to a leader of
the county or its prefecture, in every state; the day before yesterday holds --brief-day-messages.
Then VACUUM ANALYZE and `rebuild_counts` (after the timing with --counts-later). A load stopped early (killed,
or by the free-disk guard) is completed with --finish.

Timing, in-process with Django's test client (server time: view, queries, template): each page cold
(cache cleared; queries and SQL time counted), uncached (median of --repeat requests, cache cleared
before each) and warm (median with the cache kept; queries and SQL time of the last). Throughput: gunicorn
(4 sync workers, production settings, Redis cache) serving the project through bench/scale_settings.py,
which adds /hello; wrk with 32 connections on each top page, /hello before and after them.

Each run writes its figures as JSON into --results-dir; with several sizes each runs in its own process
and a growth table follows. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from itertools import repeat
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))
sys.path.append(str(ROOT / "tests"))  # for second_factor; after bench/, whose reports.py it would shadow

from reports import database_has_messages, drop_database, recreate_database, step  # noqa: E402
from scale_texts import check_consistency, copy_escape, load_corpus  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
CHUNK = 50_000
SEED = 20261203
CITIZENS = 5000
CACHE_URL = "redis://127.0.0.1:6379/13"
DATABASE_BASE = "postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_scale"
# Tables that grow with the messages: a sequential scan of one of them on a page view is flagged.
BIG_TABLES = {"board_message", "board_event", "board_reply", "board_reply_messages", "board_rating"}
BIG_TABLES |= {"reports_dailycount"}
BULK_TABLES = ["board_message", "board_event", "board_reply", "board_reply_messages", "board_rating"]
HEAVY_SESSION = [
    "SET maintenance_work_mem = '1GB'",
    "SET max_parallel_maintenance_workers = 2",
    "SET synchronous_commit = off",
]
NULL = "\\N"
REPLY_COLUMNS = ["id", "body", "unit_id", "author_id", "state", "review_note", "reviewed_by_id"]
REPLY_COLUMNS += ["created_at", "reviewed_at"]


def size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    for suffix, factor in (("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def size_name(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=size, nargs="+", default=[100_000], help="100k, 1M, 10M …")
    parser.add_argument("--database-url", help=f"default {DATABASE_BASE}<size>; only with one size")
    parser.add_argument("--brief-day-messages", type=int, default=10_000)
    parser.add_argument(
        "--body-chars",
        type=int,
        nargs=2,
        default=[60, 260],
        metavar=("MIN", "MAX"),
        help="the length a body aims at, drawn between MIN and MAX characters [60 260]",
    )
    parser.add_argument("--reply-chars", type=int, default=600, help="replies cut to this length [600]")
    parser.add_argument(
        "--events-days",
        type=int,
        default=0,
        help="lifecycle events only for messages of the last N days (0: all) — to save disk at 10M",
    )
    parser.add_argument(
        "--min-free-gb",
        type=float,
        default=12.0,
        help="stop loading messages when the database's disk has less free space than this [12]",
    )
    parser.add_argument("--reuse", action="store_true", help="keep a database already holding N messages")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    phase = parser.add_mutually_exclusive_group()
    phase.add_argument("--only-build", action="store_true")
    phase.add_argument(
        "--finish",
        action="store_true",
        help="complete a build whose load was interrupted: events, indexes, VACUUM ANALYZE, counts",
    )
    parser.add_argument(
        "--counts-later",
        action="store_true",
        help="recount after timing the pages that do not read the count tables (a big build's recount "
        "takes long); the home page, statistics and brief are then not timed",
    )
    phase.add_argument("--only-time", action="store_true", help="time an existing database (implies --reuse)")
    parser.add_argument(
        "--rerun",
        nargs="*",
        default=[],
        metavar="APP.MIGRATION",
        help="with --reuse: migrations to apply again (recorded as unapplied, then migrate), e.g. "
        "board.0006_search_vector when a database was built while that migration was still an empty stub; "
        "only for migrations that can run twice",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed requests per page and mode")
    parser.add_argument("--no-wrk", action="store_true", help="skip the gunicorn + wrk throughput part")
    parser.add_argument("--no-pages", action="store_true", help="skip the in-process timing of the pages")
    parser.add_argument("--wrk-duration", type=int, default=10, help="seconds per page under wrk")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--results-dir", type=Path, default=Path(os.environ.get("LIUYAN_VAR_DIR", "/tmp/var-scale"))
    )
    parser.add_argument(
        "--growth",
        nargs="+",
        type=Path,
        metavar="JSON",
        help="print the growth table of runs saved before (their JSON files, smallest first) and stop",
    )
    args = parser.parse_args(argv)
    if args.database_url and len(args.messages) > 1:
        parser.error("--database-url names one database: give one --messages size with it")
    if args.only_time:
        args.reuse = True
    return args


def database_url(args, n: int) -> str:
    return args.database_url or f"{DATABASE_BASE}{size_name(n)}"


def setup_django(url: str, settings: str = "liuyan.settings") -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LIUYAN_VAR_DIR", tempfile.mkdtemp(prefix="liuyan-bench-scale-"))
    os.environ["DEBUG"] = "false"
    os.environ["CACHE_URL"] = CACHE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    import django

    django.setup()


# ---- Building ----------------------------------------------------------------------------------------


def epoch_text(values: np.ndarray) -> list[str]:
    """Epoch seconds (NaN for none) as COPY timestamps in UTC."""
    missing = np.isnan(values)
    seconds = np.where(missing, 0, values).astype("int64").astype("datetime64[s]")
    text = np.char.add(np.datetime_as_string(seconds, unit="s"), "+00").astype(object)
    text[missing] = NULL
    return text.tolist()


def id_text(values: np.ndarray) -> list[str]:
    """Integer ids (negative for none) as COPY fields."""
    text = values.astype(str).astype(object)
    text[values < 0] = NULL
    return text.tolist()


def bool_text(values: np.ndarray) -> list[str]:
    return np.where(values, "t", "f").tolist()


def copy_value(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    return copy_escape(str(value))


def copy_lines(columns: list) -> str:
    """Rows of COPY text from columns: lists of field texts, or one text repeated for every row."""
    fields = [column if isinstance(column, list) else repeat(column) for column in columns]
    return "".join("\t".join(row) + "\n" for row in zip(*fields))  # noqa: B905 (repeat() is endless)


def copy_into(cursor, table: str, names: list[str], columns: list) -> None:
    if columns and any(isinstance(c, list) and c for c in columns):
        with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            copy.write(copy_lines(columns))


def secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """The indexes of `tables` that no constraint owns (primary and unique keys stay), with their DDL."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%%I', i.indexname)::regclass
          )
        ORDER BY i.tablename, i.indexname
        """,
        [tables],
    )
    return list(cursor.fetchall())


def data_directory(cursor) -> str:
    cursor.execute("SHOW data_directory")
    return cursor.fetchone()[0]


class Directory:
    """The places messages are addressed from: each county-level region in service with its leaders
    (its own and its prefecture's, each with the desk they report to) and its departments, flattened
    into arrays so that a chunk's choices are vectorised."""

    def __init__(self):
        from liuyan.directory.choices import RegionLevel
        from liuyan.directory.models import Domain, Leader, MessageType, Region, Unit

        in_service = Region.objects.exclude(path__startswith="710000/").exclude(path__startswith="810000/")
        in_service = in_service.exclude(path__startswith="820000/")
        counties = list(in_service.filter(level=RegionLevel.COUNTY).values_list("code", "parent_id"))
        leaders: dict[str, list[tuple[int, int]]] = {}
        for leader_id, region_id, desk_id in Leader.objects.filter(active=True).values_list(
            "id", "region_id", "desk_id"
        ):
            leaders.setdefault(region_id, []).append((leader_id, desk_id))
        units: dict[str, list[int]] = {}
        for unit_id, region_id in Unit.objects.filter(kind="department", active=True).values_list(
            "id", "region_id"
        ):
            units.setdefault(region_id, []).append(unit_id)
        codes, leader_rows, unit_rows = [], [], []
        for code, parent in counties:
            place_leaders = leaders.get(code, []) + leaders.get(parent or "", [])
            place_units = units.get(code) or units.get(parent or "", [])
            if place_leaders and place_units:
                codes.append(code)
                leader_rows.append(place_leaders)
                unit_rows.append(place_units)
        self.codes = np.array(codes, dtype=object)
        self.leader_count = np.array([len(r) for r in leader_rows])
        self.leader_start = np.concatenate([[0], np.cumsum(self.leader_count)[:-1]])
        self.leader_ids = np.array([leader for row in leader_rows for leader, _desk in row])
        self.desk_ids = np.array([desk for row in leader_rows for _leader, desk in row])
        self.unit_count = np.array([len(r) for r in unit_rows])
        self.unit_start = np.concatenate([[0], np.cumsum(self.unit_count)[:-1]])
        self.unit_ids = np.array([unit for row in unit_rows for unit in row])
        self.domains = np.array(list(Domain.objects.filter(parent=None).values_list("id", flat=True)))
        self.types = np.array(list(MessageType.objects.values_list("id", flat=True)))
        print(f"  {len(codes)} county-level places, {len(self.domains)} domains, {len(self.types)} types")


def make_citizens(cursor, count: int, joined: datetime) -> np.ndarray:
    """`count` citizen accounts (no usable password) to spread the messages' authorship over."""
    names = ["password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff"]
    names += ["is_active", "date_joined", "nickname"]
    columns = ["!", "f", [f"scale-citizen-{i:05d}" for i in range(count)], "", "", "", "f", "t"]
    columns += [joined.isoformat(), [f"网友{i:05d}" for i in range(count)]]
    copy_into(cursor, "accounts_user", names, columns)
    cursor.execute("SELECT id FROM accounts_user WHERE username LIKE 'scale-citizen-%%' ORDER BY id")
    return np.array([row[0] for row in cursor.fetchall()])


def make_campaign(staff, opens: datetime, closes: datetime):
    from liuyan.board.choices import CampaignState
    from liuyan.board.models import Campaign

    campaign, _ = Campaign.objects.update_or_create(
        slug="scale-2026",
        defaults={
            "title": "城市更新意见征集",
            "description": "老旧小区改造、道路与停车、物业管理：请留下您的意见和建议。",
            "opens_at": opens,
            "closes_at": closes,
            "state": CampaignState.OPEN,
            "created_by": staff,
        },
    )
    return campaign


def fill(args, total: int, brief_day: date) -> dict:
    """COPY `total` messages with their replies, links and ratings; derive their events. Returns the
    figures of the load."""
    from django.db import connection

    from liuyan.accounts.actions import save_user_with_role
    from liuyan.accounts.choices import Role
    from liuyan.board.choices import MessageState, ReplyState
    from liuyan.board.models import Message

    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    cache_dir = args.results_dir
    corpus = load_corpus(cache_dir)
    consistency = check_consistency(corpus, np.random.default_rng(SEED + 1), 300)
    print(
        f"  corpus: {len(corpus.titles):,} titles, {len(corpus.sentences):,} sentences, "
        f"{len(corpus.replies):,} replies ({time.perf_counter() - started:.1f} s); tokens equal to "
        f"document_tokens for {consistency:.1%} of a sample",
        flush=True,
    )
    staff, _ = save_user_with_role(username="bench-admin", password="Bench-2026-pass", role=Role.ADMIN)
    places = Directory()
    end = datetime.combine(brief_day + timedelta(days=1), dtime(), TZ)
    start = end - timedelta(days=3 * 365)
    end_epoch, start_epoch = end.timestamp(), start.timestamp()
    span = end_epoch - start_epoch - 86400 * 2
    day_epoch = datetime.combine(brief_day, dtime(), TZ).timestamp()
    campaign = make_campaign(staff, end - timedelta(days=60), end + timedelta(days=30))
    campaign_from = campaign.opens_at.timestamp()

    fields = list(Message._meta.concrete_fields)
    names = [f.column for f in fields]
    defaults = {f.column: copy_value(f.get_default()) for f in fields}
    states = np.array(
        [
            MessageState.CLOSED,
            MessageState.REPLIED,
            MessageState.IN_PROGRESS,
            MessageState.ASSIGNED,
            MessageState.PUBLISHED,
            MessageState.PENDING_REVIEW,
            MessageState.REJECTED,
        ],
        dtype=object,
    )
    weights = np.array([0.55, 0.25, 0.08, 0.04, 0.03, 0.02, 0.03])
    figures = {"chunks": []}
    with connection.cursor() as django_cursor:
        raw = django_cursor.connection
        with raw.cursor() as cursor:
            for statement in HEAVY_SESSION:
                cursor.execute(statement)
            authors = make_citizens(cursor, CITIZENS, start - timedelta(days=30))
            indexes = secondary_indexes(cursor, BULK_TABLES)
            dropped_indexes_file(cache_dir).write_text("".join(f"{d};\n" for _n, d in indexes))
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            print(f"  {len(indexes)} secondary indexes dropped for the load", flush=True)
            # Foreign keys are not checked row by row during the load: every id comes from the directory
            # or from this load. (Also turns off user triggers; the board has none on PostgreSQL.)
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SELECT coalesce(max(id), 0) FROM board_message")
            first_id = cursor.fetchone()[0] + 1
            cursor.execute("SELECT coalesce(max(id), 0) FROM board_reply")
            reply_id = cursor.fetchone()[0] + 1
            raw.commit()
            made = 0
            load_started = time.perf_counter()
            while made < total:
                free = shutil.disk_usage(data_directory(cursor)).free / 2**30
                if free < args.min_free_gb:
                    print(f"  STOPPED at {made:,} messages: {free:.1f} GB free on the database's disk")
                    figures["stopped_for_disk"] = made
                    break
                n = min(CHUNK, total - made)
                reply_id = load_chunk(
                    cursor,
                    rng,
                    corpus,
                    places,
                    authors,
                    staff.pk,
                    campaign,
                    first_id + made,
                    n,
                    reply_id,
                    {
                        "start": start_epoch,
                        "end": end_epoch,
                        "span": span,
                        "day": day_epoch,
                        "on_day": min(args.brief_day_messages, n) if made == 0 else 0,
                        "campaign_from": campaign_from,
                    },
                    (names, defaults, states, weights),
                    (MessageState, ReplyState),
                    (tuple(args.body_chars), args.reply_chars),
                )
                raw.commit()
                made += n
                if made % 500_000 == 0 or made == total:
                    rate = made / (time.perf_counter() - load_started)
                    print(f"  {made:,} messages ({rate:,.0f}/s)", flush=True)
            figures["copy_seconds"] = time.perf_counter() - load_started
            since = end - timedelta(days=args.events_days) if args.events_days else start - timedelta(days=1)
            figures.update(finish_load(cursor, staff.pk, since, indexes))
    add_instructions(brief_day, staff)
    return figures


def finish_load(cursor, staff_id: int, since: datetime, indexes: list[tuple[str, str]]) -> dict:
    """After the COPY: the events, the id sequences moved past the loaded rows, the indexes rebuilt."""
    figures = {}
    started = time.perf_counter()
    cursor.execute("SET session_replication_role = replica")
    derive_events(cursor, staff_id, since)
    cursor.connection.commit()
    figures["events_seconds"] = time.perf_counter() - started
    print(f"  events derived in SQL: {figures['events_seconds']:.0f} s", flush=True)
    cursor.execute("SET session_replication_role = origin")
    for table in ("board_message", "board_reply", "board_event", "board_rating"):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )
    started = time.perf_counter()
    for name, definition in indexes:
        began = time.perf_counter()
        cursor.execute(definition)
        cursor.connection.commit()
        print(f"    {name}: {time.perf_counter() - began:.0f} s", flush=True)
    figures["index_seconds"] = time.perf_counter() - started
    print(f"  {len(indexes)} indexes rebuilt: {figures['index_seconds']:.0f} s", flush=True)
    return figures


def dropped_indexes_file(cache_dir: Path) -> Path:
    from django.db import connection

    return cache_dir / f"scale-dropped-indexes-{connection.settings_dict['NAME']}.sql"


def finish_interrupted(args, brief_day: date) -> dict:
    """Complete a build whose COPY was interrupted (stopped for disk, or killed to save time): events of
    the loaded messages, the indexes dropped for the load (from the file the load saved), the rest."""
    import re

    from django.db import connection

    from liuyan.accounts.models import User

    definitions = dropped_indexes_file(args.results_dir).read_text().split(";\n")
    indexes = [(re.search(r"INDEX (\S+) ON", d).group(1), d) for d in definitions if d.strip()]
    staff = User.objects.get(username="bench-admin")
    end = datetime.combine(brief_day + timedelta(days=1), dtime(), TZ)
    since = end - timedelta(days=args.events_days or 3 * 365 + 1)
    with connection.cursor() as django_cursor, django_cursor.connection.cursor() as cursor:
        for statement in HEAVY_SESSION:
            cursor.execute(statement)
        # A killed load's statement runs on in its server process until it finishes (and commits):
        # finishing beside it would derive every event twice.
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state <> 'idle'"
        )
        if cursor.fetchone()[0] > 0:
            raise SystemExit("--finish: another session is still busy in this database; wait for it to end")
        cursor.execute("SELECT count(*) FROM board_event")
        if cursor.fetchone()[0] > 0:
            raise SystemExit("--finish: the database has events already; it was not an interrupted load")
        figures = finish_load(cursor, staff.pk, since, indexes)
    add_instructions(brief_day, staff)
    return figures


def load_chunk(
    cursor, rng, corpus, places, authors, staff_id, campaign, first, n, reply_id, clock, shape, kinds, lengths
):
    """One chunk: `n` messages from id `first`, their replies, reply links and ratings, by COPY."""
    names, defaults, states, weights = shape
    MessageState, ReplyState = kinds
    created = clock["start"] + rng.uniform(0, clock["span"], n)
    created[: clock["on_day"]] = clock["day"] + rng.uniform(0, 86399, clock["on_day"])
    place = rng.integers(0, len(places.codes), n)
    pick = places.leader_start[place] + (rng.random(n) * places.leader_count[place]).astype(int)
    leader, desk = places.leader_ids[pick], places.desk_ids[pick]
    unit = places.unit_ids[places.unit_start[place] + (rng.random(n) * places.unit_count[place]).astype(int)]
    state = states[rng.choice(len(states), n, p=weights)]
    took = np.where(rng.random(n) < 0.15, rng.uniform(3, 20, n) * 3600, rng.gamma(2.0, 3.0, n) * 86400)
    reply_due = created + 8 * 3600 + took
    # A reply (or a closing) that would come after the load's end has not come yet: the message is still
    # in progress (or replied, not closed). Capping the times instead would give thousands of messages
    # the same reply time, which no real board has and which an ordered index read must then sort.
    late_reply = np.isin(state, [MessageState.REPLIED, MessageState.CLOSED]) & (reply_due >= clock["end"])
    state[late_reply] = MessageState.IN_PROGRESS
    late_close = (state == MessageState.CLOSED) & (reply_due + 7 * 86400 >= clock["end"])
    state[late_close] = MessageState.REPLIED
    is_ = {s: state == s for s in states}
    published = np.where(
        is_[MessageState.PENDING_REVIEW] | is_[MessageState.REJECTED], np.nan, created + 7200
    )
    replied_or_closed = is_[MessageState.REPLIED] | is_[MessageState.CLOSED]
    handled = is_[MessageState.ASSIGNED] | is_[MessageState.IN_PROGRESS] | replied_or_closed
    assigned = np.where(handled, created + 6 * 3600, np.nan)
    accepted = np.where(handled & ~is_[MessageState.ASSIGNED], assigned + 3 * 3600, np.nan)
    replied = np.where(replied_or_closed, reply_due, np.nan)
    closed = np.where(is_[MessageState.CLOSED], replied + 7 * 86400, np.nan)
    in_campaign = (created >= clock["campaign_from"]) & (rng.random(n) < 0.05)
    body_chars, reply_chars = lengths
    titles, bodies, tokens = corpus.message_texts(rng, n, body_chars)
    ids = np.arange(first, first + n)
    columns = dict(defaults)
    columns.update(
        id=ids.astype(str).tolist(),
        serial=[f"BR{pk:012d}" for pk in ids.tolist()],
        author_id=id_text(authors[rng.integers(0, len(authors), n)]),
        leader_id=id_text(leader),
        region_id=places.codes[place].tolist(),
        message_type_id=id_text(places.types[rng.integers(0, len(places.types), n)]),
        domain_id=id_text(places.domains[rng.integers(0, len(places.domains), n)]),
        title=titles,
        body=bodies,
        state=[str(s) for s in state],
        hidden=bool_text(rng.random(n) < 0.005),
        public=bool_text(rng.random(n) >= 0.03),
        anonymous=bool_text(rng.random(n) < 0.1),
        campaign_id=id_text(np.where(in_campaign, campaign.pk, -1)),
        desk_id=id_text(desk),
        unit_id=id_text(np.where(handled, unit, -1)),
        support_count=id_text(rng.geometric(0.15, n) - 1),
        oppose_count=id_text(rng.geometric(0.6, n) - 1),
        supervised=bool_text(is_[MessageState.IN_PROGRESS] & (rng.random(n) < 0.2)),
        created_at=epoch_text(created),
        published_at=epoch_text(published),
        assigned_at=epoch_text(assigned),
        accepted_at=epoch_text(accepted),
        accept_deadline=epoch_text(assigned + 86400),
        reply_deadline=epoch_text(assigned + 21 * 86400),
        replied_at=epoch_text(replied),
        closed_at=epoch_text(closed),
        search_tokens=tokens,
    )
    copy_into(cursor, "board_message", names, [columns[name] for name in names])

    answered = np.flatnonzero(replied_or_closed)
    count = len(answered)
    reply_ids = np.arange(reply_id, reply_id + count)
    reply_at = replied[answered]
    copy_into(
        cursor,
        "board_reply",
        REPLY_COLUMNS,
        [
            id_text(reply_ids),
            corpus.reply_texts(rng, count, reply_chars),
            id_text(unit[answered]),
            str(staff_id),
            str(ReplyState.PUBLISHED),
            "",
            str(staff_id),
            epoch_text(reply_at - 3600),
            epoch_text(reply_at),
        ],
    )
    copy_into(
        cursor,
        "board_reply_messages",
        ["reply_id", "message_id"],
        [id_text(reply_ids), id_text(ids[answered])],
    )
    rated = (rng.random(count) < 0.4) & (reply_at + 86400 < clock["end"])
    scores = rng.choice([5, 5, 4, 4, 3, 2, 1], count)[rated]
    copy_into(
        cursor,
        "board_rating",
        ["message_id", "reply_id", "resolution", "attitude", "speed", "comment", "created_at"],
        [
            id_text(ids[answered][rated]),
            id_text(reply_ids[rated]),
            id_text(scores),
            id_text(np.minimum(5, scores + 1)),
            id_text(scores),
            "",
            epoch_text(reply_at[rated] + rng.uniform(3600, 86400, int(rated.sum()))),
        ],
    )
    return reply_id + count


def derive_events(cursor, staff_id: int, since: datetime) -> None:
    """The lifecycle events the timestamps of each message created from `since` imply, in one pass."""
    cursor.execute(
        """
        INSERT INTO board_event (message_id, actor_id, kind, from_state, to_state, unit_id, note, created_at)
        SELECT m.id, e.actor, e.kind, e.from_state, e.to_state, e.unit, '', e.at
        FROM board_message m CROSS JOIN LATERAL (VALUES
            (m.author_id, 'submitted', '', 'pending_review', NULL::bigint, m.created_at),
            (%(staff)s, 'published', 'pending_review', 'published', NULL, m.published_at),
            (%(staff)s, 'rejected', 'pending_review', 'rejected', NULL,
                CASE WHEN m.state = 'rejected' THEN m.created_at + interval '2 hours' END),
            (%(staff)s, 'assigned', 'published', 'assigned', m.unit_id, m.assigned_at),
            (%(staff)s, 'accepted', 'assigned', 'in_progress', m.unit_id, m.accepted_at),
            (%(staff)s, 'reply_approved', 'reply_review', 'replied', m.unit_id, m.replied_at),
            (%(staff)s, 'closed', 'replied', 'closed', m.unit_id, m.closed_at)
        ) AS e(actor, kind, from_state, to_state, unit, at)
        WHERE e.at IS NOT NULL AND m.created_at >= %(since)s
        """,
        {"staff": staff_id, "since": since},
    )


def add_instructions(brief_day: date, staff) -> None:
    """Leaders' instructions on the brief day, through the ORM (a few hundred rows), as bench/reports.py."""
    from liuyan.board.choices import MessageState
    from liuyan.board.models import Instruction, Message

    day_messages = Message.objects.filter(created_at__date=brief_day, state=MessageState.IN_PROGRESS)[:200]
    Instruction.objects.bulk_create(
        Instruction(
            message=m,
            leader_id=m.leader_id,
            author=staff,
            text="请相关部门高度重视，尽快解决群众反映的问题。",
            created_at=m.created_at + timedelta(hours=3),
        )
        for m in day_messages
    )


def recount() -> float:
    from django.db import connection

    from liuyan.reports.counts import rebuild_counts

    started = time.perf_counter()
    # A bulk load again: the count table's secondary indexes (the rankings' covering ones) are built once
    # after its tens of millions of rows, not kept up row by row; its unique key stays (the rebuild's
    # writes rely on it).
    with connection.cursor() as cursor:
        indexes = secondary_indexes(cursor, ["reports_dailycount"])
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    rebuild_counts()
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("VACUUM (ANALYZE) reports_dailycount")
    step(
        f"rebuild_counts (all days; {len(indexes)} indexes built after), VACUUM ANALYZE of the counts",
        started,
    )
    return time.perf_counter() - started


# Pages that read the count tables: not timed while they are still empty (--counts-later).
COUNTED = ("home", "stats", "API stats", "daily brief")


def build(args, n: int, url: str, brief_day: date) -> dict:
    from django.core.management import call_command
    from django.db import connection

    figures = {}
    began = started = time.perf_counter()
    if args.finish:
        print("Finishing an interrupted load", flush=True)
        figures.update(finish_interrupted(args, brief_day))
    else:
        print("Setting up", flush=True)
        call_command("migrate", verbosity=0)
        started = step("migrate", started)
        call_command("seed_directory", verbosity=0)
        started = step("seed_directory", started)
        print(f"Loading {n:,} messages", flush=True)
        figures.update(fill(args, n, brief_day))
    started = step("load, events and indexes", started)
    # Vacuumed and analysed before the recount, which then plans with statistics, and which at 10M takes
    # long enough for the pages that do not read the count tables to be timed meanwhile.
    with connection.cursor() as cursor:
        for table in BULK_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("ANALYZE")
    figures["vacuum_seconds"] = time.perf_counter() - started
    started = step("VACUUM ANALYZE", started)
    if not args.counts_later:
        figures["counts_seconds"] = recount()
    figures["build_seconds"] = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        figures["database_bytes"] = cursor.fetchone()[0]
    print(
        f"Built {n:,} messages in {figures['build_seconds'] / 60:.1f} min; database "
        f"{figures['database_bytes'] / 2**30:.1f} GiB",
        flush=True,
    )
    return figures


# ---- Timing in-process -------------------------------------------------------------------------------


class QueryLog:
    """The statements a request runs and the time they take, from Django's execute wrapper."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.reads: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1
            if not many and sql.lstrip().upper().startswith("SELECT"):
                self.reads.append((sql, params))


def _plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def explain_reads(reads: list[tuple[str, object]]) -> dict:
    """The request's SELECTs run again under EXPLAIN (ANALYZE, BUFFERS): the 8 kB pages they touched, a
    figure the machine's load does not change, and any sequential scan of a board table."""
    from django.db import connection

    blocks, executed, planned, scans, worst = 0, 0.0, 0.0, set(), (0.0, "")
    with connection.cursor() as cursor:
        for sql, params in reads:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            (plan,) = cursor.fetchone()
            plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
            executed += plan["Execution Time"]
            worst = max(worst, (plan["Execution Time"], sql[:300]))
            planned += plan.get("Planning Time", 0.0)
            blocks += plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0)
            for node in _plan_nodes(plan["Plan"]):
                relation = node.get("Relation Name", "")
                if node["Node Type"] == "Seq Scan" and relation in BIG_TABLES:
                    scans.add(relation)
    return {
        "blocks": blocks,
        "executed_ms": executed,
        "planned_ms": planned,
        "seq_scans": sorted(scans),
        "slowest_ms": worst[0],
        "slowest_sql": worst[1],
    }


def timed_get(client, url: str) -> tuple[float, QueryLog, object]:
    from django.db import connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    return elapsed, log, response


def measure(label: str, url: str, client, repeat: int) -> dict:
    from django.core.cache import cache

    cache.clear()
    cold, cold_log, response = timed_get(client, url)
    if response.status_code != 200:
        print(f"  {label}: {url} answered {response.status_code}", flush=True)
    uncached = []
    for _ in range(repeat):
        cache.clear()
        uncached.append(timed_get(client, url)[0])
    warm = []
    for _ in range(repeat):
        elapsed, warm_log, _response = timed_get(client, url)
        warm.append(elapsed)
    result = {
        "label": label,
        "url": url,
        "cold_ms": cold * 1000,
        "cold_queries": cold_log.count,
        "cold_sql_ms": cold_log.seconds * 1000,
        "uncached_ms": statistics.median(uncached) * 1000,
        "warm_ms": statistics.median(warm) * 1000,
        "warm_queries": warm_log.count,
        "warm_sql_ms": warm_log.seconds * 1000,
        "status": response.status_code,
        **explain_reads(cold_log.reads),
    }
    print(
        f"  {label:<34} cold {result['cold_ms']:8.1f} ms {result['cold_queries']:3d} q "
        f"{result['cold_sql_ms']:8.1f} ms SQL | uncached {result['uncached_ms']:8.1f} | warm "
        f"{result['warm_ms']:7.1f} ms {result['warm_queries']:3d} q {result['warm_sql_ms']:6.1f} ms SQL | "
        f"{result['blocks']:7d} blocks, plan{result['planned_ms']:6.1f} + run{result['executed_ms']:7.1f} ms"
        f"{' SEQ SCAN ' + ','.join(result['seq_scans']) if result['seq_scans'] else ''}  {url}",
        flush=True,
    )
    return result


def staff_clients():
    """Signed-in clients (with the second factor passed, as tests/second_factor.py does) for a desk
    dispatcher, a unit handler and a leader of 临沧市 (530900), and an administrator."""
    from django.db import transaction
    from second_factor import SecondFactorClient

    from liuyan.accounts.actions import save_user_with_role
    from liuyan.accounts.choices import Role
    from liuyan.directory.models import Region, Unit

    people = {
        "desk": dict(role=Role.DISPATCHER, unit=Unit.objects.get(code="530900-desk")),
        "unit": dict(role=Role.HANDLER, unit=Unit.objects.get(code="530900-education")),
        "leader": dict(role=Role.LEADER, region=Region.objects.get(pk="530900")),
        "admin": dict(role=Role.ADMIN),
    }
    clients = {}
    for name, grant in people.items():
        with transaction.atomic():
            user, _ = save_user_with_role(username=f"scale-{name}", password="Bench-2026-pass", **grant)
        client = SecondFactorClient(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[name] = client
    return clients


def sample_ids() -> dict:
    """A recent answered public message, a busy leader, a region and a rare search word to request."""
    from django.db.models import Max

    from liuyan.board.choices import MessageState
    from liuyan.board.models import Message
    from liuyan.directory.models import Leader

    message_id = Message.objects.aggregate(Max("id"))["id__max"]
    recent = (
        Message.objects.filter(pk__gt=message_id - 5000, state=MessageState.CLOSED, hidden=False, public=True)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    leader = Leader.objects.filter(region_id="530900", active=True).order_by("id").first()
    return {"message": recent or message_id, "leader": leader.pk}


def pages(ids: dict, brief_day: date) -> list[tuple[str, str, str]]:
    """(client, label, url) for every page timed; the client is 'anon' or a staff client's name."""
    today = datetime.now(TZ).date()
    year = f"from={today - timedelta(days=365)}&to={today - timedelta(days=1)}"
    common, rare, two = quote("物业"), quote("婚纱"), quote("小区 停车")
    return [
        ("anon", "home /", "/"),
        ("anon", "messages", "/messages/"),
        ("anon", "messages page 50", "/messages/?page=50"),
        ("anon", "messages tab waiting", "/messages/?tab=waiting"),
        ("anon", "messages tab handling", "/messages/?tab=handling"),
        ("anon", "messages tab handled", "/messages/?tab=handled"),
        ("anon", "messages region 530900", "/messages/?region=530900"),
        ("anon", "message detail", f"/messages/{ids['message']}/"),
        ("anon", "leader", f"/leaders/{ids['leader']}/"),
        ("anon", "region 530900", "/regions/530900/"),
        ("anon", "region index", "/regions/"),
        ("anon", "campaigns", "/campaigns/"),
        ("anon", "campaign", "/campaigns/scale-2026/"),
        ("anon", "search common 物业", f"/search/?q={common}"),
        ("anon", "search rare 婚纱", f"/search/?q={rare}"),
        ("anon", "search two words 小区 停车", f"/search/?q={two}"),
        ("anon", "API messages", "/api/v1/messages"),
        ("anon", "API messages page 50", "/api/v1/messages?page=50"),
        ("anon", "API message detail", f"/api/v1/messages/{ids['message']}"),
        ("anon", "API leaders 530900", "/api/v1/leaders?region=530900"),
        ("anon", "API regions", "/api/v1/regions"),
        ("anon", "API stats national", "/api/v1/stats/national"),
        ("anon", "API stats national, a year", f"/api/v1/stats/national?{year}&group=day"),
        ("anon", "stats", "/stats/"),
        ("anon", "stats province 530000, a year", f"/stats/regions/530000/?{year}&group=week"),
        ("anon", "stats rankings, a year", f"/stats/rankings/?{year}"),
        ("anon", "stats units in 530900", f"/stats/rankings/?{year}&tab=units&region=530900"),
        ("desk", "desk workbench", "/workbench/"),
        ("desk", "desk queue incoming", "/workbench/queues/desk_incoming/"),
        ("desk", "desk queue due soon", "/workbench/queues/desk_due_soon/"),
        ("desk", "desk queue overdue", "/workbench/queues/desk_overdue/"),
        ("unit", "unit workbench", "/workbench/"),
        ("unit", "unit queue to accept", "/workbench/queues/unit_to_accept/"),
        ("unit", "unit queue in progress", "/workbench/queues/unit_in_progress/"),
        ("unit", "unit queue replied", "/workbench/queues/unit_replied/"),
        ("leader", "leader queue supervised", "/workbench/queues/supervised/"),
        ("leader", "leader queue overdue", "/workbench/queues/overdue/"),
        ("admin", "editor queue to moderate", "/workbench/queues/to_moderate/"),
        ("admin", "daily brief (HTML)", f"/briefs/{brief_day}/"),
    ]


def time_pages(args, brief_day: date) -> list[dict]:
    from django.test import Client

    from liuyan.board.search import tokenize

    clients = {"anon": Client(HTTP_HOST="127.0.0.1"), **staff_clients()}
    ids = sample_ids()
    # The process's one-off costs (imports, templates, jieba's dictionary) are no page's: pay them first.
    tokenize("预热")
    for client in clients.values():
        client.get("/regions/")
    print(
        f"Pages (server time in-process; median of {args.repeat}; message {ids['message']}, "
        f"leader {ids['leader']})",
        flush=True,
    )
    timed = pages(ids, brief_day)
    if args.counts_later:
        timed = [(who, label, url) for who, label, url in timed if not label.startswith(COUNTED)]
    return [measure(label, url, clients[who], args.repeat) for who, label, url in timed]


# ---- Throughput: gunicorn + wrk -----------------------------------------------------------------------

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, '
    .. '"errors": %d, "status": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def wrk(port: int, path: str, seconds: int, connections: int, script: Path) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script)]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    line = next((x for x in output.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary for {path}:\n{output}")
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["rate"] = result["requests"] / result["seconds"]
    return result


def warm_up(port: int, path: str, connections: int, script: Path, budget: float = 90) -> None:
    """Load `path` until a 2-second round completes twice as many requests as there are connections:
    each worker's one-off costs (jieba's dictionary on the first search, ~seconds on a busy machine) are
    paid before the measured window, not inside it."""
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        if wrk(port, path, 2, connections, script)["requests"] >= 2 * connections:
            return


def throughput(args, url: str, ids: dict) -> list[dict]:
    import submit
    from submit import Server, ServerSpec

    # Four workers importing Django on a busy 2-core machine can take more than submit.py's minute.
    submit.SERVER_START_TIMEOUT = 300

    var = Path(tempfile.mkdtemp(prefix="liuyan-scale-gunicorn-"))
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="scale_settings",
        PYTHONPATH=os.pathsep.join([str(BENCH), str(ROOT / "src")]),
        LIUYAN_ENV="production",
        LIUYAN_VAR_DIR=str(var),
        DEBUG="0",
        SECRET_KEY="scale-bench-" + os.urandom(16).hex(),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=url,
        CACHE_URL=CACHE_URL,
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    subprocess.run(
        [str(Path(sys.executable).parent / "liuyan"), "collectstatic", "--noinput", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    script = var / "summary.lua"
    script.write_text(WRK_SCRIPT)
    targets = [
        ("/hello (before)", "/hello"),
        ("home /", "/"),
        ("messages", "/messages/"),
        ("message detail", f"/messages/{ids['message']}/"),
        ("API messages", "/api/v1/messages"),
        ("leader", f"/leaders/{ids['leader']}/"),
        ("search 物业", f"/search/?q={quote('物业')}"),
        ("/hello (after)", "/hello"),
    ]
    server = Server(ServerSpec("sync", args.workers, 1), env, "liuyan.wsgi:application")
    results = []
    server.start()
    try:
        print(
            f"Throughput: gunicorn {args.workers} sync workers, wrk {args.connections} connections, "
            f"{args.wrk_duration} s per page (after a 2 s warm-up)",
            flush=True,
        )
        for label, path in targets:
            warm_up(server.port, path, args.connections, script)
            result = wrk(server.port, path, args.wrk_duration, args.connections, script)
            result.update(label=label, url=path)
            results.append(result)
            print(
                f"  {label:<22} {result['rate']:8.1f} req/s  p50 {result['p50']:8.1f} ms  p95 "
                f"{result['p95']:8.1f} ms  p99 {result['p99']:8.1f} ms  errors {result['errors']} "
                f"non-2xx {result['status']}",
                flush=True,
            )
    finally:
        server.cleanup()
    return results


# ---- Runs and reports --------------------------------------------------------------------------------


def add_missing_indexes() -> list[str]:
    """Create the indexes the models declare that the database lacks: a database built while a migration
    was still being written (issue 15's 0005 grew after it was first applied) would otherwise keep
    missing them, `migrate` having recorded that migration as applied."""
    from django.apps import apps
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        present = {row[0] for row in cursor.fetchall()}
    added = []
    for model in apps.get_models():
        for index in model._meta.indexes:
            if index.name not in present and model._meta.managed:
                with connection.schema_editor() as editor:
                    editor.add_index(model, index)
                added.append(index.name)
    if added:
        print(f"  indexes the models declare, missing from the database, created: {', '.join(added)}")
    return added


def rerun(migrations: list[str]) -> None:
    """Record each migration (and those after it in its app) as unapplied, so that `migrate` runs it again."""
    from django.core.management import call_command
    from django.db.migrations.loader import MigrationLoader

    for name in migrations:
        app, _, migration = name.partition(".")
        graph = MigrationLoader(None, ignore_no_migrations=True).graph
        node = next(
            key
            for key in graph.leaf_nodes() + list(graph.nodes)
            if key[0] == app and key[1].startswith(migration)
        )
        parents = [p for p in graph.node_map[node].parents if p[0] == app]
        call_command("migrate", app, parents[0][1] if parents else "zero", fake=True, verbosity=0)
        print(f"  {app}.{node[1]} recorded as unapplied, to run again", flush=True)


def run_one(args, n: int) -> dict:
    url = database_url(args, n)
    brief_day = datetime.now(TZ).date() - timedelta(days=2)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    filled = args.reuse and database_has_messages(url, n)
    if args.only_time and not filled:
        raise SystemExit(f"--only-time: {url} does not hold {n:,} messages")
    if not filled and not args.finish:
        recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    result = {"messages": n, "database": url.rsplit("/", 1)[1], "when": datetime.now(TZ).isoformat()}
    if filled:
        started = time.perf_counter()
        rerun(args.rerun)
        call_command("migrate", verbosity=0)
        result["indexes_added"] = add_missing_indexes()
        result["migrate_seconds"] = time.perf_counter() - started
        print(f"Reusing {url}: migrate {result['migrate_seconds']:.1f} s", flush=True)
    else:
        result["build"] = build(args, n, url, brief_day)
    # The newest messages' search index, as `run_periodic` keeps it (built once, then kept while it fits).
    from liuyan.board.search import refresh_recent_index

    started = time.perf_counter()
    print(f"  {refresh_recent_index()} {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM board_message")
        result["rows"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM board_event")
        result["events"] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        result["database_bytes"] = cursor.fetchone()[0]
    print(
        f"{result['rows']:,} messages, {result['events']:,} events, "
        f"{result['database_bytes'] / 2**30:.1f} GiB",
        flush=True,
    )
    path = args.results_dir / f"scale-{result['database']}-{datetime.now(TZ):%Y%m%d-%H%M%S}.json"
    if not args.only_build:
        result["load_before"] = os.getloadavg()
        if not args.no_pages:
            result["pages"] = time_pages(args, brief_day)
            result["load_after_pages"] = os.getloadavg()
        path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
        if not args.no_wrk:
            from django.db import connections

            connections.close_all()
            result["throughput"] = throughput(args, url, sample_ids())
            result["load_after_wrk"] = os.getloadavg()
        print(
            "Machine load (1, 5, 15 min) before, after the pages, after wrk: "
            + "; ".join(" ".join(f"{x:.1f}" for x in result[k]) for k in result if k.startswith("load_"))
        )
    if args.counts_later and not filled:
        result["build"]["counts_seconds"] = recount()
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"Figures written to {path}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(url)
        print("database dropped")
    return result


def growth(results: list[dict]) -> None:
    """Each page's uncached server time across the sizes, and the ratio of the largest to the smallest."""
    timed = [r for r in results if r.get("pages")]
    if len(timed) < 2:
        return
    header = " → ".join(size_name(r["messages"]) for r in timed)
    labels = [p["label"] for p in timed[0]["pages"]]
    for figure, title in (("uncached_ms", "uncached server time (ms)"), ("blocks", "8 kB pages read")):
        print(f"Growth of the {title}, {header}")
        for label in labels:
            values = [next((p.get(figure) for p in r["pages"] if p["label"] == label), None) for r in timed]
            if None in values:
                continue
            cells = "  ".join(f"{v:8.1f}" for v in values)
            print(f"  {label:<34} {cells}   ×{values[-1] / max(values[0], 0.01):.1f}")
    rates = [{t["label"]: t for t in r.get("throughput", [])} for r in timed]
    if all(rates):
        print(f"Throughput (req/s, p95 ms), {header}")
        for label in rates[0]:
            cells = "  ".join(
                f"{r[label]['rate']:7.1f} {r[label]['p95']:7.1f}" if label in r else " " * 15 for r in rates
            )
            print(f"  {label:<22} {cells}")


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.growth:
        growth([json.loads(path.read_text()) for path in args.growth])
        return
    if len(args.messages) == 1:
        run_one(args, args.messages[0])
        return
    results = []
    for n in args.messages:
        child = [a for a in (argv or sys.argv[1:])]
        index = child.index("--messages")
        end = index + 1
        while end < len(child) and not child[end].startswith("--"):
            end += 1
        child[index:end] = ["--messages", str(n)]
        print(f"==== {n:,} messages ====", flush=True)
        subprocess.run([sys.executable, __file__, *child], check=True)
        latest = sorted(args.results_dir.glob(f"scale-{database_url(args, n).rsplit('/', 1)[1]}-*.json"))
        results.append(json.loads(latest[-1].read_text()))
    growth(results)


if __name__ == "__main__":
    main()
