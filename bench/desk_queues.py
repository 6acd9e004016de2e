"""A desk's queue at volume (issue 17): 10,000 published messages waiting in one desk's 待交办, and the
queue's table asked for with filters, sorts and pages, on the page and through the API.

    .venv/bin/python bench/desk_queues.py [--database-url postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_desk]
        [--messages 10000] [--repeat 5] [--no-classifier] [--keep] [--nice 10]

Without --database-url it builds a scratch SQLite deployment in a temporary directory. With a PostgreSQL URL
it creates that database (which must not exist yet, and whose name must start with liuyan_bench_desk) and
drops it at the end unless --keep. Either way it runs `liuyan migrate` and `liuyan seed_directory`, trains the
domain classifier on the shared Teddy Cup data when it is there (a deployment has one, and each row's routing
suggestion then asks it), and writes --messages published messages addressed to 临沧市's leader, spread over
临沧市's counties, the domains and types, over the last 60 days (one in twenty urgent; 1% returned once by a
unit, so 被退回 has rows too). The rows are written in bulk, not through the submission action: what is
measured is reading the queue.

Each page is requested once to warm up (as in a serving process, what it keeps in the cache stays there),
then --repeat times (Django's test client, in-process, signed in as
the 临沧市 desk's dispatcher); it prints the median server time, the median SQL time as the client sees it,
the query count, and separately the median time of the page's routing suggestions (20 rows). Target: ≤ 150 ms
and ≤ 30 queries for a filtered, sorted page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # tests.second_factor: staff's second factor for the test client's sign-in
sys.path.insert(0, str(ROOT / "bench"))

from desk_deployment import TOPICS, build, create_database, drop_database  # noqa: E402

TARGET_MS, TARGET_QUERIES = 150, 30
PREFIX = "liuyan_bench_desk"

TYPES = ["complaint", "help", "suggestion", "inquiry"]


def fill(count: int):
    """`count` published messages waiting at the 临沧市 desk, and its dispatcher."""
    # Django is set up by main() once the deployment is built: these imports need it.
    from django.db import connection, transaction
    from django.utils import timezone

    from liuyan.accounts.actions import save_user_with_role
    from liuyan.accounts.choices import Role
    from liuyan.board.choices import EventKind, MessageState
    from liuyan.board.models import Event, Message
    from liuyan.directory.models import Domain, Leader, MessageType, Region, Unit

    def user(name: str, role: Role, **scope):
        return save_user_with_role(username=name, password="Bench-desk-2026", role=role, **scope)[0]

    citizen = user("bench-citizen", Role.CITIZEN)
    desk = Unit.objects.get(code="530900-desk")
    dispatcher = user("bench-dispatcher", Role.DISPATCHER, unit=desk)
    handler_unit = Unit.objects.get(code="530900-education")
    handler = user("bench-handler", Role.HANDLER, unit=handler_unit)
    leader = Leader.objects.get(code="530900-head")
    counties = list(Region.objects.filter(parent_id="530900").order_by("code").values_list("code", flat=True))
    domains = {d.name: d.pk for d in Domain.objects.filter(parent=None)}
    types = {t.code: t.pk for t in MessageType.objects.all()}
    now = timezone.now()
    started = time.perf_counter()
    rows = []
    for number in range(count):
        domain, title, body = TOPICS[number % len(TOPICS)]
        published = now - timedelta(minutes=60 * 24 * 60 * (count - number) // count)
        rows.append(
            Message(
                serial=f"LY{timezone.localdate(published):%Y%m%d}{900000 + number:06d}",
                author=citizen,
                leader=leader,
                # Every county gets every topic (a county's index does not follow the topic's).
                region_id=counties[(number // len(TOPICS)) % len(counties)],
                message_type_id=types[TYPES[number % len(TYPES)]],
                domain_id=domains[domain],
                title=f"{title}（第{number + 1}号）",
                body=body,
                state=MessageState.PUBLISHED,
                desk=desk,
                urgent=number % 20 == 0,
                created_at=published - timedelta(hours=2),
                published_at=published,
            )
        )
    with transaction.atomic():
        Message.objects.bulk_create(rows, batch_size=1000)
        # One in a hundred was returned once by a unit: 被退回 holds them, 待交办 the rest.
        returned = list(Message.objects.filter(desk=desk).only("id", "published_at").order_by("id"))[::100]
        Event.objects.bulk_create(
            Event(
                message_id=message.pk,
                actor=handler,
                kind=EventKind.RETURNED,
                from_state=MessageState.ASSIGNED,
                to_state=MessageState.PUBLISHED,
                unit=handler_unit,
                note="不属于本单位职责，请重新交办",
                created_at=message.published_at + timedelta(hours=5),
            )
            for message in returned
        )
    if connection.vendor == "postgresql":
        # Written in bulk, the rows have no statistics until autovacuum comes by: a deployment's have.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"  {count} published messages written: {time.perf_counter() - started:.1f} s", flush=True)
    return dispatcher, counties, domains


def existing():
    """The dispatcher, counties and domains of a database an earlier run filled."""
    from liuyan.accounts.models import User
    from liuyan.directory.models import Domain, Region

    counties = list(Region.objects.filter(parent_id="530900").order_by("code").values_list("code", flat=True))
    domains = {d.name: d.pk for d in Domain.objects.filter(parent=None)}
    return User.objects.get(username="bench-dispatcher"), counties, domains


def measure(dispatcher, counties, domains, repeat: int, show: bool = False) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liuyan.accounts.actions import issue_api_token
    from liuyan.board.models import Message
    from liuyan.intelligence.routing_choice import best_suggestions
    from tests.second_factor import SecondFactorClient

    web = SecondFactorClient(HTTP_HOST="127.0.0.1")
    web.force_login(dispatcher)
    token = issue_api_token(dispatcher, "bench")
    api_headers = {"Authorization": f"Bearer {token}"}
    county, education = counties[1], domains["教育"]
    queue = "/workbench/queues/desk_incoming/"
    pages = [
        ("待交办, default (oldest first)", queue, {}),
        ("county + domain, newest", queue, {"region": county, "domain": education, "sort": "newest"}),
        ("search 学校 + type, newest", queue, {"q": "学校", "type": "complaint", "sort": "newest"}),
        ("urgent, oldest, page 3", queue, {"urgent": "1", "sort": "oldest", "page": "3"}),
        ("county, page 40 (within the cap)", queue, {"region": county, "page": "40"}),
        ("serial exact", queue, {"q": Message.objects.order_by("-id").values_list("serial", flat=True)[0]}),
        ("被退回", "/workbench/queues/desk_returned/", {}),
        (
            "API county + domain, newest",
            "/api/v1/workbench/queues/desk_incoming",
            {"region": county, "domain": str(education), "sort": "newest"},
        ),
    ]
    figures = []
    for label, path, params in pages:
        headers = api_headers if path.startswith("/api/") else {}
        response = web.get(path, params, headers=headers)
        assert response.status_code == 200, (label, response.status_code, response.content[:300])
        times, cpu_times, sql_times, counts = [], [], [], []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started, cpu = time.perf_counter(), time.process_time()
                response = web.get(path, params, headers=headers)
                times.append(1000 * (time.perf_counter() - started))
                cpu_times.append(1000 * (time.process_time() - cpu))
            assert response.status_code == 200, label
            sql_times.append(1000 * sum(float(q["time"]) for q in queries.captured_queries))
            counts.append(len(queries))
        if show and label == pages[0][0]:
            for statement in queries.captured_queries:
                print(f"    {float(statement['time']) * 1000:6.1f} ms  {statement['sql'][:160]}")
        if path.startswith("/api/"):
            rows = response.json()["rows"]
        else:
            rows = response.content.decode().count('<td class="wb-serial">')
        figures.append(
            {
                "label": label,
                "ms": statistics.median(times),
                "sql": statistics.median(sql_times),
                "cpu": statistics.median(cpu_times),
                "queries": max(counts),
                "rows": rows if isinstance(rows, int) else len(rows),
            }
        )
    ids = list(
        Message.objects.filter(desk__isnull=False, state="published")
        .order_by("published_at", "id")[:20]
        .values_list("pk", flat=True)
    )
    costs = []
    for _ in range(repeat):
        started = time.perf_counter()
        best = best_suggestions(dispatcher, ids)
        costs.append(1000 * (time.perf_counter() - started))
    figures.append(
        {"label": "routing suggestions of 20 rows", "ms": statistics.median(costs), "rows": len(best)}
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", help=f"PostgreSQL ({PREFIX}…, created and dropped); default: scratch SQLite"
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--nice", type=int, default=0, help="lower the bench's priority (os.nice)")
    parser.add_argument("--no-classifier", action="store_true", help="route on the chosen domain alone")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the PostgreSQL database an earlier --keep run left"
    )
    parser.add_argument(
        "--var-dir", help="the var folder (with --reuse: the earlier run's, for its classifier)"
    )
    parser.add_argument("--queries", action="store_true", help="print the statements of the first page")
    args = parser.parse_args()
    if args.reuse and not args.database_url:
        sys.exit("--reuse needs the --database-url of a database kept by an earlier run")

    os.nice(args.nice)
    scratch = Path(args.var_dir or tempfile.mkdtemp(prefix="liuyan-bench-desk-"))
    env = dict(os.environ, LIUYAN_VAR_DIR=str(scratch), DEBUG="false", LIUYAN_PAGE_CACHE="false")
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        if not args.reuse:
            create_database(args.database_url, PREFIX)
    else:
        env.pop("DATABASE_URL", None)
    print(f"Desk queue bench on {args.database_url or 'SQLite'}, var folder {scratch}", flush=True)
    try:
        if not args.reuse:
            build(env, classifier=not args.no_classifier)
        os.environ.clear()
        os.environ.update(env, DJANGO_SETTINGS_MODULE="liuyan.settings")
        import django  # after the environment names the database

        django.setup()
        dispatcher, counties, domains = existing() if args.reuse else fill(args.messages)
        figures = measure(dispatcher, counties, domains, args.repeat, show=args.queries)
        from django.db import connections  # set up above

        connections.close_all()
    finally:
        if args.database_url and not (args.keep or args.reuse):
            drop_database(args.database_url, PREFIX)
    print(f"median of {args.repeat}; load average {os.getloadavg()[0]:.1f}")
    for f in figures:
        if "queries" not in f:
            print(f"{f['label']:>36}: {f['ms']:6.1f} ms ({f['rows']} suggested), included in the pages above")
            continue
        verdict = "within" if f["ms"] <= TARGET_MS and f["queries"] <= TARGET_QUERIES else "OVER"
        print(
            f"{f['label']:>36}: {f['ms']:6.1f} ms server ({f['cpu']:5.1f} ms this process's CPU), "
            f"{f['sql']:5.1f} ms SQL, {f['queries']:2d} queries, "
            f"{f['rows']:2d} rows — {verdict} {TARGET_MS} ms / {TARGET_QUERIES} queries"
        )


if __name__ == "__main__":
    main()
