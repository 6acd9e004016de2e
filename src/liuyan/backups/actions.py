"""Backups of the whole site and restoring one: the database (pg_dump's custom format on PostgreSQL, an
online copy on SQLite), the attachments (MEDIA_ROOT) and a manifest, in one tar.gz."""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from liuyan.accounts.models import User
from liuyan.board.models import Attachment, Message

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA = "media"
PG_BIN_DIRS = "/usr/lib/postgresql/*/bin"


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: dict


def write_backup(directory: Path, *, using: str = "default") -> Backup:
    """Write liuyan-backup-<local time>.tar.gz into `directory` (readable by its owner only: it holds
    citizens' personal data). The archive appears under its name only once it is complete."""
    connection = connections[using]
    vendor = _vendor(connection)
    directory.mkdir(parents=True, exist_ok=True)
    created = timezone.now()
    target = directory / f"liuyan-backup-{timezone.localtime(created):%Y%m%d-%H%M%S}.tar.gz"
    manifest = {
        "format": FORMAT,
        "created_at": created.isoformat(),
        "database": {"vendor": vendor, "name": connection.settings_dict["NAME"]},
        "migrations": _applied_migrations(connection),
        # As the backup started; the dump itself is one consistent snapshot taken just after.
        "counts": {
            "messages": Message.objects.using(using).count(),
            "users": User.objects.using(using).count(),
            "attachments": Attachment.objects.using(using).count(),
        },
        "files": {},
    }
    with tempfile.TemporaryDirectory(prefix=".liuyan-backup-", dir=directory) as work:
        dump = Path(work) / DATABASE_MEMBERS[vendor]
        _dump_database(connection, dump)
        # Media after the database: an attachment's file is saved before its row commits, so every
        # attachment in the dump has its file here (a file newer than the dump is merely unused).
        members = [(dump.name, dump), *_media_files()]
        for name, path in members:
            manifest["files"][name] = _sha256(path)
        partial = Path(work) / target.name
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(created.timestamp()), 0o600
            archive.addfile(info, io.BytesIO(body))
            for name, path in members:
                archive.add(path, arcname=name, recursive=False)
        os.replace(partial, target)
    return Backup(target, manifest)


def read_manifest(archive_path: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.extractfile(MANIFEST)
            manifest = json.load(member)
    except (OSError, KeyError, tarfile.TarError, ValueError) as error:
        raise BackupError(f"{archive_path} is not a Liuyan backup: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive_path} has backup format {manifest.get('format')!r}; this code reads {FORMAT}."
        )
    return manifest


def restore_backup(archive_path: Path, *, using: str = "default") -> dict:
    """Replace the configured database and MEDIA_ROOT with the archive's; returns its manifest.

    Everything is checked before anything is touched: the database vendor, that the code knows every
    migration the archive's database has, and every file's checksum."""
    manifest = read_manifest(archive_path)
    connection = connections[using]
    vendor = _vendor(connection)
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            f"the archive holds a {manifest['database']['vendor']} database; the configured one is {vendor}."
        )
    unknown = _migrations_unknown_to_code(manifest["migrations"], connection)
    if unknown:
        raise BackupError(
            "the archive's database has migrations this code does not know (restore it with the code it "
            "was made with, or a newer one): " + ", ".join(unknown)
        )
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix=".liuyan-restore-") as work,
        tempfile.TemporaryDirectory(prefix=f".{media_root.name}-restore-", dir=media_root.parent) as staging,
    ):
        database_file = Path(work) / DATABASE_MEMBERS[vendor]
        new_media = Path(staging) / MEDIA
        _extract_checked(archive_path, manifest, database_file, new_media)
        connection.close()
        _restore_database(connection, database_file)
        old_media = Path(staging) / "replaced"
        if media_root.exists():
            media_root.rename(old_media)
        new_media.mkdir(exist_ok=True)
        new_media.rename(media_root)
    return manifest


def _vendor(connection) -> str:
    if connection.vendor not in DATABASE_MEMBERS:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def _applied_migrations(connection) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _migrations_unknown_to_code(applied: dict[str, list[str]], connection) -> list[str]:
    loader = MigrationLoader(connection, ignore_no_migrations=True, load=True)
    # An app the code no longer has is not "newer"; its tables are merely unused.
    return [
        f"{app}.{name}"
        for app, names in sorted(applied.items())
        if app in loader.migrated_apps
        for name in names
        if (app, name) not in loader.disk_migrations
    ]


