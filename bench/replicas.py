"""Read replicas under load: public reads go to a streaming replica, and to the primary while it is down.

    .venv/bin/python bench/replicas.py [--clients 16] [--duration 30] [--stop-at 10] [--down 8] [--workers 4]

It makes a PostgreSQL primary of its own (initdb on a free loopback port, in a temporary folder; run as
root, the server runs as postgres), migrates and seeds a database there (`setup_demo`, 300 messages), makes a
streaming replica of it with `pg_basebackup -R`, and starts gunicorn (sync workers) with DATABASE_URL on
the primary and DATABASE_REPLICA_URLS on the replica, the page cache off so that every request reads the
database. Anonymous clients then GET public pages and API lists (each request on a new connection) for
--duration seconds; after --stop-at seconds the replica is stopped (`pg_ctl stop -m fast`) and started
again --down seconds later. Each second it prints the answers by status, the median latency and the
transactions committed on the primary and on the replica (pg_stat_database), and at the end the share
of transactions each server took while the replica was up, down and back. Exit status 0 only if no
request failed (anything but 200) and reads moved to the replica, away from it and back.
Everything is removed afterwards; loopback traffic only.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pg_clusters import Cluster, free_port, server_tools, temporary_folder  # noqa: E402

BIN = Path(sys.executable).parent
DATABASE = "liuyan_bench_replica"
PATHS = ("/messages/", "/api/v1/messages", "/messages/?tab=replied", "/api/v1/messages?page=2")
REQUEST_TIMEOUT = 30


def liuyan(env: dict, *args: str) -> None:
    result = subprocess.run(
        [str(BIN / "liuyan"), *args], env=env, capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        sys.exit(f"liuyan {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def committed(cluster: Cluster) -> int | None:
    """Transactions committed in the benchmark's database so far; None when the server is down."""
    try:
        return cluster.query("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", DATABASE)[0]
    except Exception:  # down, starting, refusing: all the same here
        return None


