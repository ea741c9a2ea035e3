"""Background work: e-mails and the plan PDF as tasks that go with their transaction, tried
again when they fail and logged when they give up; the daily schedule."""

import io
import logging

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from cases import services as case_services
from cases import tasks as case_tasks
from cases.models import Notification
from dossier.models import DossierEntry
from plans.documents import render_plan_pdf
from plans.models import PlanDocument
from tests.plan_helpers import case_in_stap4, full_plan
from tests.test_files_after_commit import sign

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_tasks(settings, monkeypatch):
    """Tasks kept in the database and run by ``db_worker``, as in production. The worker
    would close the test's connection (it is inside the test's transaction) between tasks."""
    settings.TASKS = DATABASE_TASKS
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


def worker() -> str:
    out = io.StringIO()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=out)
    return out.getvalue()


@pytest.fixture
def case(school, people, victim, bully):
    from tests.walk import new_case

    return new_case(school, people["teacher5"], victim, bully)


def test_a_notification_mail_is_a_task_committed_with_the_notification(
    database_tasks, case, teacher5, mailoutbox
):
    with transaction.atomic():
        case_services.notify(teacher5, case, "Herinnering: gesprek")
    task = DBTaskResult.objects.get()
    assert task.task_path == "cases.tasks.send_notification_mail"
    assert mailoutbox == []  # the worker sends it, not the request

    worker()

    assert [m.to for m in mailoutbox] == [[teacher5.email]]
    assert case.reference in mailoutbox[0].subject
    assert DBTaskResult.objects.get(pk=task.pk).status == "SUCCESSFUL"


def test_a_rolled_back_notification_leaves_no_task(database_tasks, case, teacher5, mailoutbox):
    def notify_then_fail():
        with transaction.atomic():
            case_services.notify(teacher5, case, "Herinnering: gesprek")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        notify_then_fail()

    assert not DBTaskResult.objects.exists()
    worker()
    assert mailoutbox == []


def test_a_failing_mail_server_is_retried_later_and_logged(
    database_tasks, case, teacher5, mailoutbox, monkeypatch, caplog, settings
):
    settings.TASK_ATTEMPTS = 3
    calls = []

    def refused(*args, **kwargs):
        calls.append(args)
        raise ConnectionRefusedError

    monkeypatch.setattr(case_tasks, "send_mail", refused)
    case_services.notify(teacher5, case, "Herinnering: gesprek")
    with caplog.at_level(logging.WARNING, logger="pestprotocol.tasks"):
        worker()

    assert len(calls) == 1
    assert DBTaskResult.objects.filter(status="FAILED").count() == 1
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after is not None  # waits before the next attempt
    assert retry.args_kwargs["args"][-1] == 2
    assert "trying again" in caplog.text


def test_a_mail_that_keeps_failing_is_logged_as_an_error(
    case, teacher5, monkeypatch, caplog, settings, django_capture_on_commit_callbacks
):
    settings.TASK_ATTEMPTS = 3
    calls = []

    def refused(*args, **kwargs):
        calls.append(args)
        raise ConnectionRefusedError

    monkeypatch.setattr(case_tasks, "send_mail", refused)
    with (
        caplog.at_level(logging.WARNING, logger="pestprotocol.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        case_services.notify(teacher5, case, "Herinnering: gesprek")

    assert len(calls) == 3
    errors = [
        r for r in caplog.records if r.name == "pestprotocol.tasks" and r.levelno == logging.ERROR
    ]
    assert len(errors) == 1
    assert errors[0].notification_id == Notification.objects.get(user=teacher5).pk
    assert "giving up after 3 attempts" in errors[0].getMessage()


def test_the_plan_pdf_is_filed_by_the_worker_after_the_signatures_commit(
    database_tasks, school, people, victim, bully
):
    plan = full_plan(case_in_stap4(school, people, victim, bully), people)
    for signatory in plan.signatories.all():
        sign(signatory, people)

    plan.refresh_from_db()
    assert plan.locked_at is not None
    assert not PlanDocument.objects.filter(plan=plan).exists()
    assert DBTaskResult.objects.filter(task_path="plans.services.file_plan_pdf").count() == 1
    assert not DossierEntry.objects.filter(plan=plan).exists()

    worker()

    document = PlanDocument.objects.get(plan=plan)
    assert document.file.read().startswith(b"%PDF")
    # The plan goes into the dossier of each pupil once its PDF is filed (the entry's
    # text names no hash: that stays with the PDF, issue 15).
    assert set(DossierEntry.objects.filter(plan=plan).values_list("pupil", flat=True)) == {
        victim.pk,
        bully.pk,
    }


def test_a_failed_pdf_is_filed_by_the_daily_safety_net(
    database_tasks, school, people, victim, bully, monkeypatch, settings
):
    settings.TASK_ATTEMPTS = 1
    plan = full_plan(case_in_stap4(school, people, victim, bully), people)
    for signatory in plan.signatories.all():
        sign(signatory, people)

    def broken(plan):
        raise OSError("fonts missing")

    monkeypatch.setattr("plans.services.render_plan_pdf", broken)
    worker()
    assert not PlanDocument.objects.filter(plan=plan).exists()
    monkeypatch.setattr("plans.services.render_plan_pdf", render_plan_pdf)

    out = io.StringIO()
    call_command("enqueue_daily", stdout=out)
    worker()

    assert "file_missing_plan_pdfs" in out.getvalue()
    assert PlanDocument.objects.filter(plan=plan).count() == 1


def test_enqueue_daily_runs_reminders_and_the_purge(db, mailoutbox):
    out = io.StringIO()
    call_command("enqueue_daily", stdout=out)  # the immediate backend: at once

    text = out.getvalue()
    assert "daily_reminders" in text
    assert "retention_purge" in text
    assert "refresh_query_statistics" in text
    assert text.count("SUCCESSFUL") == 4


def test_a_long_notification_is_shortened_not_refused(case, teacher5):
    """PostgreSQL refuses a message over the column's length (SQLite does not)."""
    notification = case_services.notify(teacher5, case, "Open casussen: " + "2026-001, " * 60)

    stored = Notification.objects.get(pk=notification.pk).message
    assert len(stored) == Notification._meta.get_field("message").max_length
    assert stored.endswith("…")
