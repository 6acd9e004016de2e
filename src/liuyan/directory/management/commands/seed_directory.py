import time

from django.core.management.base import BaseCommand

from liuyan.directory.actions import seed_directory


class Command(BaseCommand):
    help = "Seed regions, dispatch desks, departments, leaders, domains and message types. Idempotent."

    def handle(self, *args, **options):
        started = time.monotonic()
        report = seed_directory()
        for line in report.lines():
            self.stdout.write(line)
        summary = "changed" if report.changed else "already complete, nothing changed"
        self.stdout.write(self.style.SUCCESS(f"Directory {summary} in {time.monotonic() - started:.1f} s."))
