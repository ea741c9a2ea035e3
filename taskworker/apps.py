from django.apps import AppConfig


class TaskWorkerConfig(AppConfig):
    """The task worker's heartbeat and the reclaim of tasks a stopped worker left behind."""

    name = "taskworker"
    verbose_name = "Taakverwerking"
