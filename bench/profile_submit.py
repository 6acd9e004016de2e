"""Where the time of one `POST /api/v1/messages` goes, in-process (no gunicorn, no network).

Run against a database left by `bench/submit.py --keep`:

    .venv/bin/python bench/profile_submit.py [--requests 300] [--database-url postgres://…/liuyan_bench]

It opens one citizen account through the project's actions, then sends requests through Django's test
client (the whole middleware and django-ninja stack, production settings) and prints: the SQL statements of
one submission, the wall and CPU time per request split by phase, and the top functions of a cProfile run
(timed by CPU). Its requests add messages to that database; drop it with another `bench/submit.py` run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import secrets
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from submit import DEFAULT_DATABASE_URL, DEFAULT_PROVINCES, request_bodies


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--top", type=int, default=30, help="functions shown from the profile [30]")
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="liuyan.settings",
        LIUYAN_ENV="production",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        LIUYAN_SUBMIT_RATE="100000/s",
        # Plain HTTP, as behind a proxy that ends TLS: no redirect to https://.
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()


class Timer:
    """Wall and CPU time spent in named functions, installed by wrapping them in their modules."""

    def __init__(self):
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def wrap(self, module, name: str, label: str) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            started, cpu_started = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.wall[label] += time.perf_counter() - started
                self.cpu[label] += time.process_time() - cpu_started

        setattr(module, name, timed)


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)

    from django.db import connection
    from django.test import Client
    from django_tasks_db.backend import DatabaseBackend

    from liuyan.accounts import actions as account_actions
    from liuyan.api import auth as api_auth
    from liuyan.api.throttles import SubmitThrottle
    from liuyan.board.actions import submission
    from liuyan.directory.models import Leader

    user = account_actions.register_citizen(
        username=f"profile_{secrets.token_hex(4)}", password=secrets.token_urlsafe(16)
    )
    token = account_actions.issue_api_token(user, name="profile")
    leaders = list(
        Leader.objects.filter(
            region__code__startswith=DEFAULT_PROVINCES.split(",")[-1], active=True
        ).values_list("id", flat=True)
    )
    bodies = request_bodies(random.Random(1), leaders, args.requests)
    client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")

    def post(body: bytes):
        response = client.post("/api/v1/messages", body, content_type="application/json")
        assert response.status_code == 201, response.content
        return response

    for body in bodies[:20]:  # warm caches, connections and imports
        post(body)

    statements: list[tuple[float, str]] = []

    def timed_sql(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, sql))

    with connection.execute_wrapper(timed_sql):
        started = time.perf_counter()
        post(bodies[0])
        whole = time.perf_counter() - started
    in_sql = sum(t for t, _ in statements)
    print(
        f"SQL statements for one submission: {len(statements)}, {in_sql * 1000:.2f} ms of "
        f"{whole * 1000:.2f} ms; add BEGIN and COMMIT (psycopg sends them itself) and, under a real server, "
        "the CONN_HEALTH_CHECKS 'SELECT 1' at each request's first query (the test client skips it). "
        "The rest of the submission runs later, in its task"
    )
    for seconds, sql in statements:
        print(f"  {seconds * 1000:5.2f} ms  {sql[:140]}")

    timer = Timer()
    timer.wrap(api_auth, "authenticate_api_token", "bearer token authentication")
    timer.wrap(SubmitThrottle, "allow_request", "submission rate limit")
    timer.wrap(submission, "next_serial", "next_serial (the day's counter)")
    timer.wrap(submission, "record_event", "record_event")
    timer.wrap(submission.counts, "count_new_later", "count_new_later (the note for the task)")
    timer.wrap(DatabaseBackend, "enqueue", "the follow-up task's enqueue (django-tasks-db)")
    timer.wrap(submission, "submit_message", "submit_message (the whole action)")

    started, cpu_started = time.perf_counter(), time.process_time()
    for body in bodies:
        post(body)
    wall = (time.perf_counter() - started) / len(bodies) * 1000
    cpu = (time.process_time() - cpu_started) / len(bodies) * 1000
    print(
        f"\nper request through the test client ({len(bodies)} requests): {wall:.2f} ms wall, "
        f"{cpu:.2f} ms CPU of this process. By function (wall / CPU per request):"
    )
    for label, total in sorted(timer.wall.items(), key=lambda item: -item[1]):
        wall_ms, cpu_ms = total / len(bodies) * 1000, timer.cpu[label] / len(bodies) * 1000
        print(f"  {wall_ms:5.2f} / {cpu_ms:5.2f} ms  {label}")

    # Timed by CPU time, not wall time: waits for PostgreSQL drop out, leaving what costs the server CPU.
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for body in bodies:
        post(body)
    profile.disable()
    for sort in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats(sort)
        stats.print_stats(args.top)
        print(f"\ncProfile (CPU time), {len(bodies)} requests, sorted by {sort}:")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000])


if __name__ == "__main__":
    main()
