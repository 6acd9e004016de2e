"""Benchmark of message submission: many concurrent API clients against a production-style server, measured
against a bare insert of the same message on the same stack, in the same run.

One command sets everything up from scratch and tears it down again:

    .venv/bin/python bench/submit.py [--clients 32] [--duration 20] [--rounds 2] [--workers 4] [--threads 1]
        [--database-url postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench] [--keep]
        [--rate 120] [--sweep 4,6,2x4,3x2] [--drain-workers 2]

It (re)creates its own PostgreSQL database, runs `liuyan migrate` and `liuyan seed_directory`, opens
citizen accounts with API tokens through the project's actions (`liuyan shell -c`), and starts gunicorn on a
free loopback port with LIUYAN_ENV=production and the bench's settings (bench/submit_settings.py: the
project's, plus the bare-insert reference of bench/submit_urls.py). Then, `--rounds` times, it drives the
reference (POST /bench/bare-insert: the message and its event inserted by the ORM, nothing else) and
`POST /api/v1/messages` with the same request bodies, each for a warm-up and the measured window, and prints
for each messages/s, latency percentiles, errors by status, the CPU used by the client, gunicorn, PostgreSQL
and anything else on the machine, and what the database backends were doing; and the submissions' rate as a
share of the reference's. A run during which other processes took much CPU is repeated (--max-other,
--retries).

A submission leaves part of its work to a task (search tokens, similarity index, the `received` count, the
citizen's notification: board.actions.submission.follow_up_submissions, which finishes all that wait).
After the load, `--drain-workers` `liuyan db_worker --batch` processes run the queue dry, timed, and the
bench says how many submissions were still left for `run_periodic`. The checks then compare the database
with the responses: a row and a `submitted` event per 201, serial numbers unique, no task left or failed,
every message with its search tokens, similarity signature and notification, and the count tables equal
to a recount from the messages. The database is dropped (unless --keep). Only loopback traffic; every phase
has a time limit.

The load generator is one asyncio event loop with raw HTTP/1.1 connections (standard library only): on a
2-core machine the client shares the CPU with gunicorn and PostgreSQL, so it must be cheap. Request bodies
are generated before the run.

Default server: gunicorn, 4 sync workers. A sync worker serves one request at a time and accepts only when
it is free; the client closes its connection every --requests-per-connection requests. Sync workers belong
behind a buffering proxy such as nginx in production, as gunicorn's documentation says. `--sweep` compares
server shapes. Results are in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import os
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LIUYAN = BIN / "liuyan"
GUNICORN = BIN / "gunicorn"
DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/liuyan_bench"
SUBMIT_PATH = "/api/v1/messages"
REFERENCE_PATH = "/bench/bare-insert"
REFERENCE_PREFIX = "B"  # the serials of the reference's rows (bench/submit_urls.py)
BENCH_DIR = Path(__file__).resolve().parent
# A province's leaders and those of all its cities and counties; a mix of sizes and regions.
DEFAULT_PROVINCES = "11,31,44,51,53"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

SETUP_TIMEOUT = 300  # migrate, seed_directory, accounts
SERVER_START_TIMEOUT = 180  # a busy 2-core machine takes long to start 4 workers
DRAIN_TIMEOUT = 30  # in-flight requests after the measured window
QUEUE_DRAIN_TIMEOUT = 1800  # the task workers' run through the submissions' follow-ups
FOLLOW_UP_DELAY = 1.5  # seconds: more than board.actions.submission.FOLLOW_UP_DELAY
PRIME_TIMEOUT = 60  # the longest the server may take to answer rounds of requests quickly
PRIMED_ROUND = 0.5  # seconds: a round of simultaneous requests this fast means the workers are ready
STOP_TIMEOUT = 15  # gunicorn's graceful stop before SIGKILL
MARKER = "BENCH_JSON "


# --- Realistic message text -----------------------------------------------------------------------------

MESSAGE_TYPES = ["suggestion", "complaint", "help", "inquiry"]
DOMAINS = ["城建", "交通", "环保", "教育", "医疗"]
PLACES = ["幸福里小区", "城东新区", "滨江路", "人民公园附近", "解放街道", "高新区", "老城区", "火车站片区"]
TOPICS = {
    "城建": ["老旧小区改造迟迟不动工", "小区电梯长期停运", "违章建筑占用消防通道", "路灯损坏无人维修"],
    "交通": ["早晚高峰拥堵严重", "公交线路调整后出行不便", "路口红绿灯时长不合理", "人行道被车辆长期占用"],
    "环保": ["夜间施工噪音扰民", "河道发黑发臭", "餐馆油烟直排", "垃圾站清运不及时"],
    "教育": ["学区划分不透明", "校门口上下学交通混乱", "课后服务收费不明", "幼儿园学位紧张"],
    "医疗": ["社区医院看病排队太久", "医保报销流程繁琐", "药品短缺买不到", "夜间急诊科人手不足"],
}
TITLE_TEMPLATES = [
    "关于{place}{topic}的{ask}",
    "{place}{topic}，恳请{whom}关注",
    "反映{place}{topic}问题",
    "{topic}，{place}居民盼解决",
]
ASKS = ["建议", "投诉", "求助", "咨询"]
WHOMS = ["领导", "有关部门", "相关单位"]
OPENINGS = [
    "尊敬的领导您好！我是{place}的一名居民，",
    "领导好，我住在{place}，",
    "您好！作为在{place}生活多年的市民，",
]
SENTENCES = [
    "近一段时间以来，{topic}的情况越来越严重，给周边群众的日常生活带来很大不便。",
    "我们曾多次向街道和社区反映，也拨打过热线电话，但至今没有得到明确答复。",
    "附近有不少老人和孩子，每天都要经过这里，存在一定的安全隐患。",
    "希望有关部门能够尽快派人实地查看，弄清原因，拿出切实可行的解决办法。",
    "听说相关方案已经在研究，但具体时间表一直没有公布，大家心里很着急。",
    "如果资金有困难，也希望能说明情况，居民愿意配合做好相关工作。",
    "这个问题已经持续了将近半年，期间也有媒体关注过，但情况没有根本改善。",
    "恳请领导百忙之中过问此事，督促相关单位尽快落实。",
]
CLOSINGS = ["谢谢领导！", "盼复，谢谢！", "期待早日得到解决。", "感谢您在百忙之中阅读。"]


def message_text(rng: random.Random, domain: str) -> tuple[str, str]:
    """A title of 10–30 Chinese characters and a body of 100–400, from the templates above."""
    place, topic = rng.choice(PLACES), rng.choice(TOPICS[domain])
    title = rng.choice(TITLE_TEMPLATES).format(
        place=place, topic=topic, ask=rng.choice(ASKS), whom=rng.choice(WHOMS)
    )
    if len(title) < 10:
        title += "的问题"
    title = title[:30]
    parts = [rng.choice(OPENINGS).format(place=place)]
    for sentence in rng.sample(SENTENCES, k=len(SENTENCES)):
        parts.append(sentence.format(topic=topic))
        if sum(map(len, parts)) >= rng.randint(100, 360):
            break
    body = "".join(parts)
    while len(body) < 100:
        body += rng.choice(SENTENCES).format(topic=topic)
    body = (body[:390] + rng.choice(CLOSINGS))[:400]
    return title, body


def request_bodies(rng: random.Random, leader_ids: list[int], count: int) -> list[bytes]:
    """JSON bodies prepared before the run, so that the load generator spends no CPU on them."""
    bodies = []
    for _ in range(count):
        domain = rng.choice(DOMAINS)
        title, body = message_text(rng, domain)
        payload = {
            "leader_id": rng.choice(leader_ids),
            "type": rng.choice(MESSAGE_TYPES),
            "domain": domain,
            "title": title,
            "body": body,
            "public": rng.random() < 0.9,
            "anonymous": rng.random() < 0.2,
        }
        if rng.random() < 0.3:
            payload["contact_phone"] = f"13{rng.randint(0, 999_999_999):09d}"
        bodies.append(json.dumps(payload, ensure_ascii=False).encode())
    return bodies


# --- Database and project commands ----------------------------------------------------------------------


@dataclass
class Database:
    url: str
    name: str
    maintenance_url: str  # the `postgres` database on the same server, to create and drop ours

    @classmethod
    def from_url(cls, url: str) -> Database:
        parts = urlsplit(url)
        if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
            sys.exit(f"--database-url must be a PostgreSQL URL, not {url!r}")
        if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
            sys.exit("--database-url must point at a loopback PostgreSQL server")
        name = parts.path.lstrip("/")
        # The database is dropped and re-created: refuse anything that does not look like ours.
        if "bench" not in name:
            sys.exit(f"refusing to drop and re-create database {name!r}: its name must contain 'bench'")
        maintenance = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
        return cls(url=url, name=name, maintenance_url=maintenance)

    def _admin(self, statement: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.maintenance_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(self.name)))

    def recreate(self) -> None:
        self.drop()
        self._admin("CREATE DATABASE {}")

    def drop(self) -> None:
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")

    def server_version(self) -> str:
        import psycopg

        with psycopg.connect(self.maintenance_url, connect_timeout=10) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        return "PostgreSQL " + version.split()[0]


def project_env(database: Database, cache_url: str) -> dict[str, str]:
    """The production-style environment shared by the set-up commands and gunicorn."""
    env = dict(os.environ)
    env.update(
        # The project's settings plus the bare-insert reference (bench/submit_settings.py).
        DJANGO_SETTINGS_MODULE="submit_settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(BENCH_DIR), os.environ.get("PYTHONPATH")])),
        LIUYAN_ENV="production",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database.url,
        CACHE_URL=cache_url,
        # The benchmark measures the submission path, not the rate limit: a rate no client reaches, over a
        # second, so that each user's history in the cache stays as short as under the production rate
        # (20/m), not a minute of a load test's requests.
        LIUYAN_SUBMIT_RATE="100000/s",
        # Plain HTTP on loopback, as behind a proxy that ends TLS: no redirect to https://.
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def liuyan(env: dict[str, str], *args: str, timeout: float = SETUP_TIMEOUT) -> str:
    result = subprocess.run(
        [str(LIUYAN), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"liuyan {args[0]} failed with exit code {result.returncode}")
    return result.stdout


def liuyan_shell(env: dict[str, str], code: str, **params) -> dict:
    """Run `code` in `liuyan shell` with `params` as BENCH_PARAMS; it prints its answer after MARKER."""
    out = liuyan({**env, "BENCH_PARAMS": json.dumps(params)}, "shell", "--no-imports", "-c", code)
    for line in out.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    raise RuntimeError(f"liuyan shell printed no result:\n{out}")


# Accounts go through register_citizen and issue_api_token, as a citizen's sign-up through the API would.
SETUP_ACCOUNTS = """
import json, os, secrets
from django.db.models import Q
from liuyan.accounts.actions import issue_api_token, register_citizen
from liuyan.directory.models import Leader

