import time

from django.core.management.base import BaseCommand

from liuyan.intelligence.similarity import index_all


class Command(BaseCommand):
    help = (
        "Fill the similar-message index (MinHash signatures and LSH band keys) for imported or demo "
        "messages. New messages are indexed when they are submitted; --all rebuilds every signature."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="rebuild every message's signature")
        which.add_argument(
            "--missing",
            action="store_true",
            help="only messages without a current signature (the default)",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="messages per batch (default 500)")

    def handle(self, *args, all: bool, missing: bool, batch_size: int, **options):
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {done}/{total}")

        indexed = index_all(missing_only=not all, batch_size=max(1, batch_size), progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(f"相似留言索引：已索引 {indexed} 条留言，用时 {elapsed:.1f} 秒。")
