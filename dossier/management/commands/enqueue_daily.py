"""``manage.py enqueue_daily``: hand the day's work to the task worker.

Run it once a day from cron or the systemd timer (``deploy/systemd``): the reminders about
due and overdue talks, the retention purge (with the orphan-file sweep), filing any
locked plan's PDF that is still missing, and fresh statistics for the query planner. Each
is a task, run by ``manage.py db_worker``; with the immediate backend (development) they
run here and now. First it puts back in the queue any task lost with a stopped worker
(``reclaim_tasks``, which also runs every few minutes on its own timer).
"""

from django.core.management.base import BaseCommand

from cases.tasks import daily_reminders, refresh_query_statistics
from dossier.tasks import retention_purge
from plans.tasks import file_missing_plan_pdfs
from taskworker.reclaim import reclaim_lost_tasks

DAILY = (daily_reminders, retention_purge, file_missing_plan_pdfs, refresh_query_statistics)


class Command(BaseCommand):
    help = "Enqueue the daily work: reminders, retention purge, missing plan PDFs, statistics."

    def handle(self, *args, **options):
        lost = reclaim_lost_tasks()
        self.stdout.write(f"enqueue_daily: {len(lost)} lost task(s) back in the queue")
        for daily in DAILY:
            result = daily.enqueue()
            self.stdout.write(f"enqueue_daily: {daily.name} {result.id} {result.status}")
