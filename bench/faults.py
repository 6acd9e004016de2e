"""Fault benchmark: PostgreSQL restarted while 32 clients submit messages to a production-style server.

    .venv/bin/python bench/faults.py [--clients 32] [--duration 24] [--restart-at 8] [--down 3]
        [--database-url postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_faults] [--keep]

It sets up like bench/submit.py (and with its code): its own database, migrated and seeded, citizens with
API tokens, gunicorn (4 sync workers, LIUYAN_ENV=production) on a loopback port. Clients POST
/api/v1/messages as fast as answers come; after --restart-at seconds the local PostgreSQL cluster is
stopped, kept down --down seconds and started again (pg_ctlcluster, as root; the server is shared, so
other users of it see the same outage). gunicorn is not touched. Then it checks:

- every 201 has its Message row and its 'submitted' Event;
- every other answer during the outage is a 503 in the API's error shape with a Chinese message
  ({"error": {"code": "unavailable", ...}}), and there is no 500;
- service resumed by itself: 201s again after the restart, from the same gunicorn processes.

It prints the requests, 201s, 503s, 500s, rows and events checked, the outage as the clients saw it
(first to last failed answer) and the time from PostgreSQL accepting connections again to the first 201.
Exit status 0 only if every check holds. Loopback traffic only; every phase is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import submit
from submit import (
    SETUP_ACCOUNTS,
    Database,
    Server,
    ServerSpec,
    liuyan,
    liuyan_shell,
    project_env,
    read_response,
    request_bodies,
)

DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench_faults"
SUBMIT_PATH = "/api/v1/messages"
PG_TIMEOUT = 60  # pg_ctlcluster stop / start
REQUEST_TIMEOUT = 30
PRIME_TIMEOUT = 180
PRIMED_ROUND = 1.0  # seconds for a round of 2 requests per worker: the workers are warm
CHINESE = re.compile(r"[\u4e00-\u9fff]")

VERIFY = """
import json, os
from liuyan.board.choices import EventKind
from liuyan.board.models import Event, Message

with open(os.environ["BENCH_PARAMS_FILE"]) as f:
    serials = json.load(f)["serials"]
found = set()
with_event = set()
for start in range(0, len(serials), 500):
    chunk = serials[start:start + 500]
    found.update(Message.objects.filter(serial__in=chunk).values_list("serial", flat=True))
    with_event.update(
        Event.objects.filter(kind=EventKind.SUBMITTED, message__serial__in=chunk)
        .values_list("message__serial", flat=True)
    )
