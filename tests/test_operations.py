"""Running it: /gezond/, the request log, the request size limit and the production stack."""

import json
import logging
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from pestprotocol.operations import JsonFormatter
from tests.test_production_settings import setting


@pytest.mark.django_db
def test_health_answers_ok_when_database_and_file_store_answer(client, settings):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "storage": "ok", "status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    # The probe file is gone again.
    assert not list((settings.MEDIA_ROOT / "health").glob("*"))


@pytest.mark.django_db
def test_health_is_503_and_logged_when_the_file_store_fails(client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(default_storage, "save", broken)
    with caplog.at_level(logging.ERROR, logger="pestprotocol.health"):
        response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["storage"] == "error"
    assert response.json()["database"] == "ok"
    assert "health check failed: storage" in caplog.text


@pytest.mark.django_db
def test_one_log_line_per_request_with_user_id_and_no_query_string(
    client, teacher5, victim, caplog
):
    client.force_login(teacher5)
    with caplog.at_level(logging.INFO, logger="pestprotocol.request"):
        client.get(reverse("cases:start") + f"?zoek={victim.first_name}")

    lines = [r for r in caplog.records if r.name == "pestprotocol.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line.user_id == teacher5.pk
    assert line.status == 200
    assert line.path == reverse("cases:start")
    formatted = JsonFormatter().format(line)
    assert victim.first_name not in formatted
    assert json.loads(formatted)["user_id"] == teacher5.pk


@pytest.mark.django_db
def test_anonymous_request_is_logged_without_user(client, caplog):
    with caplog.at_level(logging.INFO, logger="pestprotocol.request"):
        client.get(reverse("login"))

    (line,) = [r for r in caplog.records if r.name == "pestprotocol.request"]
    assert line.user_id is None
    assert line.status == 200


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_before_the_view(client, teacher5, settings):
    settings.MAX_REQUEST_BYTES = 1000
    client.force_login(teacher5)

    response = client.post(reverse("cases:pupil_search"), {"q": "x" * 2000})

    assert response.status_code == 413
    assert "te groot" in response.content.decode()
    # Within the limit it reaches the view.
    assert client.post(reverse("cases:pupil_search"), {"q": "xy"}).status_code == 200


def test_json_log_lines_carry_extra_fields():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "mail %s", ("failed",), None)
    record.case_id = 7

    entry = json.loads(JsonFormatter().format(record))

    assert entry["message"] == "mail failed"
    assert entry["level"] == "ERROR"
    assert entry["case_id"] == 7


# --- the production stack (settings read in a fresh process) ---------------------------------


def test_production_serves_static_files_compressed_with_hashed_names():
    assert "CompressedManifestStaticFilesStorage" in setting("STORAGES['staticfiles']")
    assert setting("WHITENOISE_MAX_AGE") == str(365 * 24 * 3600)
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in setting("MIDDLEWARE")


def test_production_keeps_checked_database_connections():
    assert setting("DATABASES['default']['CONN_MAX_AGE']") == "60"
    assert setting("DATABASES['default']['CONN_HEALTH_CHECKS']") == "True"
    assert setting("DATABASES['default']['CONN_MAX_AGE']", DATABASE_CONN_MAX_AGE="5") == "5"


def test_production_runs_tasks_from_the_database():
    assert "django_tasks_db.DatabaseBackend" in setting("TASKS")


def test_media_in_a_local_folder_by_default_or_an_s3_bucket():
    assert "FileSystemStorage" in setting("STORAGES['default']['BACKEND']")
    s3 = setting("STORAGES['default']", MEDIA_STORAGE="s3", S3_BUCKET="pest")
    assert "storages.backends.s3.S3Storage" in s3
    assert "'bucket_name': 'pest'" in s3
    assert "'default_acl': 'private'" in s3


def test_s3_without_a_bucket_refuses_to_start():
    from tests.test_production_settings import manage

    result = manage("check", MEDIA_STORAGE="s3")

    assert result.returncode != 0
    assert "S3_BUCKET" in result.stderr


def test_a_pdf_finds_a_static_file_by_its_hashed_production_name(monkeypatch):
    """In production ``{% static %}`` gives hashed names; the PDF renderer maps them back."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    from cases.documents import static_file

    hashed = "css/plan_document.0123456789ab.css"
    assert static_file(f"file:///static/{hashed}") is None
    monkeypatch.setattr(
        staticfiles_storage, "hashed_files", {"css/plan_document.css": hashed}, raising=False
    )

    found = static_file(f"file:///static/{hashed}")

    assert str(found) == str(Path(finders.find("css/plan_document.css")).resolve())