params = json.loads(os.environ["BENCH_PARAMS"])
tokens = []
for i in range(params["users"]):
    user = register_citizen(username=f"bench_{i:04d}", password=secrets.token_urlsafe(16))
    tokens.append(issue_api_token(user, name="bench"))
by_province = Q()
for prefix in params["provinces"]:
    by_province |= Q(region__code__startswith=prefix)
leaders = list(Leader.objects.filter(by_province, active=True).values_list("id", flat=True))
print("BENCH_JSON " + json.dumps({"tokens": tokens, "leaders": leaders}))
"""

# The reference's rows go first (they are no submissions: no counts, tokens or task), then the checks.
VERIFY = """
import hashlib, json, os
from django.db.models import Count, Q
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from liuyan.board.choices import EventKind
from liuyan.board.models import Event, Message
from liuyan.directory.models import Region
from liuyan.intelligence.models import SimilaritySignature
from liuyan.notify.models import Notification
from liuyan.reports import counts
from liuyan.reports.models import DailyCount, UncountedSubmission

params = json.loads(os.environ["BENCH_PARAMS"])
reference = Message.objects.filter(serial__startswith=params["reference_prefix"])
reference_rows = reference.count()
reference_events = Event.objects.filter(message__in=reference).count()
Event.objects.filter(message__in=reference).delete()
reference.delete()

