"""A task worker killed in the middle of a task loses nothing: the task goes back in the
queue once the worker's heartbeat has stopped, runs again and does its work once.

A killed worker is played here the way it leaves the database: the task claimed (RUNNING,
the worker's id in ``worker_ids``), nothing of its work committed, the worker's heartbeat
row no longer renewed. ``scripts/topology_smoke.py`` kills a real worker with SIGKILL.
"""

import datetime
import io
import logging

import pytest
from django.core.management import call_command, get_commands
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cases import services as case_services
from cases.models import Notification
from dossier.models import DossierEntry
from plans.models import PlanDocument
from taskworker.heartbeat import Heartbeat
from taskworker.models import WorkerBeat
from taskworker.reclaim import reclaim_lost_tasks
from tests.plan_helpers import case_in_stap4, full_plan
from tests.test_files_after_commit import sign

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
LOST_AFTER = 120


@pytest.fixture
def database_tasks(db, settings, monkeypatch):
    """Tasks in the database, as in production; the worker's heartbeat thread never beats
    during a test (its first beat is written before the worker starts)."""
    settings.TASKS = DATABASE_TASKS
    settings.TASK_WORKER_LOST_SECONDS = LOST_AFTER
    settings.TASK_WORKER_BEAT_SECONDS = 3600
    settings.TASK_ATTEMPTS = 5
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


def worker() -> str:
    out = io.StringIO()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=out)
    return out.getvalue()


def ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def killed_while_running(task: DBTaskResult, worker_id: str = "killed", *, seconds=600):
    """The state a worker killed ``seconds`` ago leaves: claimed, its heartbeat stopped."""
    task.claim(worker_id)
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=ago(seconds + 1))
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": "app1", "pid": 4242, "started_at": ago(3600), "seen_at": ago(seconds)},
    )
    return DBTaskResult.objects.get(pk=task.pk)


@pytest.fixture
def signed_plan(database_tasks, school, people, victim, bully):
    """A plan signed by everyone: locked, its PDF task waiting for the worker."""
    plan = full_plan(case_in_stap4(school, people, victim, bully), people)
    for signatory in plan.signatories.all():
        sign(signatory, people)
    return plan


def pdf_task(plan) -> DBTaskResult:
    return DBTaskResult.objects.get(
        task_path="plans.services.file_plan_pdf", args_kwargs__args__0=plan.pk
    )


def test_a_pdf_task_lost_with_its_worker_runs_again_and_files_the_pdf_once(
    signed_plan, victim, bully, caplog
):
    task = killed_while_running(pdf_task(signed_plan))
    assert worker() is not None  # a new worker does not take a RUNNING task by itself
    assert DBTaskResult.objects.get(pk=task.pk).status == "RUNNING"
    assert not PlanDocument.objects.filter(plan=signed_plan).exists()

    out = io.StringIO()
    with caplog.at_level(logging.WARNING, logger="pestprotocol.tasks"):
        call_command("reclaim_tasks", stdout=out)

    assert (
        f"{task.pk} plans.services.file_plan_pdf (worker killed, claimed 1x): back in the queue"
        in out.getvalue()
    )
    assert DBTaskResult.objects.get(pk=task.pk).status == "READY"
    [record] = [r for r in caplog.records if "back in the queue" in r.getMessage()]
    assert record.task_id == str(task.pk)
    assert record.worker_id == "killed"

    worker()

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids[0] == "killed"
    assert len(task.worker_ids) == 2
    assert PlanDocument.objects.filter(plan=signed_plan).count() == 1
    assert PlanDocument.objects.get(plan=signed_plan).file.read().startswith(b"%PDF")
    entries = DossierEntry.objects.filter(plan=signed_plan)
    assert sorted(entries.values_list("pupil", flat=True)) == sorted([victim.pk, bully.pk])
    assert reclaim_lost_tasks() == []  # nothing lost any more


def test_a_pdf_task_that_ran_before_its_worker_was_killed_files_nothing_twice(
    signed_plan, victim, bully
):
    """Killed after the PDF was committed but before the task was marked done."""
    task = pdf_task(signed_plan)
    worker()
    DBTaskResult.objects.filter(pk=task.pk).update(status="READY")
    killed_while_running(DBTaskResult.objects.get(pk=task.pk))
    document = PlanDocument.objects.get(plan=signed_plan)

    reclaim_lost_tasks()
    worker()

    assert DBTaskResult.objects.get(pk=task.pk).return_value == "filed"
    assert list(PlanDocument.objects.filter(plan=signed_plan)) == [document]
    assert DossierEntry.objects.filter(plan=signed_plan).count() == 2


def test_a_notification_mail_lost_with_its_worker_is_sent_once(
    database_tasks, school, people, victim, bully, teacher5, mailoutbox
):
    from tests.walk import new_case

    case = new_case(school, teacher5, victim, bully)
    DBTaskResult.objects.all().delete()
    notification = case_services.notify(teacher5, case, "Herinnering: gesprek")
    task = DBTaskResult.objects.get(task_path="cases.tasks.send_notification_mail")
    killed_while_running(task)

    reclaim_lost_tasks()
    worker()

    assert [m.to for m in mailoutbox] == [[teacher5.email]]
    assert Notification.objects.get(pk=notification.pk).mailed_at is not None
    # Killed after the mail went out: run again, it sends nothing.
    DBTaskResult.objects.filter(pk=task.pk).update(status="READY")
    killed_while_running(DBTaskResult.objects.get(pk=task.pk), "killed-again")
    reclaim_lost_tasks()
    worker()

    assert len(mailoutbox) == 1
    assert DBTaskResult.objects.get(pk=task.pk).return_value == "sent already"


