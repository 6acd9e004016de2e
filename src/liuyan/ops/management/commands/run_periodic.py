from django.core.management.base import BaseCommand

from liuyan.board.tasks import PERIODIC_TASKS
from liuyan.intelligence.tasks import warm_hot_topics
from liuyan.notify.recovery import requeue_stalled_tasks
from liuyan.reports.tasks import send_due_briefs, warm_coverage


class Command(BaseCommand):
    help = (
        "Run the periodic checks: put back in the queue tasks whose worker died while running them; "
        "warn units of deadlines due within 24 hours, supervise messages overdue "
        "by more than LIUYAN_SUPERVISE_AFTER_OVERDUE_DAYS working days, close replied messages whose rating "
        "window has passed; from 06:00, e-mail yesterday's daily brief to its subscribers (once each); "
        "recompute the home page's hot topics and the coverage figures (入驻); on PostgreSQL, give the "
        "newest messages a search index of their own when the one there has grown too large. "
        "Safe to run twice. For cron, e.g. every 15 minutes: "
        "`*/15 * * * * liuyan run_periodic` (runs them here) or `liuyan run_periodic --enqueue` "
        "(hands them to the `liuyan db_worker` processes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="enqueue the checks for the task workers")

    def handle(self, *args, enqueue: bool, **options):
        # Here, not in a worker: a task stalled because its worker died cannot be found by that worker.
        self.stdout.write(f"requeue_stalled_tasks: {requeue_stalled_tasks()}")
        for periodic in [*PERIODIC_TASKS, send_due_briefs, warm_hot_topics, warm_coverage]:
            if enqueue:
                result = periodic.enqueue()
                self.stdout.write(f"{periodic.name}: enqueued ({result.id})")
            else:
                self.stdout.write(f"{periodic.name}: {periodic.call()}")
