"""Retention on a schedule (``manage.py enqueue_daily``): the purge as a background task."""

from django_tasks import task

from cases.tasks import run_command


@task()
def retention_purge() -> str:
    """``purge_expired --apply``: pupils past the retention period, then orphan files."""
    return run_command("purge_expired", "--apply")
