"""PostgreSQL clusters of a test's own: a primary made by initdb and streaming replicas of it made by
`pg_basebackup -R`, each in a temporary folder on a free port of 127.0.0.1, stopped and removed after."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "pg_dump", "pg_restore")


def server_tools() -> Path | None:
    """The newest PostgreSQL bin folder holding every tool needed here (Debian keeps them out of PATH)."""
    folders = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    on_path = shutil.which("initdb")
    if on_path:
        folders.append(Path(on_path).parent)
    for folder in folders:
        if all((folder / tool).is_file() for tool in TOOLS):
            return folder
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: tests that run as root run the server as postgres.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Cluster:
    """One PostgreSQL cluster: a data folder and a port, run with the server tools in `tools`."""

    def __init__(self, tools: Path, folder: Path, port: int):
        self.tools, self.data, self.port = tools, folder, port
        self.log = folder.with_suffix(".log")

    def server_command(self, tool: str, *args: str) -> None:
        command = _as_server_user([str(self.tools / tool), *args])
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed: {result.stderr or result.stdout}\n{log}")

    def initdb(self) -> None:
        # trust: the default pg_hba.conf then lets 127.0.0.1 connect, for replication too.
        self.server_command(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.data.parent}"
            " -c fsync=off -c full_page_writes=off -c shared_buffers=32MB"
        )
        self.server_command("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        self.server_command("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        command = _as_server_user([str(self.tools / "pg_ctl"), "-D", str(self.data), "status"])
        return subprocess.run(command, capture_output=True, check=False).returncode == 0

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
        )

    def query(self, sql: str, *params):
        with self.connect() as connection:
            return connection.execute(sql, params).fetchone()

    def replica(self, folder: Path, port: int) -> "Cluster":
        """A streaming replica of this cluster (started): a base backup whose standby.signal and
        primary_conninfo (-R) make it follow this one."""
        replica = Cluster(self.tools, folder, port)
        self.server_command(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-D", str(folder), "-R", "-X", "stream", "--checkpoint=fast",
        )  # fmt: skip
        replica.start()
        replica.wait_until(replica.streaming)
        return replica

    def streaming(self) -> bool:
        """Whether this replica's WAL receiver is connected to its primary."""
        return self.query("SELECT EXISTS (SELECT 1 FROM pg_stat_wal_receiver)")[0]

    def wait_until(self, condition, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the cluster on port {self.port} did not get there in {seconds} s")
            time.sleep(0.05)

    def caught_up_with(self, primary: "Cluster") -> bool:
        """Whether this replica has replayed everything the primary has written so far."""
        (position,) = primary.query("SELECT pg_current_wal_lsn()")
        return self.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", str(position))[0]

    def received_from(self, primary: "Cluster") -> bool:
        (position,) = primary.query("SELECT pg_current_wal_lsn()")
        return self.query("SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", str(position))[0]


def temporary_folder() -> Path:
    """A folder the server user may write to."""
    folder = Path(tempfile.mkdtemp(prefix="liuyan-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    return folder


def dump_database(source: dict, tools: Path, dump: Path) -> None:
    """Dump the database of Django settings `source` (the custom format) into the file `dump`."""
    environment = {**os.environ, "PGPASSWORD": str(source.get("PASSWORD") or "")}
    command = [
        str(tools / "pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}",
        f"--host={source.get('HOST') or '127.0.0.1'}", f"--port={source.get('PORT') or 5432}",
        f"--username={source.get('USER') or 'postgres'}", source["NAME"],
    ]  # fmt: skip
    subprocess.run(command, env=environment, check=True, capture_output=True, timeout=300)


def restore_database(dump: Path, name: str, target: Cluster) -> None:
    """Create the database `name` in `target` from the file `dump`."""
    with target.connect() as connection:
        connection.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    command = [
        str(target.tools / "pg_restore"), "--no-owner", "--no-privileges", "--host=127.0.0.1",
        f"--port={target.port}", "--username=postgres", f"--dbname={name}", str(dump),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=300)
