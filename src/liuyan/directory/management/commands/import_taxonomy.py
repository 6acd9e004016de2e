from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liuyan.directory.actions import import_taxonomy


class Command(BaseCommand):
    help = "Import a 3-level domain taxonomy from a CSV with the columns 一级分类,二级分类,三级分类."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            with file.open(encoding="utf-8-sig", newline="") as lines:
                result = import_taxonomy(lines)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CommandError(f"{file}: {error}") from None
        for line_number, reason in result.errors:
            self.stderr.write(f"{file}:{line_number}: skipped: {reason}")
        self.stdout.write(
            self.style.SUCCESS(f"{result.created} domains created, {len(result.errors)} rows skipped.")
        )
