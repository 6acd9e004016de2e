from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from liuyan.board.lifecycle import markdown

DOC = Path(settings.BASE_DIR) / "docs" / "lifecycle.md"


class Command(BaseCommand):
    help = (
        "Print docs/lifecycle.md (the state diagram and the table of steps) as generated from "
        "board/lifecycle.py; with --write, write it there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"write {DOC} instead of printing it")

    def handle(self, *args, write: bool, **options):
        if write:
            DOC.parent.mkdir(exist_ok=True)
            DOC.write_text(markdown(), encoding="utf-8")
            self.stderr.write(f"wrote {DOC}")
        else:
            self.stdout.write(markdown(), ending="")