print("BENCH_JSON " + json.dumps({
    "rows": len(found),
    "events": len(with_event),
    "missing_rows": sorted(set(serials) - found)[:10],
    "missing_events": sorted(set(serials) - with_event)[:10],
    "messages_total": Message.objects.count(),
}))
"""


@dataclass
class Outcome:
    statuses: Counter = field(default_factory=Counter)
    serials: list[str] = field(default_factory=list)
    created_at: list[float] = field(default_factory=list)  # when each 201 arrived
    failed_at: list[float] = field(default_factory=list)  # when each other answer or error arrived
    bad_503: list[str] = field(default_factory=list)  # 503 bodies not in the expected shape
    bodies_500: list[str] = field(default_factory=list)
    primed: int = 0  # 201s while priming the workers, before the measured run (checked too)
    answers: list[tuple[float, object, float]] = field(default_factory=list)  # (finished, status, latency)


class Clients:
    """Each client sends its next request as soon as the last is answered, on a new connection each time
    (sync gunicorn workers close it after the response)."""

    def __init__(self, port: int, tokens: list[str], bodies: list[bytes], clients: int, seed: int):
        self.port, self.bodies, self.clients = port, bodies, clients
        self.heads = [
            (
                f"POST {SUBMIT_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {tokens[i % len(tokens)]}\r\n"
            ).encode()
            for i in range(clients)
        ]
        self.rng = random.Random(seed)
        self.outcome = Outcome()
        self.stopping = False

    async def prime(self, concurrency: int) -> None:
        """Rounds of simultaneous requests until three in a row are answered within PRIMED_ROUND: every
        worker has then connected and loaded what its first submission loads (as bench/submit.py does)."""
        deadline = time.monotonic() + PRIME_TIMEOUT
        fast = 0
        while fast < 3 and time.monotonic() < deadline:
            started = time.monotonic()
            await asyncio.gather(*(self._one(i % self.clients) for i in range(concurrency)))
            fast = fast + 1 if time.monotonic() - started < PRIMED_ROUND else 0

    async def _one(self, index: int) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return
        try:
            body = self.rng.choice(self.bodies)
            writer.write(b"%sContent-Length: %d\r\n\r\n%s" % (self.heads[index], len(body), body))
            status, response, _close = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT)
            if status == 201:
                self.outcome.serials.append(json.loads(response)["serial"])
                self.outcome.primed += 1
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def run(self, duration: float) -> Outcome:
        tasks = [asyncio.create_task(self._client(i)) for i in range(self.clients)]
        await asyncio.sleep(duration)
        self.stopping = True
        await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return self.outcome

    async def _client(self, index: int) -> None:
        outcome = self.outcome
        while not self.stopping:
            body = self.rng.choice(self.bodies)
            sent = time.monotonic()
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError as error:
                self._failed(type(error).__name__, sent)
                await asyncio.sleep(0.1)
                continue
            try:
                writer.write(b"%sContent-Length: %d\r\n\r\n%s" % (self.heads[index], len(body), body))
                status, response, _close = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
                self._failed(type(error).__name__, sent)
                continue
            finally:
                writer.close()
            if status == 201:
                outcome.statuses[status] += 1
                outcome.serials.append(json.loads(response)["serial"])
                outcome.created_at.append(time.monotonic())
                outcome.answers.append((time.monotonic(), status, time.monotonic() - sent))
                continue
            self._failed(status, sent)
            if status == 503 and not unavailable_shape(response):
                outcome.bad_503.append(response[:300].decode(errors="replace"))
            elif status >= 500 and status != 503:
                outcome.bodies_500.append(response[:300].decode(errors="replace"))
            # A client told to come back later does so after a pause, as a well-behaved one would.
            await asyncio.sleep(0.2 if status == 503 else 0)

    def _failed(self, status, sent: float) -> None:
        now = time.monotonic()
        self.outcome.statuses[status] += 1
        self.outcome.failed_at.append(now)
        self.outcome.answers.append((now, status, now - sent))


def print_timeline(outcome: Outcome, start: float, restart: Restart) -> None:
    """Each second of the run: answers by status and the slowest, with PostgreSQL's state."""
    seconds: dict[int, list[tuple[object, float]]] = {}
    for finished, status, latency in outcome.answers:
        seconds.setdefault(int(finished - start), []).append((status, latency))
    for second in sorted(seconds):
        at = start + second
        state = "down" if restart.stopped_at and restart.stopped_at - 1 < at < restart.started_at else "up"
        counts = Counter(str(status) for status, _ in seconds[second])
        slowest = max(latency for _, latency in seconds[second]) * 1000
        listed = ", ".join(f"{n} × {status}" for status, n in sorted(counts.items()))
        print(f"  {second:3d} s  postgres {state:4}  {listed}; slowest {slowest:.0f} ms")


def unavailable_shape(response: bytes) -> bool:
    try:
        error = json.loads(response)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return error.get("code") == "unavailable" and bool(CHINESE.search(error.get("message", "")))


@dataclass
class Restart:
    """Stops the local PostgreSQL cluster, waits, starts it again; records when."""

    version: str
    cluster: str
    down: float
    stopped_at: float = 0.0
    started_at: float = 0.0  # pg_ctlcluster start returned: accepting connections again
    error: str = ""

    def pg_ctl(self, action: str) -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.cluster, action],
            check=True,
            capture_output=True,
            text=True,
            timeout=PG_TIMEOUT,
        )

    def run(self) -> None:
        try:
            self.pg_ctl("stop")
            self.stopped_at = time.monotonic()
            time.sleep(self.down)
            self.pg_ctl("start")
            self.started_at = time.monotonic()
        except (subprocess.SubprocessError, OSError) as error:
            self.error = getattr(error, "stderr", "") or str(error)
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self.pg_ctl("start")  # never leave the shared server down
            self.started_at = time.monotonic()


class CheapProbeServer(Server):
    """bench/submit.py's server, asked whether it is up with a cheap page: on a busy machine, building the
    OpenAPI document can outlast gunicorn's worker timeout."""

    def _answers(self) -> bool:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", "/api/v1/ready")  # no such endpoint: a JSON 404, no database
            return connection.getresponse().status == 404
        except OSError:
            return False
        finally:
            connection.close()


