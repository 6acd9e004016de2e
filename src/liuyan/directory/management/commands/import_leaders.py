from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liuyan.directory.leader_import import LeaderFileError, import_leaders


class Command(BaseCommand):
    help = (
        "Set leaders' names, dates of office and photos from a .csv or .xlsx file with the columns "
        "代码 (region code or central department code), 职务, 姓名, 任职时间 (optional), "
        "照片 (optional path, relative to the file). Rows naming no known leader are reported and skipped; "
        "the other rows are applied."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        try:
            result = import_leaders(options["file"])
        except LeaderFileError as error:
            raise CommandError(str(error)) from None
        for line, reason in result.refused:
            self.stderr.write(f"第 {line} 行未导入：{reason}")
        refused = len(result.refused)
        summary = f"已更新 {result.updated} 位领导，{result.unchanged} 行无变化，{refused} 行未导入。"
        self.stdout.write(self.style.SUCCESS(summary))
