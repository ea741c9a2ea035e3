"""Media in an S3-compatible object store (``MEDIA_STORAGE=s3``), tested against a real S3
endpoint: moto's server on a loopback port, spoken to over HTTP by django-storages and
boto3 exactly as a school board's object store would be.

A signed plan's PDF (filed by the real service) and an evidence upload land in the bucket,
not on disk, and come back through the project's download views; ``/gezond/`` checks the
bucket; the restore drill with the media in the bucket finds 0 differences. The bucket is
read back with boto3 directly, not through the app.
"""

import hashlib
import secrets
import uuid

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer

from backups.drill import Bucket, drill, manage
from cases.evidence import evidence_store
from pestprotocol.settings import media_storage
from plans.models import PlanDocument
from tests import test_backup
from tests.plan_helpers import case_in_stap4, full_plan
from tests.test_files_after_commit import PNG, sign

REGION = "eu-central-1"
postgres_url = test_backup.postgres_url  # a database of its own on the test's server


@pytest.fixture(scope="session")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_endpoint):
    """A new private bucket; the variables the app reads for it (README, production)."""
    env = {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": f"pestprotocol-{uuid.uuid4().hex[:12]}",
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": "test-key",
        "S3_SECRET_ACCESS_KEY": secrets.token_hex(16),
        "S3_PREFIX": "media",
    }
    s3(env).create_bucket(
        Bucket=env["S3_BUCKET"], CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return env


def s3(env):
    return boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id=env["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["S3_SECRET_ACCESS_KEY"],
    )


def stored_object(env, name: str) -> bytes:
    key = f"{env['S3_PREFIX']}/{name}"
    return s3(env).get_object(Bucket=env["S3_BUCKET"], Key=key)["Body"].read()


@pytest.fixture
def s3_media(settings, s3_env, tmp_path):
    """The app's media store is the bucket, built from the environment as in production."""
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(s3_env)}
    settings.MEDIA_ROOT = tmp_path / "must-stay-empty"
    return s3_env


def nothing_on_disk(settings) -> bool:
    folder = settings.MEDIA_ROOT
    return not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_signed_plans_pdf_is_filed_in_the_bucket_and_downloaded_through_the_view(
    s3_media, settings, client, school, people, victim, bully
):
    plan = full_plan(case_in_stap4(school, people, victim, bully), people)
    for signatory in plan.signatories.all():
        sign(signatory, people)  # the last signature files the PDF (plans.services)

    document = PlanDocument.objects.get(plan=plan)
    stored = stored_object(s3_media, document.file.name)
    assert stored.startswith(b"%PDF")
    assert hashlib.sha256(stored).hexdigest() == document.sha256
    assert stored_object(s3_media, plan.signatories.first().signature.name).startswith(b"\x89PNG")
    assert nothing_on_disk(settings)

    client.force_login(people["teacher5"])
    response = client.get(reverse("plans:pdf", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert body(response) == stored

    client.force_login(people["teacher7"])  # another class: not this case
    assert client.get(reverse("plans:pdf", args=[plan.pk])).status_code in (403, 404)


def test_an_evidence_upload_is_stored_in_the_bucket_and_served_by_the_download_view(
    s3_media, settings, client, school, teacher5, victim, bully
):
    from tests.walk import new_case

    case = new_case(school, teacher5, victim, bully)
    evidence = evidence_store(
        case, SimpleUploadedFile("schermafbeelding Sanne.png", PNG), by=teacher5
    )

    assert stored_object(s3_media, evidence.file.name) == PNG
    assert "Sanne" not in evidence.file.name
    assert nothing_on_disk(settings)
    client.force_login(teacher5)
    response = client.get(reverse("cases:evidence", args=[case.pk, evidence.pk]))
    assert response.status_code == 200
    assert body(response) == PNG
    assert case.reference in response["Content-Disposition"]


def test_the_health_check_writes_reads_and_removes_a_file_in_the_bucket(
    s3_media, client, db, caplog
):
    response = client.get("/gezond/")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    listed = s3(s3_media).list_objects_v2(Bucket=s3_media["S3_BUCKET"])
    assert listed.get("KeyCount", 0) == 0  # its test file is gone again


def test_the_health_check_fails_when_the_bucket_is_gone(s3_media, client, db, caplog):
    s3(s3_media).delete_bucket(Bucket=s3_media["S3_BUCKET"])

    response = client.get("/gezond/")

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert "health check failed" in caplog.text


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_restore_drill_with_the_media_in_s3_finds_no_difference(
    s3_env, tmp_path, monkeypatch, postgres_url
):
    monkeypatch.setenv("BACKUP_KEY", secrets.token_urlsafe(40))
    folder = tmp_path / "media"
    bucket = Bucket(s3_env, folder)
    manage("migrate", "--noinput", url=postgres_url, media=bucket)
    manage("seed_demo", url=postgres_url, media=bucket, DJANGO_DEBUG="1")
    files = bucket.snapshot()
    assert len(files) > 10  # signatures, scans, plan PDFs of the demo, in the bucket
    assert not folder.exists() or not any(folder.rglob("*"))

    result = drill(postgres_url, bucket, tmp_path / "backup.gpg", say=lambda *a: None)

    assert result["differences"] == []
    assert result["files"] == len(files)
    assert bucket.snapshot() == files
    assert result["rows"] > 1000
    assert b"%PDF" not in (tmp_path / "backup.gpg").read_bytes()
