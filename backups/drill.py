"""The restore drill: back up, wipe, restore, and compare every table and every file.

Used by ``tests/test_backup.py``, ``tests/test_s3_media.py`` and ``scripts/backup_drill.py``;
everything runs against a database named by a ``DATABASE_URL`` and a media store (a folder,
or an S3 bucket: ``Bucket``), in child processes (``manage.py``), so the drill never touches
the database of the process that runs it. The files are compared by reading the store
directly (the folder, or the bucket with boto3), not through the app.
"""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent


class Bucket:
    """Media in an S3 bucket (``MEDIA_STORAGE=s3``), given by the ``S3_*`` variables the app
    reads; read and emptied with boto3 itself. ``folder`` is the app's ``MEDIA_ROOT`` all
    the same, which must stay empty."""

    def __init__(self, environ: dict, folder: Path):
        self.environ = {**environ, "MEDIA_STORAGE": "s3"}
        self.folder = folder
        prefix = environ.get("S3_PREFIX", "").strip("/")
        self.prefix = f"{prefix}/" if prefix else ""

    def __str__(self) -> str:
        return self.environ["S3_BUCKET"]

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.environ.get("S3_ENDPOINT_URL") or None,
            region_name=self.environ.get("S3_REGION") or None,
            aws_access_key_id=self.environ.get("S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=self.environ.get("S3_SECRET_ACCESS_KEY") or None,
        )

    def keys(self) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2")
        bucket = self.environ["S3_BUCKET"]
        return [
            item["Key"]
            for page in pages.paginate(Bucket=bucket, Prefix=self.prefix)
            for item in page.get("Contents", [])
        ]

    def snapshot(self) -> dict[str, str]:
        client, bucket = self.client(), self.environ["S3_BUCKET"]
        return {
            key.removeprefix(self.prefix): hashlib.sha256(
                client.get_object(Bucket=bucket, Key=key)["Body"].read()
            ).hexdigest()
            for key in sorted(self.keys())
        }

    def wipe(self) -> None:
        client, bucket = self.client(), self.environ["S3_BUCKET"]
        for key in self.keys():
            client.delete_object(Bucket=bucket, Key=key)


def media_env(media) -> dict:
    if isinstance(media, Bucket):
        return {**media.environ, "MEDIA_ROOT": str(media.folder)}
    return {"MEDIA_ROOT": str(media)}


def manage(*args, url: str, media, **env) -> str:
    """Run ``manage.py`` for the drill's database and media (a folder or a ``Bucket``)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, **media_env(media), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    return result.stdout


def snapshot_tables(url: str) -> dict[str, list]:
    """Every row of every table (and every sequence's position), sorted: what must survive."""
    if url.startswith("sqlite"):
        db = sqlite3.connect(urlsplit(url).path)
        try:
            names = [
                r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            return {n: sorted(map(repr, db.execute(f'SELECT * FROM "{n}"'))) for n in names}
        finally:
            db.close()
    with psycopg.connect(url) as db:
        names = [
            r[0]
            for r in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        tables = {n: sorted(map(repr, db.execute(f'SELECT * FROM "{n}"'))) for n in names}
        for (seq,) in db.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall():
            tables[f"sequence {seq}"] = [
                repr(db.execute(f'SELECT last_value FROM "{seq}"').fetchone())
            ]
        return tables


def snapshot_files(media) -> dict[str, str]:
    if isinstance(media, Bucket):
        return media.snapshot()
    if not media.exists():
        return {}
    return {
        p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(media.rglob("*"))
        if p.is_file()
    }


def wipe(url: str, media) -> None:
    """Lose everything: the database's tables and the media folder or bucket."""
    if url.startswith("sqlite"):
        Path(urlsplit(url).path).unlink()
    else:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("DROP SCHEMA public CASCADE")
            db.execute("CREATE SCHEMA public")
    if isinstance(media, Bucket):
        media.wipe()
        return
    shutil.rmtree(media, ignore_errors=True)
    media.mkdir()


def differences(before: dict, after: dict) -> list[str]:
    found = [f"missing after restore: {k}" for k in before.keys() - after.keys()]
    found += [f"new after restore: {k}" for k in after.keys() - before.keys()]
    for key in sorted(before.keys() & after.keys()):
        if before[key] != after[key]:
            rows = len(before[key]) if isinstance(before[key], list) else 1
            found.append(f"differs: {key} ({rows} before)")
    return found


def drill(url: str, media, backup_file: Path, say=print) -> dict:
    """Back up, wipe, restore and compare; returns figures and the differences found."""
    tables, files = snapshot_tables(url), snapshot_files(media)
    start = time.monotonic()
    manage("backup", str(backup_file), url=url, media=media)
    backup_seconds = time.monotonic() - start
    size = backup_file.stat().st_size
    say(f"  backup: {size / 1e6:.1f} MB in {backup_seconds:.1f} s")
    wipe(url, media)
    if url.startswith("sqlite"):
        Path(urlsplit(url).path).touch()
    say(f"  wiped: database and {len(files)} files")
    start = time.monotonic()
    manage("restore", str(backup_file), "--yes", url=url, media=media)
    restore_seconds = time.monotonic() - start
    say(f"  restore: {restore_seconds:.1f} s")
    found = differences(tables, snapshot_tables(url)) + differences(files, snapshot_files(media))
    rows = sum(len(v) for v in tables.values())
    say(f"  compared {len(tables)} tables ({rows} rows), {len(files)} files: {len(found)} differ")
    return {
        "size": size,
        "backup_seconds": backup_seconds,
        "restore_seconds": restore_seconds,
        "tables": len(tables),
        "rows": rows,
        "files": len(files),
        "differences": found,
    }
