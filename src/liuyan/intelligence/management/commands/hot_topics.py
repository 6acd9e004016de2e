"""`liuyan hot_topics`: the hot topics of a file of messages or of the public messages of a period."""

import json
import time
from datetime import date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from liuyan.intelligence.clustering import find_hot_topics, read_message_file
from liuyan.intelligence.hot_topics import UnknownFilter, hot_topics_between


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text}") from None


class Command(BaseCommand):
    help = (
        "Cluster messages into hot topics ranked by volume, support and growth, each labelled with a phrase "
        "and its keywords: those of a CSV file like "
        "hot_messages.csv (--file), or the public messages submitted from --from to --to inclusive "
        "(optionally within --region CODE's subtree or --campaign SLUG; when the period holds more than "
        "the newest 10,000 messages, those are used and a notice on stderr says so). With --json, one "
        "JSON array of topics, best first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, help="a UTF-8 CSV file (留言编号, 留言主题, 留言时间, 留言详情, 点赞数)"
        )
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day (inclusive), YYYY-MM-DD")
        parser.add_argument("--region", help="region code: only messages in its subtree")
        parser.add_argument("--campaign", help="campaign slug: only its messages")
        parser.add_argument("--top", type=int, default=10, help="how many topics (default 10)")
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options):
        if options["top"] < 1:
            raise CommandError("--top 至少为 1。")
        started = time.perf_counter()
        if options["file"]:
            if options["start"] or options["end"] or options["region"] or options["campaign"]:
                raise CommandError("--file 不能与 --from/--to/--region/--campaign 同用。")
            if not options["file"].is_file():
                raise CommandError(f"找不到文件：{options['file']}")
            try:
                items = read_message_file(options["file"])
            except ValueError as error:
                raise CommandError(str(error)) from None
            topics = find_hot_topics(items, top=options["top"])
            source, notice = f"{len(items)} 条留言", ""
        else:
            if not (options["start"] and options["end"]):
                raise CommandError("请给出 --file，或同时给出 --from 和 --to。")
            first, last = _day(options["start"]), _day(options["end"])
            if last < first:
                raise CommandError("--to 不能早于 --from。")
            zone = timezone.get_current_timezone()
            start = datetime.combine(first, day_time.min, tzinfo=zone)
            end = datetime.combine(last + timedelta(days=1), day_time.min, tzinfo=zone)
            try:
                found = hot_topics_between(
                    start, end, region=options["region"], campaign=options["campaign"], top=options["top"]
                )
            except UnknownFilter as error:
                raise CommandError(str(error)) from None
            topics, notice = found.topics, found.notice
            source = f"{first} 至 {last} 的 {found.message_count} 条公开留言"
        if notice:
            self.stderr.write(notice)
        if options["json"]:
            self.stdout.write(json.dumps([t.as_dict() for t in topics], ensure_ascii=False))
            return
        self.stdout.write(
            f"{source}，{len(topics)} 个热点话题（用时 {time.perf_counter() - started:.1f} 秒）："
        )
        for rank, topic in enumerate(topics, start=1):
            regions = "、".join(f"{name}({count})" for name, count in topic.regions)
            self.stdout.write(
                f"{rank}. {topic.label}：{topic.message_count} 条，点赞 {topic.support_total}，"
                f"{topic.first_at:%Y-%m-%d} 至 {topic.last_at:%Y-%m-%d}，地区 {regions or '—'}"
            )
            self.stdout.write(f"   关键词：{' · '.join(topic.keywords)}")
            for item in topic.representatives:
                self.stdout.write(f"     {item.title}")