def test_the_long_task_of_a_live_worker_is_left_alone(signed_plan):
    task = killed_while_running(pdf_task(signed_plan), "busy", seconds=3 * LOST_AFTER)
    WorkerBeat.objects.filter(pk="busy").update(seen_at=ago(5))  # still beating

    assert reclaim_lost_tasks() == []
    assert DBTaskResult.objects.get(pk=task.pk).status == "RUNNING"
    assert WorkerBeat.objects.filter(pk="busy").exists()


def test_a_task_claimed_a_moment_ago_is_left_alone_even_without_a_heartbeat(signed_plan):
    task = pdf_task(signed_plan)
    task.claim("no-heartbeat")  # a worker started some other way

    assert reclaim_lost_tasks() == []
    assert DBTaskResult.objects.get(pk=task.pk).status == "RUNNING"
    # Once it has run for longer than the limit, its worker counts as lost.
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=ago(LOST_AFTER + 1))
    assert [r.task_id for r in reclaim_lost_tasks()] == [str(task.pk)]


def test_a_worker_started_again_under_the_same_id_does_not_keep_the_lost_task(signed_plan):
    task = killed_while_running(pdf_task(signed_plan), "app1-worker")
    # The same id, a new process: beating now, but it started after the task was claimed.
    WorkerBeat.objects.filter(pk="app1-worker").update(started_at=ago(30), seen_at=ago(1))

    [reclaimed] = reclaim_lost_tasks()

    assert reclaimed.task_id == str(task.pk)
    assert reclaimed.status == "READY"


def test_a_task_lost_time_after_time_is_given_up_and_logged_as_an_error(
    signed_plan, settings, caplog
):
    settings.TASK_ATTEMPTS = 2
    task = pdf_task(signed_plan)
    task.claim("first")
    killed_while_running(DBTaskResult.objects.get(pk=task.pk), "second")

    with caplog.at_level(logging.WARNING, logger="pestprotocol.tasks"):
        [reclaimed] = reclaim_lost_tasks()

    task.refresh_from_db()
    assert reclaimed.status == task.status == "FAILED"
    assert task.exception_class_path == "taskworker.reclaim.WorkerLost"
    assert task.finished_at is not None
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].task_id == str(task.pk)
    worker()
    assert DBTaskResult.objects.get(pk=task.pk).status == "FAILED"  # not run again
    assert not PlanDocument.objects.filter(plan=signed_plan).exists()


def test_the_rows_of_stopped_workers_are_removed(database_tasks):
    WorkerBeat.objects.create(
        worker_id="gone", host="h", pid=1, started_at=ago(9000), seen_at=ago(LOST_AFTER + 5)
    )
    WorkerBeat.objects.create(
        worker_id="here", host="h", pid=2, started_at=ago(9000), seen_at=ago(1)
    )

    reclaim_lost_tasks()

    assert list(WorkerBeat.objects.values_list("worker_id", flat=True)) == ["here"]


def test_enqueue_daily_reclaims_lost_tasks_first(signed_plan):
    killed_while_running(pdf_task(signed_plan))
    out = io.StringIO()

    call_command("enqueue_daily", stdout=out)

    assert "enqueue_daily: 1 lost task(s) back in the queue" in out.getvalue()
    assert pdf_task(signed_plan).status == "READY"


def test_db_worker_is_the_one_with_a_heartbeat_beating_while_it_runs(database_tasks, monkeypatch):
    from django_tasks_db.management.commands import db_worker

    assert get_commands()["db_worker"] == "taskworker"
    seen = []
    monkeypatch.setattr(
        db_worker.Worker,
        "run",
        lambda self: seen.extend(WorkerBeat.objects.filter(pk=self.worker_id)),
    )
    call_command("db_worker", "--batch", "--no-reload", "--worker-id", "w-1", stdout=io.StringIO())

    assert [(b.worker_id, b.pid > 0) for b in seen] == [("w-1", True)]
    assert not WorkerBeat.objects.exists()  # a worker that stops cleanly removes its row


def test_a_beat_renews_the_row_and_brings_back_a_removed_one(database_tasks):
    heartbeat = Heartbeat("w-2", every=3600)
    heartbeat.beat()
    WorkerBeat.objects.filter(pk="w-2").update(seen_at=ago(500), started_at=ago(900))
    heartbeat.beat()
    beat = WorkerBeat.objects.get(pk="w-2")
    assert beat.seen_at > ago(5)
    assert beat.started_at < ago(800)

    WorkerBeat.objects.all().delete()  # removed by a reclaim while it was away
    heartbeat.beat()
    assert WorkerBeat.objects.get(pk="w-2").seen_at > ago(5)
