"""``manage.py reclaim_tasks``: put the tasks of a stopped worker back in the queue.

Run every few minutes (``deploy/systemd/pestprotocol-reclaim.timer``). A task RUNNING for
longer than ``TASK_WORKER_LOST_SECONDS`` whose worker's heartbeat has not been seen for that
long goes back to READY and a worker runs it again; one lost ``TASK_ATTEMPTS`` times is
marked FAILED. Each one is logged. See ``taskworker.reclaim``.
"""

from django.core.management.base import BaseCommand

from taskworker.reclaim import reclaim_lost_tasks


class Command(BaseCommand):
    help = "Put tasks lost with a stopped worker back in the queue (safe to run any time)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--lost-after",
            type=float,
            default=None,
            help="seconds without a heartbeat after which a worker counts as stopped "
            "(default: TASK_WORKER_LOST_SECONDS)",
        )

    def handle(self, *args, lost_after, **options):
        reclaimed = reclaim_lost_tasks(lost_after=lost_after)
        for task in reclaimed:
            what = "back in the queue" if task.status == "READY" else "given up"
            self.stdout.write(
                f"reclaim_tasks: {task.task_id} {task.task_path} (worker {task.worker_id}, "
                f"claimed {task.claims}x): {what}"
            )
        self.stdout.write(f"reclaim_tasks: {len(reclaimed)} lost task(s)")
