import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liuyan.reports.brief import BriefError, build_brief, render_brief_html, write_brief_pdf, yesterday


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD / bad date: {value}") from None


class Command(BaseCommand):
    help = (
        "Write the daily brief (每日留言简报) of a day as HTML or PDF: the day's figures against the day "
        "before, messages by region, domain and type, hot topics, notable, overdue and supervised messages, "
        "leaders' instructions. Prints the file written and the seconds taken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day (YYYY-MM-DD); default: yesterday (Asia/Shanghai)")
        parser.add_argument("--region", help="a region code (the region with its subtree); default: national")
        parser.add_argument("--campaign", help="a campaign slug instead of a region")
        parser.add_argument("--format", choices=["html", "pdf"], default="pdf", help="default: pdf")
        parser.add_argument("--out", required=True, help="the file to write")

    def handle(self, *args, date: str | None, region: str | None, campaign: str | None, **options):
        if region and campaign:
            raise CommandError("--region 与 --campaign 只能选一个 / use --region or --campaign, not both")
        day = _day(date) if date else yesterday()
        out = Path(options["out"])
        started = time.perf_counter()
        try:
            brief = build_brief(day, region=region, campaign=campaign)
        except BriefError as error:
            raise CommandError(f"{error} / unknown region or campaign") from None
        if options["format"] == "pdf":
            write_brief_pdf(brief, out)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(render_brief_html(brief, mode="file"), encoding="utf-8")
        self.stdout.write(f"{out}\n{time.perf_counter() - started:.2f} 秒 / seconds")
