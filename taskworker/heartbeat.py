"""The worker's heartbeat: a row in ``WorkerBeat`` renewed by a thread while it runs.

The first beat is written before the worker claims its first task, the row is removed when
it stops cleanly. A worker killed outright (SIGKILL, out of memory, its machine gone) leaves
the row behind, no longer renewed: that is how ``taskworker.reclaim`` tells a task that is
still being worked on from one that was lost with its worker.
"""

import logging
import os
import socket
import threading

from django.conf import settings
from django.db import connections
from django.utils import timezone

from taskworker.models import WorkerBeat

log = logging.getLogger("pestprotocol.tasks")


class Heartbeat:
    """``with Heartbeat(worker_id): worker.run()``."""

    def __init__(self, worker_id: str, every: float | None = None):
        self.worker_id = worker_id
        self.every = settings.TASK_WORKER_BEAT_SECONDS if every is None else every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)

    def beat(self) -> None:
        now = timezone.now()
        if not WorkerBeat.objects.filter(pk=self.worker_id).update(seen_at=now):
            WorkerBeat.objects.create(
                worker_id=self.worker_id,
                host=socket.gethostname()[:255],
                pid=os.getpid(),
                started_at=now,
                seen_at=now,
            )

    def _run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                self.beat()
            except Exception:  # the database away for a moment: try again next time
                log.exception("worker heartbeat failed", extra={"worker_id": self.worker_id})
            finally:
                connections.close_all()  # this thread's own connection

    def __enter__(self) -> "Heartbeat":
        self.beat()
        self.thread.start()
        log.info(
            "worker started",
            extra={"worker_id": self.worker_id, "pid": os.getpid(), "beat_seconds": self.every},
        )
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)
        try:
            WorkerBeat.objects.filter(pk=self.worker_id).delete()
        except Exception:  # the database gone: its row goes stale and reclaim_tasks removes it
            log.exception(
                "worker could not remove its heartbeat", extra={"worker_id": self.worker_id}
            )
        log.info("worker stopped", extra={"worker_id": self.worker_id})
