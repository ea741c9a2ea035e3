"""Backups with a restore drill: back up the demo board, wipe it, restore, and find every
table and every file as it was (0 differences). On PostgreSQL (pg_dump) and SQLite.

The drill runs in child processes against its own database and media folder
(``backups.drill``), so the test database is never touched.
"""

import secrets
import uuid

import psycopg
import pytest
from django.db import connection

from backups.drill import differences, drill, manage, snapshot_files, snapshot_tables

KEY = {"BACKUP_KEY": secrets.token_urlsafe(40)}


@pytest.fixture
def backup_env(monkeypatch):
    monkeypatch.setenv("BACKUP_KEY", KEY["BACKUP_KEY"])


def seeded(url, media):
    manage("migrate", "--noinput", url=url, media=media)
    manage("seed_demo", url=url, media=media, DJANGO_DEBUG="1")


@pytest.fixture
def postgres_url():
    """A database of its own on the test's PostgreSQL server, dropped afterwards."""
    settings = connection.settings_dict
    server = (
        f"postgresql://{settings['USER']}:{settings['PASSWORD'] or ''}@"
        f"{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
    )
    name = f"drill_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def assert_drill_finds_no_difference(url, media, backup_file):
    seeded(url, media)
    before_files = snapshot_files(media)
    assert len(before_files) > 10  # signatures, scans, plan PDFs of the demo

    result = drill(url, media, backup_file, say=lambda *a: None)

    assert result["differences"] == []
    assert result["files"] == len(before_files)
    assert result["rows"] > 1000
    # Encrypted at rest: no readable trace of the demo in the file.
    content = backup_file.read_bytes()
    assert b"De Regenboog" not in content
    assert b"%PDF" not in content
    assert b"manifest.json" not in content


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_restore_drill_on_postgresql_finds_no_difference(postgres_url, tmp_path, backup_env):
    assert_drill_finds_no_difference(postgres_url, tmp_path / "media", tmp_path / "pp.gpg")


@pytest.mark.sqlite_only
def test_restore_drill_on_sqlite_finds_no_difference(tmp_path, backup_env):
    url = f"sqlite:///{tmp_path / 'drill.sqlite3'}"
    assert_drill_finds_no_difference(url, tmp_path / "media", tmp_path / "pp.gpg")


@pytest.mark.sqlite_only
def test_a_wrong_key_restores_nothing_and_changes_nothing(tmp_path, backup_env, monkeypatch):
    url, media = f"sqlite:///{tmp_path / 'drill.sqlite3'}", tmp_path / "media"
    manage("migrate", "--noinput", url=url, media=media)
    media.mkdir(exist_ok=True)
    (media / "a").write_bytes(b"1")
    manage("backup", str(tmp_path / "pp.gpg"), url=url, media=media)
    tables, files = snapshot_tables(url), snapshot_files(media)

    with pytest.raises(RuntimeError, match="gpg failed"):
        manage(
            "restore",
            str(tmp_path / "pp.gpg"),
            "--yes",
            url=url,
            media=media,
            BACKUP_KEY="another-key-" + "x" * 40,
        )

    assert differences(tables, snapshot_tables(url)) == []
    assert differences(files, snapshot_files(media)) == []


def test_no_backup_without_a_key(tmp_path, monkeypatch):
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'drill.sqlite3'}"

    with pytest.raises(RuntimeError, match="BACKUP_KEY"):
        manage("backup", str(tmp_path / "pp.gpg"), url=url, media=tmp_path / "media")
    assert not (tmp_path / "pp.gpg").exists()


def test_restore_asks_for_yes(tmp_path, backup_env):
    url = f"sqlite:///{tmp_path / 'drill.sqlite3'}"
    with pytest.raises(RuntimeError, match="--yes"):
        manage("restore", str(tmp_path / "pp.gpg"), url=url, media=tmp_path / "media")
