from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from liuyan.backups.actions import BackupError, write_backup


class Command(BaseCommand):
    help = (
        "Back up the database and the attachments into one tar.gz with a manifest (time, database, "
        "migrations, counts, checksums). Without --out it goes to VAR_DIR/backups/. Nightly from cron: "
        "`30 2 * * * liuyan backup --out /srv/backups/liuyan`. The archive holds personal data: it is "
        "written readable by its owner only; copy it off the machine encrypted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="the directory to write the archive into")

    def handle(self, *args, out: Path | None, **options):
        try:
            backup = write_backup(out or Path(settings.VAR_DIR) / "backups")
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = backup.manifest["counts"]
        self.stdout.write(
            f"{backup.path}: {counts['messages']} messages, {counts['users']} users, "
            f"{counts['attachments']} attachments, {backup.path.stat().st_size} bytes"
        )