def _media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return [
        (f"{MEDIA}/{path.relative_to(root).as_posix()}", path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    ]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _extract_checked(archive_path: Path, manifest: dict, database_file: Path, media_dir: Path) -> None:
    """Extract the database file and the media files, refusing any other member, any path leaving its
    directory, and any file whose checksum differs from the manifest's."""
    expected = dict(manifest["files"])
    database_member = DATABASE_MEMBERS[manifest["database"]["vendor"]]
    with tarfile.open(archive_path, "r:gz") as archive:
        for member in archive:
            if member.name == MANIFEST:
                continue
            if not member.isfile() or member.name not in expected:
                raise BackupError(f"the archive holds an unexpected entry: {member.name!r}.")
            if member.name == database_member:
                destination = database_file
            else:
                relative = PurePosixPath(member.name).relative_to(MEDIA)
                if ".." in relative.parts or relative.is_absolute():
                    raise BackupError(f"the archive holds an unsafe path: {member.name!r}.")
                destination = media_dir.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with archive.extractfile(member) as source, destination.open("wb") as out:
                for block in iter(lambda s=source: s.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
            if digest.hexdigest() != expected.pop(member.name):
                raise BackupError(f"{member.name} does not match its checksum: the archive is damaged.")
    if expected:
        raise BackupError("the archive lacks files its manifest lists: " + ", ".join(sorted(expected)))


def _dump_database(connection, target: Path) -> None:
    if connection.vendor == "sqlite":
        # SQLite's online backup: a consistent copy even while the site writes (WAL included).
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    _run_pg("pg_dump", "--format=custom", "--no-password", f"--file={target}", connection=connection)


def _restore_database(connection, source: Path) -> None:
    if connection.vendor == "sqlite":
        # The backup API in the other direction replaces the whole file's content, schema included, and
        # leaves no stale -wal/-shm beside it as copying the file over would.
        archived = sqlite3.connect(source)
        current = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            archived.backup(current)
        finally:
            current.close()
            archived.close()
        return
    # Tables the archive does not have (made by migrations after the backup) would make a later
    # `migrate` fail; they hold only data newer than the backup, which the restore discards anyway.
    listing = _run_pg("pg_restore", "--list", str(source), connection=connection, database=False)
    # Entries read "<id>; <table oid> <oid> TABLE <schema> <name> <owner>" (and "TABLE DATA …" for rows).
    archived_tables = {
        parts[5]
        for parts in (line.split() for line in listing.splitlines() if not line.startswith(";"))
        if len(parts) > 5 and parts[3] == "TABLE" and parts[4] != "DATA"
    }
    with connection.cursor() as cursor:
        current = set(connection.introspection.table_names(cursor))
        for table in sorted(current - archived_tables):
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
    connection.close()
    _run_pg(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={connection.settings_dict['NAME']}",
        str(source),
        connection=connection,
        database=False,
    )


def _run_pg(program: str, *arguments: str, connection, database: bool = True) -> str:
    """Run a PostgreSQL client with the connection's settings in its environment (PGPASSWORD there,
    not on the command line where `ps` would show it)."""
    config = connection.settings_dict
    environment = dict(os.environ)
    values = {
        "PGHOST": config.get("HOST"),
        "PGPORT": config.get("PORT"),
        "PGUSER": config.get("USER"),
        "PGPASSWORD": config.get("PASSWORD"),
        "PGSSLMODE": config.get("OPTIONS", {}).get("sslmode"),
        "PGDATABASE": config["NAME"] if database else None,
    }
    environment.update({key: str(value) for key, value in values.items() if value})
    result = subprocess.run(
        [_pg_program(program), *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")
    return result.stdout


def _pg_program(name: str) -> str:
    """The client on PATH, else the newest installed one (Debian keeps them per version)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/").glob(PG_BIN_DIRS.lstrip("/") + f"/{name}"), key=lambda p: int(p.parts[-3]), reverse=True
    )
    if not candidates:
        raise BackupError(f"{name} is not installed (the PostgreSQL client, the server's version or newer).")
    return str(candidates[0])
