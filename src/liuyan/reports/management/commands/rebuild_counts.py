from datetime import date

from django.core.management.base import BaseCommand, CommandError

from liuyan.reports.counts import rebuild_counts


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = (
        "Recount the statistics tables (DailyCount) from the messages, for all days or for a range of days. "
        "Needed after changes made behind the actions' back (imports, edits in the admin)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="start", help="first day to recount (YYYY-MM-DD); default: the first"
        )
        parser.add_argument("--to", dest="end", help="last day (YYYY-MM-DD); default: today")

    def handle(self, *args, start: str | None, end: str | None, **options):
        first = _day(start) if start else None
        last = _day(end) if end else None
        if first and last and first > last:
            raise CommandError("起始日期不能晚于结束日期。")
        rows = rebuild_counts(first, last)
        self.stdout.write(self.style.SUCCESS(f"统计表已重算：写入 {rows} 行。"))
