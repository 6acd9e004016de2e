"""A desk's bulk assignment (issue 17): 100 published messages assigned to their routing suggestions in one
request, through the workbench form (POST /workbench/bulk/) and through the API
(POST /api/v1/messages/bulk/assign), with the time of each request and its queries per row.

    .venv/bin/python bench/bulk.py [--database-url postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_bulk]
        [--messages 100] [--no-classifier] [--keep]

Without --database-url it builds a scratch SQLite deployment in a temporary directory. With a PostgreSQL URL
it creates that database (which must not exist yet, and whose name must start with liuyan_bench_bulk) and
drops it at the end unless --keep. Either way it runs `liuyan migrate` and `liuyan seed_directory`, trains the
domain classifier on the shared Teddy Cup data when it is there (as a deployment would have one; the
suggestions then weigh the classifier's guess), and submits and publishes, through the board's actions,
--messages messages for the web and as many again for the API: addressed to 临沧市's leader, spread over
临沧市's counties and the domains. The 临沧市 desk's dispatcher then assigns each batch to the suggestions
in one request (in-process, Django's test client); the figures printed are the request's wall time, its
query count and queries per row, and the checks: one ASSIGNED event per message, each to the unit
`best_suggestions` named. Target: ≤ 5 s for 100 messages.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # tests.second_factor: staff's second factor for the test client's sign-in
sys.path.insert(0, str(ROOT / "bench"))

from desk_deployment import TOPICS, build, create_database, drop_database  # noqa: E402

WARM_UP = 5  # messages assigned through each path first, unmeasured: a serving process is warm
TARGET_SECONDS = 5.0


def measure(count: int) -> list[dict]:
    # Django is set up by main() once the deployment is built: these imports need it.
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from liuyan.accounts.actions import issue_api_token, save_user_with_role
    from liuyan.accounts.choices import Role
    from liuyan.board.actions import moderation, submission
    from liuyan.board.choices import EventKind
    from liuyan.board.models import Event, Message
    from liuyan.directory.models import Leader, Region, Unit
    from liuyan.intelligence.routing_choice import suggested_unit_ids
    from tests.second_factor import SecondFactorClient

    def user(name: str, role: Role, **scope):
        return save_user_with_role(username=name, password="Bench-bulk-2026", role=role, **scope)[0]

    citizen = user("bench-citizen", Role.CITIZEN)
    operator = user("bench-operator", Role.ADMIN)
    dispatcher = user("bench-dispatcher", Role.DISPATCHER, unit=Unit.objects.get(code="530900-desk"))
    leader = Leader.objects.get(code="530900-head")
    counties = list(Region.objects.filter(parent_id="530900").order_by("code").values_list("code", flat=True))

    def batch(label: str) -> list[int]:
        started = time.perf_counter()
        ids = []
        for number in range(count):
            domain, title, body = TOPICS[number % len(TOPICS)]
            message = submission.submit_message(
                citizen,
                leader_id=leader.pk,
                message_type="complaint",
                domain=domain,
                title=f"{title}（{label}{number + 1}）",
                body=body,
                region_code=counties[number % len(counties)],
            )
            moderation.publish_message(operator, message.pk)
            ids.append(message.pk)
        elapsed = time.perf_counter() - started
        print(f"  {count} messages submitted and published for the {label}: {elapsed:.1f} s")
        return ids

    web_ids, api_ids = batch("web"), batch("API")
    warm_web, warm_api = web_ids[:WARM_UP], api_ids[:WARM_UP]
    web_ids, api_ids = web_ids[WARM_UP:], api_ids[WARM_UP:]
    expected = {**suggested_unit_ids(dispatcher, web_ids), **suggested_unit_ids(dispatcher, api_ids)}

    web = SecondFactorClient(HTTP_HOST="127.0.0.1")
    web.force_login(dispatcher)
    api = Client(HTTP_HOST="127.0.0.1")
    token = issue_api_token(dispatcher, "bench")

    def web_post(ids):
        return web.post(
            "/workbench/bulk/", {"action": "assign", "ids": ids, "unit_id": "", "next": "/workbench/"}
        )

    def api_post(ids):
        return api.post(
            "/api/v1/messages/bulk/assign",
            json.dumps({"ids": ids}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    assert web_post(warm_web).status_code == 302 and api_post(warm_api).status_code == 200
    figures = []
    for label, post, ids in [("web form", web_post, web_ids), ("API", api_post, api_ids)]:
        with CaptureQueriesContext(connection) as queries:
            load = os.getloadavg()[0]
            started, cpu = time.perf_counter(), time.process_time()
            response = post(ids)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert response.status_code in (200, 302), (label, response.status_code, response.content[:300])
        events = Event.objects.filter(message_id__in=ids, kind=EventKind.ASSIGNED)
        assigned = dict(Message.objects.filter(pk__in=ids, state="assigned").values_list("pk", "unit_id"))
        with_suggestion = [pk for pk in ids if pk in expected]
        figures.append(
            {
                "label": label,
                "rows": len(ids),
                "seconds": seconds,
                "cpu": cpu,
                "load": load,
                "queries": len(queries),
                "sql_seconds": sum(float(q["time"]) for q in queries.captured_queries),
                "statements": _statements(queries.captured_queries),
                "slowest": sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3],
                "assigned": len(assigned),
                "events": events.count(),
                "with_suggestion": len(with_suggestion),
                "as_suggested": sum(assigned.get(pk) == expected[pk] for pk in with_suggestion),
                "one_event_each": events.values("message_id").distinct().count() == events.count(),
            }
        )
    if any(f["with_suggestion"] < f["rows"] for f in figures):
        print("  (rows without a suggestion are refused with 「没有可用的系统建议单位，请逐条交办。」)")
    summary = web.get("/workbench/bulk/")
    assert summary.status_code == 200 and "已完成" in summary.content.decode()
    return figures


def _statements(captured: list[dict]) -> list[tuple[str, int, float]]:
    """(shape, count, seconds) of the statements a request issued, the longest in total first."""
    count, seconds = Counter(), Counter()
    for query in captured:
        shape = _shape(query["sql"])
        count[shape] += 1
        seconds[shape] += float(query["time"])
    return sorted(((shape, count[shape], seconds[shape]) for shape in count), key=lambda row: -row[2])


def _shape(sql: str) -> str:
    """A statement without its values: what it does to which table."""
    words = re.sub(r"'[^']*'|\b\d+\b", "?", sql).split()
    tables = [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("FROM", "INTO", "UPDATE")]
    return f"{words[0]} {tables[0] if tables else ''}".strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL (created and dropped); default: scratch SQLite")
    parser.add_argument("--messages", type=int, default=100, help="messages per request (at most 200)")
    parser.add_argument("--nice", type=int, default=0, help="lower the bench's priority (os.nice)")
    parser.add_argument("--no-classifier", action="store_true", help="route on the chosen domain alone")
    parser.add_argument("--statements", type=int, default=12, help="list the statements taking longest")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()

    os.nice(args.nice)
    scratch = Path(tempfile.mkdtemp(prefix="liuyan-bench-bulk-"))
    env = dict(os.environ, LIUYAN_VAR_DIR=str(scratch), DEBUG="false", LIUYAN_PAGE_CACHE="false")
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        create_database(args.database_url, "liuyan_bench_bulk")
    else:
        env.pop("DATABASE_URL", None)
    database = args.database_url or f"SQLite in {scratch}"
    print(f"Bulk assignment bench on {database}", flush=True)
    try:
        build(env, classifier=not args.no_classifier)
        os.environ.clear()
        os.environ.update(env, DJANGO_SETTINGS_MODULE="liuyan.settings")
        import django  # after the environment names the database

        django.setup()
        figures = measure(args.messages + WARM_UP)
        from django.db import connections  # set up above

        connections.close_all()
    finally:
        if args.database_url and not args.keep:
            drop_database(args.database_url, "liuyan_bench_bulk")
    for f in figures:
        verdict = "within" if f["seconds"] <= TARGET_SECONDS * f["rows"] / 100 else "OVER"
        per_row = 1000 * f["seconds"] / f["rows"]
        print(
            f"{f['label']:>9}: {f['rows']} rows in {f['seconds']:.2f} s ({per_row:.0f} ms/row; "
            f"this process's CPU {f['cpu']:.2f} s, SQL {f['sql_seconds']:.2f} s, "
            f"load average {f['load']:.1f}), "
            f"{f['queries']} queries ({f['queries'] / f['rows']:.1f}/row); {f['assigned']} assigned, "
            f"{f['events']} ASSIGNED events (one each: {f['one_event_each']}), "
            f"{f['as_suggested']}/{f['with_suggestion']} to their suggestion; "
            f"{verdict} the {TARGET_SECONDS:.0f} s target per 100"
        )
        if args.statements:
            for shape, number, seconds in f["statements"][: args.statements]:
                print(f"    {number:5d} × {shape}: {seconds:.2f} s")
            for query in f["slowest"]:
                print(f"    slowest, {float(query['time']) * 1000:.0f} ms: {query['sql'][:600]}")


if __name__ == "__main__":
    main()
