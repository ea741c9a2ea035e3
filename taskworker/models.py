"""A running task worker says it is alive: one row per worker, its ``seen_at`` renewed every
``TASK_WORKER_BEAT_SECONDS`` by a thread of the worker (``manage.py db_worker``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerBeat(models.Model):
    """One running ``db_worker`` process. The id is the one the worker writes into
    ``DBTaskResult.worker_ids`` when it claims a task; no row, or a row not seen for
    ``TASK_WORKER_LOST_SECONDS``, means the worker has stopped."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("taakverwerker")
        verbose_name_plural = _("taakverwerkers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