messages = Message.objects.all()
serials = sorted(messages.values_list("serial", flat=True))
duplicates = messages.values("serial").annotate(n=Count("id")).filter(n__gt=1).count()
span = counts._span()
exact = mismatched = 0
if span:
    paths = {code: counts.region_codes(path) for code, path in Region.objects.values_list("code", "path")}
    recount = {row: values for row, values in counts._compute(span[0], span[1], paths).items() if any(values)}
    stored = {
        (row.dimension, row.key, row.day): [getattr(row, name) for name in counts.METRICS]
        for row in DailyCount.objects.filter(day__gte=span[0], day__lte=span[1])
        if any(getattr(row, name) for name in counts.METRICS)
    }
    mismatched = sum(1 for row in recount.keys() | stored.keys() if recount.get(row) != stored.get(row))
    exact = len(recount)
tasks = DBTaskResult.objects.values("status").annotate(n=Count("id"))
print("BENCH_JSON " + json.dumps({
    "reference_rows": reference_rows,
    "reference_events": reference_events,
    "messages": len(serials),
    "distinct_serials": len(set(serials)),
    "duplicate_serials": duplicates,
    "serials_digest": hashlib.sha256("\\n".join(serials).encode()).hexdigest(),
    "submitted_events": Event.objects.filter(kind=EventKind.SUBMITTED).count(),
    "notifications": Notification.objects.count(),
    "tasks": {row["status"]: row["n"] for row in tasks},
    "uncounted": UncountedSubmission.objects.count(),
    "without_tokens": messages.filter(search_tokens="").count(),
    "signatures": SimilaritySignature.objects.count(),
    "count_rows": exact,
    "count_rows_wrong": mismatched,
}))
"""


# --- The server -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSpec:
    worker_class: str
    workers: int
    threads: int

    @classmethod
    def parse(cls, text: str) -> ServerSpec:
        """`2x8` (gthread, 2 workers × 8 threads), `4` or `sync:4` (4 sync workers), `gthread:4x1`."""
        worker_class, _, shape = text.rpartition(":")
        workers, _, threads = shape.partition("x")
        default_class = "gthread" if threads else "sync"
        spec = cls(worker_class or default_class, int(workers), int(threads or 1))
        if spec.worker_class == "sync" and spec.threads != 1:
            raise argparse.ArgumentTypeError("sync workers have one thread each")
        return spec

    def __str__(self) -> str:
        if self.worker_class == "sync":
            return f"{self.workers} workers (sync)"
        return f"{self.workers} workers × {self.threads} threads ({self.worker_class})"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn in its own process group, logging to a temporary file shown if it fails."""

    def __init__(self, spec: ServerSpec, env: dict[str, str], app: str):
        self.spec, self.env, self.app = spec, env, app
        self.port = free_port()
        descriptor, path = tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")
        os.close(descriptor)
        self.log_path = Path(path)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            str(GUNICORN),
            self.app,
            f"--bind=127.0.0.1:{self.port}",
            f"--worker-class={self.spec.worker_class}",
            f"--workers={self.spec.workers}",
            f"--threads={self.spec.threads}",
            # gthread: the clients keep their connections busy; a short idle limit would only add reconnects.
            "--keep-alive=30",
            "--timeout=60",
            "--graceful-timeout=5",
            "--no-control-socket",
            "--log-level=warning",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with code {self.process.returncode}:\n{self.log_tail()}")
            if self._answers() and len(self.worker_pids()) >= self.spec.workers:
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {SERVER_START_TIMEOUT} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", "/api/v1/openapi.json")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid) if self.process else []

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def cleanup(self) -> None:
        self.stop()
        self.log_path.unlink(missing_ok=True)


