"""Throughput of the public pages with the page cache (web/page_cache.py) on and off, under gunicorn and
wrk, with a bare Django endpoint (/hello, bench/scale_urls.py) measured by the same server in the same run.

    .venv/bin/python bench/page_cache.py --database-url postgres://…/liuyan_bench_httpcache
        [--cache-url file:///tmp/…|redis://127.0.0.1:6379/13] [--connections 32] [--seconds 10]

Against a filled database (one made by `bench/reports.py --keep`), it starts gunicorn (4 sync workers) twice
— LIUYAN_PAGE_CACHE=1, then 0 — and for each page runs wrk with --connections connections for --seconds
seconds, anonymous (no cookie), after one request that fills the cache. It prints requests/s and the
p50/p95/p99 latency (wrk's own histogram, through a small Lua script), and the share of non-200 answers.
Every process runs on this machine, so the client's CPU is taken from the server's.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
BIN = ROOT / ".venv" / "bin"
# wrk prints its own latency percentiles (microseconds) and the count of non-2xx/3xx answers.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  for _, p in pairs({50, 95, 99}) do
    io.write(string.format("p%d %d\\n", p, latency:percentile(p)))
  end
  io.write(string.format("requests %d\\nerrors %d\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cache-url", default="", help="CACHE_URL (default: a new file cache folder)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--modes", default="on,off", help="page cache modes to run: on, off")
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="N",
        help="instead: CPU per request of N requests of each page through Django's WSGI handler in this "
        "process, with the page cache on and off (no server, no client: robust to a busy machine)",
    )
    return parser.parse_args()


def sample_paths(database_url: str) -> list[str]:
    """The pages of the issue's table, with a real message and leader of the database."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        message_id, leader_id = conn.execute(
            "SELECT id, leader_id FROM board_message WHERE public AND NOT hidden AND state = 'replied' "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        region = conn.execute(
            "SELECT code FROM directory_region WHERE level = 'prefecture' LIMIT 1"
        ).fetchone()
    return [
        "/hello",
        "/",
        "/messages/",
        "/messages/?page=50",
        f"/messages/{message_id}/",
        f"/leaders/{leader_id}/",
        f"/regions/{region[0]}/",
        "/search/?q=%E7%89%A9%E4%B8%9A",
        "/stats/",
        "/api/v1/messages",
        f"/api/v1/messages/{message_id}",
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(args, page_cache: bool, var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="scale_settings",
        PYTHONPATH=os.pathsep.join([str(BENCH_DIR), str(ROOT / "src")]),
        LIUYAN_VAR_DIR=var_dir,
        DATABASE_URL=args.database_url,
        CACHE_URL=args.cache_url or f"file://{var_dir}/cache",
        LIUYAN_PAGE_CACHE="1" if page_cache else "0",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    return env


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "liuyan.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--timeout=120",
        "--log-level=warning",
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello", timeout=5) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def fetch(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            return response.status, time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, time.perf_counter() - started


def wrk(url: str, connections: int, seconds: int, script: Path) -> dict[str, float]:
    output = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout=30s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for name in ("p50", "p95", "p99", "requests", "errors"):
        figures[name] = float(re.search(rf"^{name} (\d+)$", output, re.M).group(1))
    return figures


def in_process(args, paths: list[str]) -> None:
    """CPU time per request through the whole middleware stack, without sockets or a client."""
    var_dir = tempfile.mkdtemp(prefix="bench-page-cache-")
    os.environ.update(server_env(args, True, var_dir))
    sys.path[:0] = [str(BENCH_DIR), str(ROOT / "src")]
    import django
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    django.setup()
    handler = WSGIHandler()

    def request(path: str) -> int:
        target, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": target,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": __import__("io").BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        statuses = []
        body = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(body)
        body.close()
        return int(statuses[0].split()[0])

    print(f"CPU per request in one process, {args.in_process} requests each, cache {os.environ['CACHE_URL']}")
    print(f"{'page':<34} {'cache on µs':>12} {'cache off µs':>13}")
    for path in paths:
        costs = []
        for enabled in (True, False):
            with override_settings(LIUYAN_PAGE_CACHE=enabled):
                status = request(path)  # fills the cache (on), warms the process's own caches (off)
                count = args.in_process if enabled or path == "/hello" else max(3, args.in_process // 100)
                started = time.process_time()
                for _ in range(count):
                    request(path)
                costs.append((time.process_time() - started) / count * 1e6)
        note = "" if status == 200 else f"  (answer {status})"
        print(f"{path[:34]:<34} {costs[0]:>12.0f} {costs[1]:>13.0f}{note}", flush=True)


def main() -> None:
    args = parse_args()
    paths = sample_paths(args.database_url)
    if args.in_process:
        return in_process(args, paths)
    script = Path(tempfile.mkstemp(prefix="bench-wrk-", suffix=".lua")[1])
    script.write_text(WRK_SCRIPT)
    print(
        f"wrk -c{args.connections} -d{args.seconds}s, gunicorn {args.workers} sync workers, "
        f"database {args.database_url.rsplit('/', 1)[1]}, cache {args.cache_url or 'file (new folder)'}"
    )
    columns = ("req/s", "p50 ms", "p95 ms", "p99 ms", "errors")
    print(f"{'mode':<6} {'page':<34} {'first':>9} " + " ".join(f"{name:>8}" for name in columns))
    for mode in args.modes.split(","):
        var_dir = tempfile.mkdtemp(prefix="bench-page-cache-")
        log = Path(var_dir) / "gunicorn.log"
        port = free_port()
        process = start_gunicorn(server_env(args, mode == "on", var_dir), port, args.workers, log)
        try:
            for path in paths:
                url = f"http://127.0.0.1:{port}{path}"
                status, first = fetch(url)
                figures = wrk(url, args.connections, args.seconds, script)
                latencies = " ".join(f"{figures[name] / 1000:>8.1f}" for name in ("p50", "p95", "p99"))
                note = "" if status == 200 else f"  (first answer {status})"
                print(
                    f"{mode:<6} {path[:34]:<34} {first * 1000:>7.0f}ms {figures['rps']:>8.0f} {latencies} "
                    f"{int(figures['errors']):>8}{note}",
                    flush=True,
                )
        finally:
            stop(process)
    script.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