def cluster_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql"))
    if not versions:
        sys.exit("no PostgreSQL cluster in /etc/postgresql")
    return versions[-1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients [32]")
    parser.add_argument("--duration", type=float, default=24, help="seconds of load in all [24]")
    parser.add_argument("--restart-at", type=float, default=8, help="seconds into the load [8]")
    parser.add_argument("--down", type=float, default=3, help="seconds PostgreSQL stays stopped [3]")
    parser.add_argument(
        "--cluster",
        default="main",
        help="the Debian cluster (pg_lsclusters) that --database-url is on, stopped and started [main]",
    )
    parser.add_argument("--timeline", action="store_true", help="print each second's answers")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers [4]")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if not 0 < args.restart_at < args.duration or args.down < 0:
        parser.error("need 0 < --restart-at < --duration and --down ≥ 0")
    # For Server's command line, as bench/submit.py's arguments give it.
    args.app = "liuyan.wsgi:application"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Four workers importing the project on a 2-core machine shared with other work can take a while.
    submit.SERVER_START_TIMEOUT = 180
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    database = Database.from_url(args.database_url)
    env = project_env(database, "locmem://")
    rng = random.Random(args.seed)
    restart = Restart(cluster_version(), args.cluster, args.down)
    started = time.monotonic()
    print(
        f"set-up: database {database.name} ({database.server_version()}), "
        f"cluster {restart.version}/{args.cluster}"
    )
    database.recreate()
    ok = False
    try:
        liuyan(env, "migrate", "--noinput")
        liuyan(env, "seed_directory")
        accounts = liuyan_shell(env, SETUP_ACCOUNTS, users=args.clients, provinces=["53"])
        bodies = request_bodies(rng, accounts["leaders"], 2000)
        server = CheapProbeServer(ServerSpec("sync", args.workers, 1), env, args.app)
        try:
            server.start()
            workers_before = sorted(server.worker_pids())
            print(
                f"run: gunicorn {args.workers} sync workers on 127.0.0.1:{server.port}; "
                f"{args.clients} clients for {args.duration:g} s; "
                f"PostgreSQL stopped at {args.restart_at:g} s for {args.down:g} s",
                flush=True,
            )
            clients = Clients(server.port, accounts["tokens"], bodies, args.clients, rng.randrange(1 << 30))
            asyncio.run(clients.prime(2 * args.workers))
            timer = threading.Timer(args.restart_at, restart.run)
            load_started = time.monotonic()
            timer.start()
            try:
                outcome = asyncio.run(clients.run(args.duration))
            finally:
                timer.join(timeout=PG_TIMEOUT * 2 + args.down)
            workers_after = sorted(server.worker_pids())
        finally:
            server.stop()
            server.cleanup()
        if restart.error:
            print(f"restart failed: {restart.error}")
            return 1

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as params:
            json.dump({"serials": outcome.serials}, params)
        try:
            check = liuyan_shell({**env, "BENCH_PARAMS_FILE": params.name}, VERIFY)
        finally:
            os.unlink(params.name)

        statuses = outcome.statuses
        created = statuses.get(201, 0) + outcome.primed
        unavailable = statuses.get(503, 0)
        server_errors = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500 and s != 503)
        others = {str(s): n for s, n in statuses.items() if s not in (201, 503)}
        failures_at = [t for t in outcome.failed_at if t >= load_started]
        outage = (max(failures_at) - min(failures_at)) if failures_at else 0.0
        after_start = [t for t in outcome.created_at if t >= restart.started_at]
        recovery = (min(after_start) - restart.started_at) if after_start else float("inf")
        resumed_201s = len(after_start)
        print(
            f"requests: {sum(statuses.values()):,} (and {outcome.primed} while warming up); "
            f"201: {created:,}; 503: {unavailable:,}; "
            f"500 and other 5xx: {server_errors}; other answers or errors: {others or 'none'}"
        )
        print(
            f"postgres: stopped {restart.stopped_at - load_started:.1f} s into the run, accepting again "
            f"{restart.started_at - load_started:.1f} s in "
            f"(down {restart.started_at - restart.stopped_at:.1f} s)"
        )
        print(
            f"clients: outage seen {outage:.1f} s (first to last non-201 answer); first 201 "
            f"{recovery:.2f} s after PostgreSQL accepted connections again; {resumed_201s:,} 201s after it"
        )
        print(
            f"check: 201s with their Message row {check['rows']:,}/{created:,}, with their 'submitted' event "
            f"{check['events']:,}/{created:,}; messages in the database {check['messages_total']:,} "
            f"({check['messages_total'] - created} committed but not answered 201: cut off by the restart)"
        )
        print(
            f"check: 503 bodies not in the API error shape: {len(outcome.bad_503)}; gunicorn workers "
            f"{'unchanged' if workers_before == workers_after else 'CHANGED'} ({len(workers_after)})"
        )
        if args.timeline:
            print_timeline(outcome, load_started, restart)
        for body in (outcome.bad_503 + outcome.bodies_500)[:3]:
            print(f"  e.g. {body!r}")
        ok = (
            check["rows"] == created
            and check["events"] == created
            and server_errors == 0
            and not outcome.bad_503
            and unavailable > 0
            and resumed_201s > 0
            and workers_before == workers_after
        )
        print("result: " + ("OK" if ok else "FAILED"))
    finally:
        if args.keep:
            print(f"kept database {database.name}: DATABASE_URL={database.url}")
        else:
            with contextlib.suppress(Exception):
                database.drop()
        print(f"done in {time.monotonic() - started:.0f} s", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
