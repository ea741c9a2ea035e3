"""Background work through Django's task API (the ``django-tasks`` backport).

In production tasks are rows in the database (``django_tasks_db``), written in the same
transaction as the change that asks for them: a rolled-back change leaves no task, a
committed one always has its task, and ``manage.py db_worker`` runs it after the commit.
In development and the tests the immediate backend runs a task in the process.

A task that fails is tried again later (``TASK_ATTEMPTS`` in all, waiting
``TASK_RETRY_SECONDS``, doubling); every failure is logged, the last one as an error.
With Django 6 ``django_tasks`` becomes ``django.tasks``.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

log = logging.getLogger("pestprotocol.tasks")


def _keeps_tasks_in_the_database(task_) -> bool:
    return type(task_.get_backend()).__module__.startswith("django_tasks_db")


def enqueue_after_commit(task_, *args) -> None:
    """Run ``task_`` once the current transaction commits.

    The database backend writes the task in the transaction itself (it commits or rolls
    back with the change, and the worker sees it only after the commit); another backend
    is handed the task when the transaction commits."""
    if _keeps_tasks_in_the_database(task_):
        task_.enqueue(*args)
    else:
        transaction.on_commit(lambda: task_.enqueue(*args))


def retry_or_give_up(task_, args: tuple, attempt: int, error: BaseException, **ids) -> None:
    """After a failed attempt: log it and enqueue the next attempt, or log that we stop."""
    fields = {"task": task_.name, "attempt": attempt, "error": type(error).__name__, **ids}
    if attempt >= settings.TASK_ATTEMPTS:
        log.error("task failed, giving up after %d attempts", attempt, extra=fields)
        return
    wait = settings.TASK_RETRY_SECONDS * 2 ** (attempt - 1)
    log.warning("task failed, trying again in %d s", wait, extra=fields)
    if task_.get_backend().supports_defer:
        later = timezone.now() + datetime.timedelta(seconds=wait)
        task_.using(run_after=later).enqueue(*args, attempt + 1)
    else:  # the immediate backend (development, tests): again at once
        task_.enqueue(*args, attempt + 1)


@task()
def send_notification_mail(notification_id: int, attempt: int = 1) -> str:
    """E-mail a ``Notification`` to its staff member: the message and a link, no pupil."""
    from cases.models import Notification

    notification = (
        Notification.objects.select_related("user", "case").filter(pk=notification_id).first()
    )
    if notification is None or not notification.user.email:
        return "nothing to send"
    if notification.mailed_at is not None:  # run again after its worker was lost
        return "sent already"
    case = notification.case
    link = settings.SITE_URL + reverse("cases:detail", args=[case.pk])
    with override(settings.LANGUAGE_CODE):
        subject = _("Pestprotocol: casus %(ref)s") % {"ref": case.reference}
    try:
        send_mail(subject, f"{notification.message}\n\n{link}", None, [notification.user.email])
    except Exception as error:
        retry_or_give_up(
            send_notification_mail,
            (notification_id,),
            attempt,
            error,
            notification_id=notification_id,
            user_id=notification.user_id,
        )
        raise  # this attempt counts as failed in the task results
    # Marked at once: only a worker killed between the mail server's answer and this line
    # can send it again (at least once, never silently dropped).
    Notification.objects.filter(pk=notification_id).update(mailed_at=timezone.now())
    log.info(
        "notification mailed",
        extra={"notification_id": notification_id, "user_id": notification.user_id},
    )
    return "sent"


# --- the schedule: ``manage.py enqueue_daily`` (cron or the systemd timer in deploy/) ------


@task()
def daily_reminders() -> str:
    """The reminders about due and overdue planned talks (``send_reminders``)."""
    return run_command("send_reminders")


@task()
def refresh_query_statistics() -> str:
    """Fresh statistics for the query planner (``ANALYZE``), once a day."""
    from pestprotocol.operations import refresh_query_statistics as refresh

    refresh()
    return "ANALYZE"


def run_command(*args) -> str:
    """A management command as a task's work: its output's tail, its failure logged."""
    from io import StringIO

    out = StringIO()
    try:
        call_command(*args, stdout=out)
    except Exception:
        log.exception("scheduled command failed", extra={"command": args[0]})
        raise
    log.info("scheduled command ran", extra={"command": args[0]})
    return out.getvalue()[-2000:]
