"""``manage.py db_worker``: django-tasks-db's worker, with a heartbeat.

The same command and options as django-tasks-db's (this app comes first in
``INSTALLED_APPS``, so its command is the one Django runs). While it runs, a thread renews
the worker's ``WorkerBeat`` row every ``TASK_WORKER_BEAT_SECONDS``, so
``manage.py reclaim_tasks`` can tell a task that is still being worked on from one that was
lost with a killed worker.
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from taskworker.heartbeat import Heartbeat


class Command(db_worker.Command):
    help = "Run the database task worker (django-tasks-db) with a heartbeat."

    def handle(self, *args, **options) -> None:
        parent_of_reloader = (
            options["reload"]
            and not options["batch"]
            and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        )
        if parent_of_reloader:  # it runs no task; its child beats
            super().handle(*args, **options)
            return
        with Heartbeat(options["worker_id"]):
            super().handle(*args, **options)