class Sampler(threading.Thread):
    """Reads both servers' commit counters every second."""

    def __init__(self, primary: Cluster, replica: Cluster):
        super().__init__(daemon=True)
        self.primary, self.replica = primary, replica
        self.samples: list[tuple[float, int | None, int | None]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.samples.append((time.monotonic(), committed(self.primary), committed(self.replica)))
            self.stopping.wait(1.0)


async def fetch(port: int, path: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        response = await asyncio.wait_for(reader.read(), REQUEST_TIMEOUT)
    finally:
        writer.close()
    return int(response.split(b" ", 2)[1])


async def load(port: int, clients: int, duration: float) -> list[tuple[float, object, float]]:
    answers: list[tuple[float, object, float]] = []
    stop = time.monotonic() + duration

    async def client(index: int) -> None:
        turn = index
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                status = await fetch(port, PATHS[turn % len(PATHS)])
            except (OSError, TimeoutError, ValueError, IndexError) as error:
                status = type(error).__name__
            answers.append((time.monotonic(), status, time.monotonic() - started))
            turn += 1

    await asyncio.gather(*(client(i) for i in range(clients)))
    return answers


def serve(env: dict, workers: int, folder: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = (folder / "gunicorn.log").open("w")
    command = [
        str(BIN / "gunicorn"),
        "liuyan.wsgi:application",
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
    ]
    server = subprocess.Popen([*command, "--timeout=60"], env=env, cwd=ROOT, stdout=log, stderr=log)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if asyncio.run(fetch(port, "/api/v1/ready")) == 404:  # no such endpoint: a JSON 404
                return server, port
        except (OSError, ValueError, IndexError):
            time.sleep(0.5)
    server.terminate()
    sys.exit(f"gunicorn did not answer:\n{(folder / 'gunicorn.log').read_text()[-3000:]}")


def print_report(answers, samples, start: float, stopped: float, restarted: float) -> bool:
    def phase(at: float) -> str:
        return "up" if at < stopped else "down" if at < restarted else "back"

    by_second: dict[int, list] = {}
    for finished, status, latency in answers:
        by_second.setdefault(int(finished - start), []).append((status, latency))
    rates = {}
    for (at, primary, replica), (_at, next_primary, next_replica) in itertools.pairwise(samples):
        rates[int(at - start)] = (
            difference(primary, next_primary),
            difference(replica, next_replica),
            phase(at),
        )
    print(" second  replica  answers              p50 ms  commits: primary  replica")
    for second in sorted(by_second):
        counts = Counter(str(status) for status, _ in by_second[second])
        p50 = statistics.median(latency for _, latency in by_second[second]) * 1000
        primary, replica, state = rates.get(second, (None, None, phase(start + second)))
        listed = ", ".join(f"{n} × {s}" for s, n in sorted(counts.items()))
        print(f" {second:5d}  {state:7}  {listed:20} {p50:6.0f}  {primary!s:>16}  {replica!s:>7}")

    ok = True
    statuses = Counter(status for _, status, _ in answers)
    print(f"answers: {dict(statuses)}")
    if set(statuses) != {200}:
        print("FAILED: some answers were not 200")
        ok = False
    for name in ("up", "down", "back"):
        primary = sum(p for p, _r, s in rates.values() if s == name and p is not None)
        replica = sum(r for _p, r, s in rates.values() if s == name and r is not None)
        total = primary + replica
        share = replica / total if total else 0.0
        print(f"replica {name:4}: {primary} commits on the primary, {replica} on the replica ({share:.0%})")
        # The sampler's own query commits on the replica too, about once a second.
        expected = {"up": share >= 0.5, "down": share <= 0.05, "back": share >= 0.5}[name]
        if not expected:
            print(f"FAILED: while the replica was {name}, it took {share:.0%} of the transactions")
            ok = False
    return ok


def difference(before: int | None, after: int | None) -> int | None:
    return after - before if before is not None and after is not None else None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--stop-at", type=float, default=10, help="seconds into the load [10]")
    parser.add_argument("--down", type=float, default=8, help="seconds the replica stays stopped [8]")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers [4]")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    tools = server_tools()
    if tools is None:
        sys.exit("needs PostgreSQL's server tools (initdb, pg_ctl, pg_basebackup)")
    folder = temporary_folder()
    primary = Cluster(tools, folder / "primary", free_port())
    replica = None
    server = None
    try:
        primary.initdb()
        primary.start()
        with primary.connect() as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
        var = Path(tempfile.mkdtemp(prefix="liuyan-bench-var-"))
        env = {
            **os.environ,
            "LIUYAN_VAR_DIR": str(var),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{primary.port}/{DATABASE}",
            "CACHE_URL": "locmem://",
            "LIUYAN_PAGE_CACHE": "0",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
        }
        started = time.monotonic()
        for command in (("migrate", "--noinput"), ("seed_directory",), ("setup_demo", "--messages", "300")):
            liuyan(env, *command)
        replica = primary.replica(folder / "replica", free_port())
        env["DATABASE_REPLICA_URLS"] = f"postgres://postgres@127.0.0.1:{replica.port}/{DATABASE}"
        print(f"set-up: primary :{primary.port}, replica :{replica.port}, {time.monotonic() - started:.0f} s")
        server, port = serve(env, args.workers, folder)
        asyncio.run(load(port, args.clients, 3))  # warm-up: every worker connects and loads
        print(
            f"run: gunicorn {args.workers} sync workers, {args.clients} clients for {args.duration:g} s; "
            f"replica stopped at {args.stop_at:g} s for {args.down:g} s",
            flush=True,
        )
        times = {}

        def stop_and_start() -> None:
            replica.stop()
            times["stopped"] = time.monotonic()
            time.sleep(args.down)
            replica.start()
            times["restarted"] = time.monotonic()

        sampler = Sampler(primary, replica)
        timer = threading.Timer(args.stop_at, stop_and_start)
        start = time.monotonic()
        sampler.start()
        timer.start()
        answers = asyncio.run(load(port, args.clients, args.duration))
        timer.join()
        sampler.stopping.set()
        sampler.join()
        ok = print_report(answers, sampler.samples, start, times["stopped"], times["restarted"])
        print("gunicorn's log of the replica:")
        for line in (folder / "gunicorn.log").read_text().splitlines():
            if "replica" in line:
                print(f"  {line}")
        shutil.rmtree(var, ignore_errors=True)
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        for cluster in (replica, primary):
            if cluster is not None and cluster.running():
                cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