# --- CPU accounting from /proc ---------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces; fields after it are space-separated.
    return [text[text.index("(") + 1 : text.rindex(")")], *text[text.rindex(")") + 2 :].split()]


def children_of(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields and fields[2] == str(pid):
                children.append(int(entry))
    return children


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            total += int(fields[12]) + int(fields[13])  # utime + stime
    return total / CLOCK_TICKS


def postgres_pids(database: Database) -> list[int]:
    """The backends connected to our database and the server's own processes (WAL writer and so on).

    Other databases' backends are left out: other engineers' test runs may use the same server.
    """
    import psycopg

    with psycopg.connect(database.url, autocommit=True, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND (datname = %s OR backend_type <> 'client backend')",
            (database.name,),
        ).fetchall()
    return [pid for (pid,) in rows]


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def background_load(seconds: float = 2.0) -> float:
    """CPU the machine spends without us, in cores: other engineers' test runs compete with the server."""
    busy, total = machine_busy_seconds()
    time.sleep(seconds)
    busy_after, total_after = machine_busy_seconds()
    return (busy_after - busy) / (total_after - total) * (os.cpu_count() or 1)


QUIET = 0.15  # cores busy without us that still count as a quiet machine


def wait_until_quiet(budget: float) -> None:
    """Wait (at most `budget` seconds) until other processes leave the CPU to us; say how busy it was."""
    deadline = time.monotonic() + budget
    while (background := background_load()) > QUIET and time.monotonic() < deadline:
        time.sleep(3)
    print(
        f"set-up: before the run, other processes keep {background * 100:.0f}% of one core busy"
        + (" — the figures below will be lower than on a quiet machine" if background > QUIET else ""),
        flush=True,
    )


@dataclass
class CpuSample:
    client: float
    server: float
    postgres: dict[int, float]  # by backend: one that exits during the window takes its CPU time with it
    machine_busy: float
    machine_total: float
    workers: list[float]  # each gunicorn worker's own: keep-alive connections stick to one worker

    @classmethod
    def take(cls, server_pids: list[int], db_pids: list[int]) -> CpuSample:
        busy, total = machine_busy_seconds()
        workers = [cpu_seconds([pid]) for pid in server_pids[1:]]
        postgres = {pid: cpu_seconds([pid]) for pid in db_pids if _stat_fields(pid)}
        return cls(time.process_time(), cpu_seconds(server_pids), postgres, busy, total, workers)


def postgres_seconds(before: CpuSample, after: CpuSample) -> float:
    """CPU seconds of the backends alive at both edges of the window (a lower bound)."""
    return sum(
        after.postgres[pid] - before.postgres[pid] for pid in before.postgres.keys() & after.postgres.keys()
    )


class CpuWatch:
    """CPU samples at the edges of the measured window, for this process, gunicorn and PostgreSQL."""

    def __init__(self, server_pids: list[int], database: Database):
        self.server_pids = server_pids  # the master first, then the workers
        self.database = database
        self.db_pids: list[int] = []
        self.samples: dict[str, CpuSample] = {}

    def mark(self, edge: str) -> None:
        if edge == "start":
            # The backends gunicorn opened during the warm-up exist by now and persist (CONN_MAX_AGE).
            self.db_pids = postgres_pids(self.database)
        self.samples[edge] = CpuSample.take(self.server_pids, self.db_pids)


class BackendSampler:
    """What the database's backends are doing, sampled ten times a second in a thread during the window.

    "waiting for a lock" is a backend blocked on another transaction's row lock (the day's serial
    counter, for submissions); "idle in transaction" is a backend waiting for Python to send the next
    statement while its transaction, and any lock it holds, stays open.
    """

    INTERVAL = 0.1
    QUERY = """
        SELECT CASE
                 WHEN wait_event_type = 'Lock' THEN 'waiting for a lock (' || wait_event || ')'
                 WHEN state = 'idle in transaction' THEN 'idle in transaction'
                 WHEN state = 'active' THEN 'running a statement'
                 ELSE coalesce(state, 'other')
               END,
               count(*)
        FROM pg_stat_activity
        WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()
        GROUP BY 1
    """

    def __init__(self, database: Database):
        self.database = database
        self.totals: Counter = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def mark(self, edge: str) -> None:
        if edge == "start":
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        else:
            self.stop()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.database.url, autocommit=True, connect_timeout=10) as conn:
                while not self._stop.wait(self.INTERVAL):
                    for state, count in conn.execute(self.QUERY, (self.database.name,)):
                        self.totals[state] += count
                    self.samples += 1
        except psycopg.Error:
            pass  # the run was cut short and the database dropped; the summary says "no samples"

    def summary(self) -> str:
        if not self.samples:
            return "no samples"
        means = sorted(((n / self.samples, state) for state, n in self.totals.items()), reverse=True)
        return ", ".join(f"{mean:.1f} {state}" for mean, state in means)


# --- The load generator ----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    window: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, responses completed in the window
    finished_at: list[float] = field(default_factory=list)  # seconds into the window, same order
    statuses: Counter = field(default_factory=Counter)  # in the window; errors as "status" or exception name
    created_total: int = 0  # 201 responses over the whole run, warm-up included
    serials: list[str] = field(default_factory=list)
    unfinished: int = 0  # requests cut off after the drain timeout: their outcome is unknown
    connections: int = 0


