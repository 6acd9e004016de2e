from django.core.management.base import BaseCommand

from liuyan.board.search import reindex


class Command(BaseCommand):
    help = (
        "Segment every message's title and body again into its search tokens (Message.search_tokens), in "
        "batches. Run it once after upgrading to full-text search, or after changing the tokenizer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="messages per batch (default 500)")
        parser.add_argument("--database", default="default", help="database alias (default 'default')")

    def handle(self, *args, batch_size: int, database: str, **options):
        written = reindex(batch_size, using=database)
        self.stdout.write(f"重建检索词：{written} 条留言。")
