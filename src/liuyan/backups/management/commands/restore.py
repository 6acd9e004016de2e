from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liuyan.backups.actions import BackupError, read_manifest, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a `liuyan backup` archive: REPLACES the configured database and the attachments directory "
        "with the archive's. Stop the web and task worker processes first; run `liuyan migrate` after. "
        "Refuses without --yes, and refuses an archive made by newer code (migrations this code lacks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="the .tar.gz written by `liuyan backup`")
        parser.add_argument("--yes", action="store_true", help="really replace the current data")

    def handle(self, *args, archive: Path, yes: bool, **options):
        try:
            manifest = read_manifest(archive)
            counts = manifest["counts"]
            summary = (
                f"{archive}: made {manifest['created_at']} from {manifest['database']['vendor']}, "
                f"{counts['messages']} messages, {counts['users']} users, {counts['attachments']} attachments"
            )
            if not yes:
                raise CommandError(
                    f"{summary}.\nRestoring replaces the current database and attachments; "
                    "run again with --yes to do it."
                )
            restore_backup(archive)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored {summary}. Now run `liuyan migrate`, then start the site again.")