class Load:
    """Clients on one event loop, each with its own token and one keep-alive connection."""

    def __init__(
        self,
        port: int,
        path: str,
        tokens: list[str],
        bodies: list[bytes],
        clients: int,
        seed: int,
        rate: float | None,
        per_connection: int,
    ):
        self.port, self.bodies, self.clients, self.per_connection = port, bodies, clients, per_connection
        # With a rate, each client sends on a fixed schedule (open loop) instead of as soon as it can.
        self.interval = clients / rate if rate else None
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        self.heads = [
            (head + f"Authorization: Bearer {tokens[i % len(tokens)]}\r\n").encode() for i in range(clients)
        ]
        self.rng = random.Random(seed)
        self.result = LoadResult()
        self.measure_from = self.measure_until = float("inf")
        self.stopping = False

    async def prime(self, concurrency: int) -> int:
        """Send rounds of `concurrency` simultaneous requests until three rounds in a row are answered
        quickly: every worker has then opened its database connection and loaded jieba's dictionary
        (about a second each, which would otherwise pile up a backlog that spills into the window)."""
        deadline = time.perf_counter() + PRIME_TIMEOUT
        rounds = fast = 0
        while fast < 3 and time.perf_counter() < deadline:
            started = time.perf_counter()
            await asyncio.gather(*(self._single(i % self.clients) for i in range(concurrency)))
            rounds += 1
            fast = fast + 1 if time.perf_counter() - started < PRIMED_ROUND else 0
        return rounds

    async def _single(self, index: int) -> None:
        """One request on a connection of its own."""
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return
        try:
            body = self.rng.choice(self.bodies)
            writer.write(b"%sContent-Length: %d\r\n\r\n%s" % (self.heads[index], len(body), body))
            status, response, _close = await read_response(reader)
            if status == 201:
                self.result.created_total += 1
                self.result.serials.append(json.loads(response)["serial"])
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def run(self, warmup: float, duration: float, on_window, prime: int = 0) -> LoadResult:
        """Prime the workers, warm up, measure for `duration` (calling on_window("start"/"end") at its
        edges), then drain."""
        if prime:
            await self.prime(prime)
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(self._client(i)) for i in range(self.clients)]
        try:
            await asyncio.sleep(warmup)
            on_window("start")
            self.measure_from = time.perf_counter()
            self.measure_until = self.measure_from + duration
            await asyncio.sleep(duration)
            on_window("end")
            self.result.window = time.perf_counter() - self.measure_from
            self.stopping = True
            _done, pending = await asyncio.wait(tasks, timeout=DRAIN_TIMEOUT)
            self.result.unfinished = len(pending)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return self.result

    async def _client(self, index: int) -> None:
        result, head, bodies, choice = self.result, self.heads[index], self.bodies, self.rng.choice
        reader = writer = None
        sent_on_connection = 0
        next_send = time.perf_counter() + (self.interval or 0) * index / self.clients
        try:
            while not self.stopping:
                if self.interval and (delay := next_send - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
                    if self.stopping:
                        break
                if writer is None:
                    try:
                        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    except OSError as error:
                        self._record(time.perf_counter(), 0.0, type(error).__name__)
                        await asyncio.sleep(0.1)
                        continue
                    result.connections += 1
                    sent_on_connection = 0
                body = choice(bodies)
                started = time.perf_counter()
                if self.interval:
                    # Latency from the scheduled send time, so a slow server is not hidden by late sends.
                    started, next_send = min(started, next_send), next_send + self.interval
                try:
                    writer.write(b"%sContent-Length: %d\r\n\r\n%s" % (head, len(body), body))
                    status, response, close = await read_response(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    self._record(time.perf_counter(), 0.0, type(error).__name__)
                    writer.close()
                    reader = writer = None
                    await asyncio.sleep(0.01)
                    continue
                finished = time.perf_counter()
                if status == 201:
                    result.created_total += 1
                    result.serials.append(json.loads(response)["serial"])
                self._record(finished, finished - started, status, started)
                sent_on_connection += 1
                if close or sent_on_connection == self.per_connection:
                    writer.close()
                    reader = writer = None
        finally:
            if writer is not None:
                writer.close()

    def _record(self, finished: float, latency: float, status, started: float | None = None) -> None:
        # A response counts when it completes inside the window; its latency is kept with it.
        if self.measure_from <= finished <= self.measure_until:
            self.result.statuses[status] += 1
            if started is not None:
                self.result.latencies.append(latency)
                self.result.finished_at.append(finished - self.measure_from)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server closes the connection, for one HTTP/1.1 response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
    close = headers.get(b"connection", b"").lower() == b"close"
    if b"content-length" in headers:
        return status, await reader.readexactly(int(headers[b"content-length"])), close
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        return status, b"".join(chunks), close
    return status, await reader.read(), True


# --- Reporting ---------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def print_timeline(result: LoadResult) -> None:
    """Responses per second of the window with their median and slowest latency: shows stalls."""
    seconds: dict[int, list[float]] = {}
    for at, latency in zip(result.finished_at, result.latencies, strict=True):
        seconds.setdefault(int(at), []).append(latency)
    for second in range(math.ceil(result.window)):
        values = sorted(seconds.get(second, []))
        if values:
            median, slowest = percentile(values, 0.5) * 1000, values[-1] * 1000
            print(f"    {second:3d} s: {len(values):4d} answers, p50 {median:4.0f} ms, max {slowest:4.0f} ms")
        else:
            print(f"    {second:3d} s:    0 answers")


def describe_errors(statuses: Counter) -> str:
    errors = {str(k): v for k, v in statuses.items() if k != 201}
    if not errors:
        return "none"
    return ", ".join(f"{v:,} × {k}" for k, v in sorted(errors.items(), key=lambda item: -item[1]))


@dataclass(frozen=True)
class Phase:
    label: str
    path: str


# The reference first: if anything in the run favoured one of the two, it would be the reference.
PHASES = [Phase("bare insert", REFERENCE_PATH), Phase("submit", SUBMIT_PATH)]


def report(
    phase: Phase, spec: ServerSpec, result: LoadResult, cpu: CpuWatch, backends: BackendSampler, args
) -> dict:
    before, after = cpu.samples["start"], cpu.samples["end"]
    window = result.window
    latencies = sorted(result.latencies)
    created = result.statuses.get(201, 0)
    p50, p95, p99, top = (percentile(latencies, f) * 1000 for f in (0.50, 0.95, 0.99, 1.0))
    rate = created / window
    print(
        f"{phase.label}: {created:,} messages in {window:.1f} s = {rate:,.0f} msg/s; "
        f"latency p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {top:.0f} ms; "
        f"errors: {describe_errors(result.statuses)}",
        flush=True,
    )

    def share(attribute: str) -> float:
        if attribute == "postgres":
            return postgres_seconds(before, after) / window * 100
        return (getattr(after, attribute) - getattr(before, attribute)) / window * 100

    machine = (after.machine_busy - before.machine_busy) / (after.machine_total - before.machine_total)
    cores = os.cpu_count() or 1
    ours = share("client") + share("server") + share("postgres")
    other = max(0.0, machine * cores * 100 - ours)
    per_message = 10 / max(rate, 1e-9)  # % of a core → ms per message
    # Anything else running on the machine (other test suites, say) takes CPU from the server: show it.
    print(
        f"  cpu (100% = one core): client {share('client'):.0f}%, gunicorn {share('server'):.0f}%, "
        f"postgres {share('postgres'):.0f}%, other processes {other:.0f}%; "
        f"machine busy {machine * 100:.0f}% of {cores} cores; per message: gunicorn "
        f"{share('server') * per_message:.2f} ms, postgres {share('postgres') * per_message:.2f} ms; "
        f"client connections opened: {result.connections}",
        flush=True,
    )
    per_worker = [(b - a) / window * 100 for a, b in zip(before.workers, after.workers, strict=True)]
    print(f"  cpu per gunicorn worker: {', '.join(f'{share:.0f}%' for share in per_worker)}", flush=True)
    print(f"  postgres backends, mean over the window: {backends.summary()}", flush=True)
    if args.timeline:
        print_timeline(result)
    return {
        "phase": phase.label,
        "spec": str(spec),
        "rate": rate,
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "other": other,
    }


@dataclass
class Totals:
    """Over the whole run, warm-ups included: what the checks compare the database with."""

    created: Counter = field(default_factory=Counter)  # 201 responses by phase label
    serials: list[str] = field(default_factory=list)  # the submissions' serials
    rounds: list[dict[str, dict]] = field(default_factory=list)  # per round: phase label → summary


def run_phase(
    server: Server, phase: Phase, spec: ServerSpec, args, tokens, bodies, database: Database, rng, prime: int
) -> tuple[LoadResult, dict]:
    backends = BackendSampler(database)
    try:
        seed = rng.randrange(1 << 30)
        load = Load(
            server.port,
            phase.path,
            tokens,
            bodies,
            args.clients,
            seed,
            args.rate,
            args.requests_per_connection,
        )
        cpu = CpuWatch([server.process.pid, *server.worker_pids()], database)

        def on_window(edge: str) -> None:
            cpu.mark(edge)
            backends.mark(edge)

        result = asyncio.run(load.run(args.warmup, args.duration, on_window, prime))
    finally:
        backends.stop()
    summary = report(phase, spec, result, cpu, backends, args)
    if result.unfinished:
        print(f"  {result.unfinished} requests cut off after {DRAIN_TIMEOUT} s; outcome unknown")
    return result, summary


def run_server(
    spec: ServerSpec, env: dict[str, str], args, tokens, bodies, database: Database, rng, totals: Totals
) -> None:
    """Start gunicorn, run the rounds of reference and submissions against it, stop gunicorn."""
    server = Server(spec, env, args.app)
    try:
        server.start()
        pacing = f"paced to {args.rate:g} requests/s" if args.rate else "each as fast as it can"
        print(
            f"run: gunicorn {spec} serving {args.app} on 127.0.0.1:{server.port}; {args.clients} clients "
            f"{pacing}; {args.rounds} rounds of {' then '.join(p.label for p in PHASES)}, each "
            f"{args.warmup:g} s warm-up + {args.duration:g} s measured",
            flush=True,
        )
        prime = 2 * spec.workers * spec.threads
        for number in range(1, args.rounds + 1):
            for attempt in range(1, args.retries + 2):
                wait_until_quiet(args.wait_quiet)
                print(f"round {number}:", flush=True)
                summaries = {}
                for phase in PHASES:
                    result, summaries[phase.label] = run_phase(
                        server, phase, spec, args, tokens, bodies, database, rng, prime
                    )
                    prime = 0  # the workers are warm after the first phase
                    totals.created[phase.label] += result.created_total
                    if phase.path == SUBMIT_PATH:
                        totals.serials += result.serials
                noisiest = max(s["other"] for s in summaries.values())
                if noisiest <= args.max_other or attempt > args.retries:
                    break
                print(
                    f"  discarded: other processes took {noisiest:.0f}% of a core during the round "
                    f"(more than --max-other {args.max_other:g}%); running it again",
                    flush=True,
                )
            reference, submitted = (summaries[p.label] for p in PHASES)
            ratio = submitted["rate"] / max(reference["rate"], 1e-9)
            print(
                f"round {number}: submissions at {ratio:.0%} of the bare insert "
                f"({submitted['rate']:,.0f} vs {reference['rate']:,.0f} msg/s)",
                flush=True,
            )
            totals.rounds.append(summaries)
    finally:
        server.stop()
        if server.process is not None and server.process.returncode not in (0, None):
            print(f"  gunicorn exited with {server.process.returncode}:\n{server.log_tail()}")
        server.cleanup()


# What `liuyan run_periodic` would find of the submissions still waiting after the workers ran the queue dry.
SWEEP = """
import json
from liuyan.board.actions.submission import follow_up_submissions
print("BENCH_JSON " + json.dumps({"finished": follow_up_submissions()}))
"""


def drain_queue(env: dict[str, str], workers: int) -> None:
    """Run `workers` task workers in batch mode until the queue is empty; print how long it took."""
    time.sleep(FOLLOW_UP_DELAY)  # the last follow-up tasks are due this long after they were enqueued
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [str(LIUYAN), "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0.1"]
    processes = [
        subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        for _ in range(workers)
    ]
    try:
        for process in processes:
            _out, errors = process.communicate(timeout=QUEUE_DRAIN_TIMEOUT)
            if process.returncode != 0:
                sys.stderr.write(errors)
                raise RuntimeError(f"liuyan db_worker failed with exit code {process.returncode}")
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(
        f"drain: {workers} task workers (liuyan db_worker --batch) ran the queue dry in "
        f"{time.monotonic() - started:.1f} s, {cpu:.1f} s of CPU",
        flush=True,
    )


def check(totals: Totals, verified: dict) -> bool:
    """Print the checks of the database against the responses; True when all hold."""
    submitted = totals.created["submit"]
    tasks = verified["tasks"]
    done = tasks.get("SUCCESSFUL", 0)
    digest = hashlib.sha256("\n".join(sorted(totals.serials)).encode()).hexdigest()
    results = {
        "Message rows = 201 responses": (
            verified["messages"] == submitted,
            f"{verified['messages']:,} vs {submitted:,}",
        ),
        "serial numbers unique, = those answered": (
            verified["duplicate_serials"] == 0
            and verified["distinct_serials"] == verified["messages"]
            and digest == verified["serials_digest"],
            f"{verified['distinct_serials']:,} distinct, {verified['duplicate_serials']} duplicated",
        ),
        "a 'submitted' event per message": (
            verified["submitted_events"] == verified["messages"],
            f"{verified['submitted_events']:,}",
        ),
        "bare-insert rows and events = its 201 responses": (
            verified["reference_rows"] == verified["reference_events"] == totals.created["bare insert"],
            f"{verified['reference_rows']:,} rows, {verified['reference_events']:,} events vs "
            f"{totals.created['bare insert']:,}",
        ),
        "task queue drained, no task failed": (
            set(tasks) <= {"SUCCESSFUL"} and verified["uncounted"] == 0,
            f"{done:,} tasks done; {tasks}; {verified['uncounted']} messages not yet finished",
        ),
        "every message has search tokens, a similarity signature, a notification": (
            verified["without_tokens"] == 0
            and verified["signatures"] == verified["notifications"] == verified["messages"],
            f"{verified['without_tokens']} without tokens, {verified['signatures']:,} signatures, "
            f"{verified['notifications']:,} notifications",
        ),
        "count tables = a recount from the messages": (
            verified["count_rows_wrong"] == 0,
            f"{verified['count_rows']:,} rows, {verified['count_rows_wrong']} different",
        ),
    }
    for name, (ok, detail) in results.items():
        print(f"check: {name}: {'OK' if ok else 'FAILED'} ({detail})", flush=True)
    return all(ok for ok, _ in results.values())


def print_summary(totals: Totals) -> None:
    reference, submitted = ([r[p.label] for r in totals.rounds] for p in PHASES)
    ratio = sum(s["rate"] for s in submitted) / max(sum(r["rate"] for r in reference), 1e-9)
    print("summary (mean over rounds):")
    for label, rows in (("bare insert", reference), ("submit", submitted)):
        mean = {key: sum(row[key] for row in rows) / len(rows) for key in ("rate", "p50", "p95", "p99")}
        print(
            f"  {label:<12} {mean['rate']:6,.0f} msg/s  p50 {mean['p50']:4.0f}  p95 {mean['p95']:4.0f}  "
            f"p99 {mean['p99']:4.0f} ms"
        )
    print(f"  submissions at {ratio:.0%} of the bare insert", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients",
        type=int,
        default=32,
        help="concurrent clients, each on its own connection (kept alive where the server allows) [32]",
    )
    parser.add_argument("--duration", type=float, default=20, help="measured seconds of each phase [20]")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="rounds of the bare-insert reference then submissions, on the same server [2]",
    )
    parser.add_argument(
        "--drain-workers", type=int, default=2, help="task workers that run the queue dry after the load [2]"
    )
    # Long enough for every worker to open its database connections and load jieba's dictionary (~1 s).
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before measuring [5]")
    parser.add_argument(
        "--rate",
        type=float,
        help="pace the clients to this many requests/s in all (open loop: latency at a given load); "
        "by default each client sends its next request as soon as the last is answered (saturation)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers [4]")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker; more than 1 means gthread [1]"
    )
    parser.add_argument(
        "--sweep",
        type=lambda text: [ServerSpec.parse(part) for part in text.split(",")],
        help="several server shapes, one run each on the same database: 4 (sync workers), "
        "2x4 (gthread workers × threads), e.g. 4,6,2x4,3x2",
    )
    parser.add_argument(
        "--requests-per-connection",
        type=int,
        default=10,
        help="a client reconnects after this many requests (0: never). A gthread worker serves a keep-alive "
        "connection for good, so connections that never close can leave one worker with most of the "
        "load and another idle; reconnecting lets the less busy workers pick them up [10]",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60,
        help="before each run, wait up to this many seconds for other processes to leave the CPU [60]",
    )
    parser.add_argument(
        "--max-other",
        type=float,
        default=25,
        help="a run during which other processes took more than this %% of a core is run again [25]",
    )
    parser.add_argument("--retries", type=int, default=2, help="how many times a run may be repeated [2]")
    parser.add_argument("--users", type=int, help="citizen accounts, one token each [= clients]")
    parser.add_argument("--provinces", default=DEFAULT_PROVINCES, help="leaders from these provinces")
    parser.add_argument("--bodies", type=int, default=4000, help="distinct request bodies prepared [4000]")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--cache-url", default="locmem://", help="CACHE_URL of the server [locmem://]")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--timeline", action="store_true", help="print each second's responses and latency")
    parser.add_argument(
        "--app",
        default="liuyan.wsgi:application",
        help="the WSGI application gunicorn serves; another importable module (PYTHONPATH) lets an "
        "experiment patch the server without touching the project [liuyan.wsgi:application]",
    )
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.warmup < 0 or args.rounds < 1 or args.drain_workers < 1:
        parser.error("--clients, --rounds and --drain-workers must be ≥ 1, --duration > 0 and --warmup ≥ 0")
    if args.sweep is None:
        args.sweep = [ServerSpec("gthread" if args.threads > 1 else "sync", args.workers, args.threads)]
    args.users = args.users or args.clients
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Stopped with SIGTERM, still stop gunicorn and drop the database (the `finally` blocks).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    database = Database.from_url(args.database_url)
    db_version = database.server_version()
    env = project_env(database, args.cache_url)
    rng = random.Random(args.seed)
    started = time.monotonic()

    print(f"set-up: database {database.name} ({db_version}), cache {args.cache_url}", flush=True)
    database.recreate()
    ok = False
    try:
        liuyan(env, "migrate", "--noinput")
        liuyan(env, "seed_directory")
        accounts = liuyan_shell(env, SETUP_ACCOUNTS, users=args.users, provinces=args.provinces.split(","))
        if not accounts["leaders"]:
            raise RuntimeError(f"no active leaders in provinces {args.provinces}")
        bodies = request_bodies(rng, accounts["leaders"], args.bodies)
        print(
            f"set-up: migrated, seeded, {args.users} citizens with tokens, "
            f"{len(accounts['leaders'])} leaders in provinces {args.provinces}, "
            f"{len(bodies)} request bodies, in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        totals = Totals()
        sweep = []
        for spec in args.sweep:
            rounds_before = len(totals.rounds)
            run_server(spec, env, args, accounts["tokens"], bodies, database, rng, totals)
            sweep.append((spec, totals.rounds[rounds_before:]))
        print_summary(totals)
        if len(sweep) > 1:
            print("sweep (submissions, mean over rounds):")
            for spec, rounds in sweep:
                rows = [r["submit"] for r in rounds]
                rate = sum(r["rate"] for r in rows) / len(rows)
                p99 = sum(r["p99"] for r in rows) / len(rows)
                reference = sum(r["bare insert"]["rate"] for r in rounds) / len(rounds)
                print(
                    f"  {spec!s:<40} {rate:5.0f} msg/s  p99 {p99:4.0f} ms  ({rate / reference:.0%} of bare)"
                )
        drain_queue(env, args.drain_workers)
        swept = liuyan_shell(env, SWEEP)["finished"]
        print(f"drain: then {swept} submissions left for run_periodic's follow_up_submissions", flush=True)
        verified = liuyan_shell(env, VERIFY, reference_prefix=REFERENCE_PREFIX)
        ok = check(totals, verified)
    finally:
        if args.keep:
            print(f"kept database {database.name}: DATABASE_URL={database.url}")
        else:
            database.drop()
    print(f"done in {time.monotonic() - started:.0f} s", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
