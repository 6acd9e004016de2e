"""`liuyan backup` and `liuyan restore`: the database and the attachments come back as they were."""

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from PIL import Image

from liuyan.accounts.models import User
from liuyan.board.actions import submission
from liuyan.board.models import Attachment, Message
from tests.factories import make_message


@pytest.fixture
def media_root(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield tmp_path / "media"


@pytest.fixture
def saved_message(seeded_transactional_db, media_root, citizen, admin_user):
    """A message with one attachment, committed (pg_dump reads from another process)."""
    message = make_message(citizen, admin_user, title="学校门口交通拥堵")
    image = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(image, "PNG")
    (attachment,) = submission.add_attachments(
        citizen, message.id, [SimpleUploadedFile("photo.png", image.getvalue())]
    )
    return message, attachment


def back_up(tmp_path: Path) -> Path:
    call_command("backup", out=tmp_path / "backups", stdout=io.StringIO())
    (archive,) = (tmp_path / "backups").glob("liuyan-backup-*.tar.gz")
    return archive


def rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of `archive` with `change(name, data) -> data` applied to each member."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as copy:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def future(name: str, data: bytes) -> bytes:
    """An archive's manifest as newer code would write it: with a migration this code lacks."""
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["migrations"]["board"].append("9999_from_the_future")
    return json.dumps(manifest).encode()


def damage(name: str, data: bytes) -> bytes:
    return data + b"x" if name.startswith("media/") else data


@pytest.mark.slow
def test_restore_brings_back_the_database_and_the_attachments(tmp_path, saved_message, media_root):
    # One test for backing up, the refusals and restoring: each seeds the directory into a committing
    # database, which takes the time here.
    message, attachment = saved_message
    stored = Path(attachment.file.path)
    original_bytes = stored.read_bytes()
    assert stored.is_relative_to(media_root)
    archive = back_up(tmp_path)
    assert archive.stat().st_mode & 0o077 == 0  # personal data: the owner's alone

    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"] == {"vendor": connection.vendor, "name": connection.settings_dict["NAME"]}
    assert manifest["counts"] == {"messages": 1, "users": User.objects.count(), "attachments": 1}
    assert "0001_initial" in manifest["migrations"]["board"]
    database_member = "database.dump" if connection.vendor == "postgresql" else "database.sqlite3"
    media_member = f"media/{stored.relative_to(media_root).as_posix()}"
    assert set(manifest["files"]) == {database_member, media_member}

    # Afterwards: the message is edited, another arrives, a user registers, the attachment is lost.
    Message.objects.filter(pk=message.pk).update(title="改过的标题")
    make_message(message.author, User.objects.get(username="operator"), title="备份之后的留言")
    User.objects.create_user(username="newcomer", password="x-Liuyan-2026")
    Attachment.objects.all().delete()
    stored.unlink()
    (media_root / "stray.txt").write_text("after the backup")

    # Refused, and nothing touched: without --yes, an archive from newer code, a damaged archive.
    refusals = [
        (archive, False, "--yes"),
        (rewrite(archive, tmp_path / "newer.tar.gz", future), True, r"board\.9999_from_the_future"),
        (rewrite(archive, tmp_path / "damaged.tar.gz", damage), True, "checksum"),
    ]
    for refused, yes, reason in refusals:
        with pytest.raises(CommandError, match=reason):
            call_command("restore", str(refused), yes=yes, stdout=io.StringIO())
        assert Message.objects.count() == 2
        assert (media_root / "stray.txt").exists()

    call_command("restore", str(archive), yes=True, stdout=io.StringIO())

    # The test's own database was restored (the command reads the connection's settings, which
    # pytest-django pointed at the test database), not the developer's.
    assert connection.settings_dict["NAME"] == manifest["database"]["name"]
    assert list(Message.objects.values_list("title", flat=True)) == ["学校门口交通拥堵"]
    assert not User.objects.filter(username="newcomer").exists()
    restored = Attachment.objects.get()
    assert restored.pk == attachment.pk
    assert Path(restored.file.path).read_bytes() == original_bytes
    assert not (media_root / "stray.txt").exists()
