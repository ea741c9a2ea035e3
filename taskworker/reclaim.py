"""Tasks lost with their worker go back in the queue.

django-tasks-db marks a task RUNNING when a worker claims it and SUCCESSFUL or FAILED when
the worker is done. A worker killed in between (SIGKILL, out of memory, a crashed machine)
leaves the task RUNNING for ever: no worker takes a RUNNING task again (upstream issue
"Unclean exits of the worker leave tasks in limbo", django-tasks #46, still open).

``reclaim_lost_tasks`` finds such tasks: RUNNING for longer than
``TASK_WORKER_LOST_SECONDS`` and claimed last by a worker whose heartbeat
(``taskworker.heartbeat``) has not been seen for that long, or that started again after it
claimed the task. It puts them back to READY, so a worker runs them again, or, once a task
has been lost ``TASK_ATTEMPTS`` times (a task that kills its worker, say), marks it FAILED.
Every task reclaimed is logged. The tasks are written to be run again safely: filing a plan's
PDF checks under a row lock whether it is filed already, a notification mail is sent once.
Run by ``manage.py reclaim_tasks`` (a systemd timer, every five minutes) and by
``manage.py enqueue_daily``.
"""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from taskworker.models import WorkerBeat

log = logging.getLogger("pestprotocol.tasks")

READY, FAILED = "READY", "FAILED"


class WorkerLost(Exception):
    """The worker running the task stopped before it finished (recorded on a given-up task)."""


@dataclasses.dataclass(frozen=True)
class Reclaimed:
    task_id: str
    task_path: str
    worker_id: str
    claims: int
    status: str  # READY: back in the queue; FAILED: given up


def reclaim_lost_tasks(*, lost_after: float | None = None) -> list[Reclaimed]:
    """Put RUNNING tasks whose worker has stopped back in the queue; returns what it did."""
    seconds = settings.TASK_WORKER_LOST_SECONDS if lost_after is None else lost_after
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=seconds)
    done = []
    with transaction.atomic():
        alive = dict(
            WorkerBeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", "started_at")
        )
        lost = (
            DBTaskResult.objects.running()
            .filter(started_at__lt=cutoff)
            .select_for_update(skip_locked=True)
            .order_by("started_at")
        )
        for result in lost:
            worker_id = result.worker_ids[-1] if result.worker_ids else ""
            worker_started = alive.get(worker_id)
            if worker_started is not None and worker_started <= result.started_at:
                continue  # its worker is alive and still on it: a long task
            done.append(_reclaim(result, worker_id, now))
        WorkerBeat.objects.filter(seen_at__lt=cutoff).delete()  # stopped workers
    return done


def _reclaim(result: DBTaskResult, worker_id: str, now) -> Reclaimed:
    claims = len(result.worker_ids)
    fields = {
        "task_id": str(result.id),
        "task": result.task_path,
        "worker_id": worker_id,
        "claims": claims,
        "running_since": result.started_at.isoformat(),
    }
    if claims >= settings.TASK_ATTEMPTS:
        result.status = FAILED
        result.finished_at = now
        result.return_value = None
        result.exception_class_path = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
        result.traceback = (
            f"WorkerLost: the worker stopped while running this task, {claims} times; "
            "not tried again.\n"
        )
        result.save(
            update_fields=[
                "status",
                "finished_at",
                "return_value",
                "exception_class_path",
                "traceback",
            ]
        )
        log.error("task lost with its worker %d times, giving up", claims, extra=fields)
    else:
        result.status = READY
        result.save(update_fields=["status"])
        log.warning("task lost with its worker, back in the queue", extra=fields)
    return Reclaimed(str(result.id), result.task_path, worker_id, claims, result.status)
