from argparse import ArgumentTypeError
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liuyan.reports import opendata


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = (
        "Write the open-data ZIP (public messages and published replies, masked, with a README of the "
        "columns). Without --out it goes to VAR_DIR/open-data/, where the /open-data/ page offers the "
        f"latest one, and only the newest {opendata.KEEP_ARCHIVES} are kept there. For cron, nightly: "
        "`0 3 * * * liuyan export_open_data`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="the ZIP file to write (replaced once complete)")
        parser.add_argument(
            "--from", dest="date_from", type=_date, help="first day of publication (YYYY-MM-DD, inclusive)"
        )
        parser.add_argument("--to", dest="date_to", type=_date, help="last day of publication (inclusive)")

    def handle(self, *args, out: Path | None, date_from: date | None, date_to: date | None, **options):
        if date_from and date_to and date_from > date_to:
            raise CommandError("--from is after --to.")
        if out is not None and out.suffix.lower() != ".zip":
            raise CommandError(f"--out should name a .zip file, not {out}.")
        target = out or opendata.default_archive_path()
        counts = opendata.write_open_data(target, date_from, date_to)
        if out is None:
            opendata.prune_archives()
        self.stdout.write(f"{target}: {counts['messages']} messages, {counts['replies']} replies")
