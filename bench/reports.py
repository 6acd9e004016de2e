"""Scale benchmark of the reports: 1,000,000 messages in PostgreSQL, then the statistics pages, the
rankings, the stats API and the daily brief, timed.

    .venv/bin/python bench/reports.py [--messages 1000000] [--brief-day-messages 10000]
        [--database-url postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_reports] [--reuse] [--keep]

It (re)creates its own database (unless --reuse finds one already filled), migrates, seeds the directory
and bulk-loads the messages with COPY (never one INSERT per row): three years ending yesterday, spread over
every county-level region in service, each addressed to a leader of its county or prefecture, in every
state, with approved replies, ratings, supervision and leaders' instructions. The day before yesterday gets
--brief-day-messages of them. Then `rebuild_counts` fills the count tables, and each page is requested
in-process through Django's test client (so the time is server time: view, queries and template), cold
(cache cleared) and then warm, with its query count. Last, the daily brief of the big day is built as HTML
and as PDF. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
TZ = ZoneInfo("Asia/Shanghai")
CHUNK = 50_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--brief-day-messages", type=int, default=10_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_reports"
    )
    parser.add_argument("--reuse", action="store_true", help="keep an already filled database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page")
    return parser.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_has_messages(url: str, wanted: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            (count,) = conn.execute("SELECT count(*) FROM board_message").fetchone()
            return count >= wanted
    except psycopg.Error:
        return False


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LIUYAN_VAR_DIR", tempfile.mkdtemp(prefix="liuyan-bench-reports-"))
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    import django

    django.setup()


def step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label}: {now - started:.1f} s", flush=True)
    return now


# ---- Filling -----------------------------------------------------------------------------------------


def fill(total: int, brief_day_messages: int, brief_day: date) -> None:
    from django.db import connection

    from liuyan.accounts.actions import save_user_with_role
    from liuyan.accounts.choices import Role
    from liuyan.board.choices import MessageState, ReplyState
    from liuyan.board.models import Instruction, Message, Rating, Reply
    from liuyan.directory.choices import RegionLevel
    from liuyan.directory.models import Domain, Leader, MessageType, Region, Unit

    rng = np.random.default_rng(20261122)
    author, _ = save_user_with_role(username="bench-citizen", password="Bench-2026-pass", role=Role.CITIZEN)
    staff, _ = save_user_with_role(username="bench-admin", password="Bench-2026-pass", role=Role.ADMIN)

    in_service = Region.objects.exclude(path__startswith="710000/").exclude(path__startswith="810000/")
    in_service = in_service.exclude(path__startswith="820000/")
    counties = list(in_service.filter(level=RegionLevel.COUNTY).values_list("code", "parent_id", "path"))
    leaders_by_region: dict[str, list[tuple[int, int]]] = {}
    for leader_id, region_id, desk_id in Leader.objects.filter(active=True).values_list(
        "id", "region_id", "desk_id"
    ):
        leaders_by_region.setdefault(region_id, []).append((leader_id, desk_id))
    units_by_region: dict[str, list[int]] = {}
    for unit_id, region_id in Unit.objects.filter(kind="department", active=True).values_list(
        "id", "region_id"
    ):
        units_by_region.setdefault(region_id, []).append(unit_id)
    domains = list(Domain.objects.filter(parent=None).values_list("id", flat=True))
    types = list(MessageType.objects.values_list("id", flat=True))
    # Each county with the leaders its messages may be addressed to (its own, or its prefecture's).
    places = []
    for code, parent, _path in counties:
        leaders = leaders_by_region.get(code, []) + leaders_by_region.get(parent or "", [])
        units = units_by_region.get(code) or units_by_region.get(parent or "", [])
        if leaders and units:
            places.append((code, leaders, units))
    print(f"  {len(places)} county-level places, {len(domains)} domains, {len(types)} types", flush=True)

    end = datetime.combine(brief_day + timedelta(days=1), dtime(), TZ)
    start = end - timedelta(days=3 * 365)
    span = (end - start).total_seconds() - 86400 * 2
    message_fields = [f for f in Message._meta.concrete_fields]
    columns = [f.column for f in message_fields]
    first_id = (Message.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    reply_id = (Reply.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    defaults = {f.attname: f.get_default() for f in message_fields}

    states = np.array(
        [
            MessageState.CLOSED,
            MessageState.REPLIED,
            MessageState.IN_PROGRESS,
            MessageState.ASSIGNED,
            MessageState.PUBLISHED,
            MessageState.PENDING_REVIEW,
            MessageState.REJECTED,
        ]
    )
    weights = np.array([0.55, 0.25, 0.08, 0.04, 0.03, 0.02, 0.03])
    made = 0
    with connection.cursor() as cursor:
        raw = cursor.connection
        while made < total:
            n = min(CHUNK, total - made)
            on_brief_day = min(brief_day_messages, n) if made == 0 else 0
            offsets = rng.uniform(0, span, n)
            created = [start + timedelta(seconds=float(s)) for s in offsets]
            day_start = datetime.combine(brief_day, dtime(), TZ)
            for i in range(on_brief_day):
                created[i] = day_start + timedelta(seconds=float(rng.uniform(0, 86399)))
            place_index = rng.integers(0, len(places), n)
            chosen_states = rng.choice(len(states), n, p=weights)
            reply_days = rng.gamma(2.0, 3.0, n)  # mean 6 days, a long tail past the 15-day deadline
            fast = rng.random(n) < 0.15
            message_rows, replies, links, ratings = [], [], [], []
            for i in range(n):
                pk = first_id + made + i
                code, leaders, units = places[place_index[i]]
                leader_id, desk_id = leaders[int(rng.integers(0, len(leaders)))]
                unit_id = units[int(rng.integers(0, len(units)))]
                state = states[chosen_states[i]]
                at = created[i]
                row = dict(defaults)
                row.update(
                    id=pk,
                    serial=f"BR{pk:012d}",
                    author_id=author.pk,
                    leader_id=leader_id,
                    region_id=code,
                    message_type_id=types[pk % len(types)],
                    domain_id=domains[pk % len(domains)],
                    title=f"关于第{pk}号问题的留言",
                    body="小区门口道路破损严重，雨天积水，居民出行不便，希望有关部门尽快维修。",
                    state=str(state),
                    desk_id=desk_id,
                    created_at=at,
                    support_count=int(rng.integers(0, 30)),
                    search_tokens="小区 门口 道路 破损 积水 维修",
                )
                if state not in (MessageState.PENDING_REVIEW, MessageState.REJECTED):
                    row["published_at"] = at + timedelta(hours=2)
                if state in (
                    MessageState.ASSIGNED,
                    MessageState.IN_PROGRESS,
                    MessageState.REPLIED,
                    MessageState.CLOSED,
                ):
                    assigned = at + timedelta(hours=6)
                    row.update(
                        unit_id=unit_id,
                        assigned_at=assigned,
                        accept_deadline=assigned + timedelta(days=1),
                        reply_deadline=assigned + timedelta(days=21),
                    )
                    if state != MessageState.ASSIGNED:
                        row["accepted_at"] = assigned + timedelta(hours=3)
                    if state == MessageState.IN_PROGRESS:
                        row["supervised"] = bool(rng.random() < 0.2)
                if state in (MessageState.REPLIED, MessageState.CLOSED):
                    took = (
                        timedelta(hours=float(rng.uniform(3, 20)))
                        if fast[i]
                        else timedelta(days=float(reply_days[i]))
                    )
                    replied = min(at + timedelta(hours=8) + took, end - timedelta(minutes=1))
                    row["replied_at"] = replied
                    if state == MessageState.CLOSED:
                        row["closed_at"] = min(replied + timedelta(days=7), end - timedelta(seconds=1))
                    rid = reply_id
                    reply_id += 1
                    replies.append(
                        (
                            rid,
                            "经核实，已安排施工队于本周内完成维修，联系电话 0883-1234567。",
                            unit_id,
                            staff.pk,
                            ReplyState.PUBLISHED,
                            "",
                            staff.pk,
                            replied - timedelta(hours=1),
                            replied,
                        )
                    )
                    links.append((rid, pk))
                    if rng.random() < 0.4:
                        score = int(rng.choice([5, 5, 4, 4, 3, 2, 1]))
                        ratings.append(
                            (
                                pk,
                                rid,
                                score,
                                min(5, score + 1),
                                score,
                                "",
                                min(replied + timedelta(days=1), end - timedelta(seconds=1)),
                            )
                        )
                message_rows.append(tuple(row[f.attname] for f in message_fields))
            with raw.cursor() as c:
                with c.copy(f"COPY board_message ({', '.join(columns)}) FROM STDIN") as copy:
                    for r in message_rows:
                        copy.write_row(r)
                with c.copy(
                    "COPY board_reply (id, body, unit_id, author_id, state, review_note, reviewed_by_id, "
                    "created_at, reviewed_at) FROM STDIN"
                ) as copy:
                    for r in replies:
                        copy.write_row(r)
                with c.copy("COPY board_reply_messages (reply_id, message_id) FROM STDIN") as copy:
                    for r in links:
                        copy.write_row(r)
                with c.copy(
                    "COPY board_rating (message_id, reply_id, resolution, attitude, speed, comment, "
                    "created_at) FROM STDIN"
                ) as copy:
                    for r in ratings:
                        copy.write_row(r)
            made += n
            print(f"  {made:,} messages", flush=True)
        for table in ("board_message", "board_reply"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    # Leaders' instructions on the brief day, through the ORM (a few hundred rows).
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  ratings and replies loaded; {Rating.objects.count():,} ratings", flush=True)


# ---- Measuring ---------------------------------------------------------------------------------------


def measure(label: str, url: str, repeat: int) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    cache.clear()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        response = client.get(url)
        cold = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(repeat):
        cache.clear()
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    result = {
        "label": label,
        "url": url,
        "first_ms": cold * 1000,
        "median_ms": statistics.median(times) * 1000,
        "max_ms": max(times) * 1000,
        "queries": len(queries),
    }
    print(
        f"  {label:<34} median {result['median_ms']:7.1f} ms  max {result['max_ms']:7.1f} ms  "
        f"first {result['first_ms']:7.1f} ms  {result['queries']:3d} queries   {url}",
        flush=True,
    )
    return result


def main() -> None:
    args = parse_args()
    brief_day = datetime.now(TZ).date() - timedelta(days=2)
    filled = args.reuse and database_has_messages(args.database_url, args.messages)
    if not filled:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    from liuyan.board.models import Message

    started = time.perf_counter()
    if not filled:
        print("Setting up", flush=True)
        call_command("migrate", verbosity=0)
        started = step("migrate", started)
        call_command("seed_directory", verbosity=0)
        started = step("seed_directory", started)
        print(f"Loading {args.messages:,} messages", flush=True)
        fill(args.messages, args.brief_day_messages, brief_day)
        started = step("bulk load (COPY)", started)
        from liuyan.reports.counts import rebuild_counts

        rebuild_counts()
        started = step("rebuild_counts (all days)", started)
    total = Message.objects.count()
    on_day = Message.objects.filter(created_at__date=brief_day).count()
    print(f"{total:,} messages; {on_day:,} on {brief_day}", flush=True)

    print("Statistics pages, rankings and API (server time in-process, cache cleared before each request)")
    today = datetime.now(TZ).date()
    year = f"from={today - timedelta(days=365)}&to={today - timedelta(days=1)}"
    pages = [
        ("national, 30 days", "/stats/"),
        ("national, a year by month", f"/stats/?{year}&group=month"),
        ("province 云南省, 30 days", "/stats/regions/530000/"),
        ("province 云南省, a year by week", f"/stats/regions/530000/?{year}&group=week"),
        ("prefecture 临沧市, a year", f"/stats/regions/530900/?{year}&group=month"),
        ("county 永德县, a year", f"/stats/regions/530923/?{year}&group=month"),
        ("unit 临沧市教育局, a year", f"/stats/units/530900-education/?{year}&group=month"),
        ("leader 临沧市市长, a year", f"/stats/leaders/530900-head/?{year}&group=month"),
        ("rankings: provinces, a year", f"/stats/rankings/?{year}"),
        ("rankings: prefectures of 云南", f"/stats/rankings/?{year}&tab=children&region=530000"),
        ("rankings: units in 临沧市", f"/stats/rankings/?{year}&tab=units&region=530900"),
        ("API national, a year by day", f"/api/v1/stats/national?{year}&group=day"),
        ("API region 530000, a year", f"/api/v1/stats/regions/530000?{year}&group=month"),
        ("API ranking provinces", f"/api/v1/stats/rankings/provinces?{year}"),
        ("API ranking units in 530900", f"/api/v1/stats/rankings/regions/530900/units?{year}"),
    ]
    results = [measure(label, url, args.repeat) for label, url in pages]
    worst = max(results, key=lambda r: r["median_ms"])
    most = max(results, key=lambda r: r["queries"])
    print(
        f"Worst median {worst['median_ms']:.1f} ms ({worst['label']}); most queries {most['queries']} "
        f"({most['label']}). Targets: ≤ 200 ms and ≤ 30 queries."
    )

    print(f"Daily brief of {brief_day} ({on_day:,} messages)")
    out = Path(tempfile.mkdtemp(prefix="liuyan-brief-"))
    for fmt in ("html", "pdf"):
        started = time.perf_counter()
        call_command(
            "daily_brief", date=str(brief_day), format=fmt, out=str(out / f"brief.{fmt}"), verbosity=0
        )
        elapsed = time.perf_counter() - started
        size = (out / f"brief.{fmt}").stat().st_size
        print(
            f"  {fmt}: {elapsed:.1f} s, {size / 1024:.0f} KiB ({out / f'brief.{fmt}'})  target ≤ 30 s",
            flush=True,
        )
    started = time.perf_counter()
    call_command(
        "daily_brief",
        date=str(brief_day),
        region="530000",
        format="pdf",
        out=str(out / "brief-530000.pdf"),
        verbosity=0,
    )
    print(f"  pdf for 云南省: {time.perf_counter() - started:.1f} s", flush=True)

    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(args.database_url)
        print("database dropped")


if __name__ == "__main__":
    main()
