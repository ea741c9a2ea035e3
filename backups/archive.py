"""One encrypted file holding the database and every stored file, and the way back.

``manage.py backup`` writes a tar stream through GnuPG (symmetric AES-256, the passphrase
from ``BACKUP_KEY``) into one file:

- ``manifest.json``: when, which database, and the SHA-256 of every stored file;
- ``database.dump``: ``pg_dump --format=custom`` (PostgreSQL; one consistent snapshot) or
  ``database.sqlite3``: SQLite's online backup API;
- ``media/<name>``: every file in the media store, read through Django's storage API (a
  local folder or an S3 bucket alike).

The database goes first: files are written before the rows that name them and removed
only after the rows are gone, so every file a row in the dump names is still there when
the files are copied (an extra file is an orphan, swept a day later).

``manage.py restore FILE`` puts both back: the database replaced whole, the media store
emptied and filled from the backup, each file checked against its SHA-256. With GnuPG the
archive opens by hand as well: ``gpg -d FILE | tar x``.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from dossier.orphans import stored_names

FORMAT = 1
MIN_KEY_LENGTH = 32


class BackupError(Exception):
    pass


def backup_key() -> str:
    key = os.environ.get("BACKUP_KEY", "")
    if len(key) < MIN_KEY_LENGTH:
        raise BackupError(
            f"BACKUP_KEY must be set to a random passphrase of at least {MIN_KEY_LENGTH} "
            "characters (keep a copy away from the backups)."
        )
    return key


def _postgres_tool(name: str) -> str:
    """The newest ``pg_dump``/``pg_restore``: Debian's versioned folders, else PATH."""
    found = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: [int(x) for x in p.parent.parent.name.split(".") if x.isdigit()],
    )
    if found:
        return str(found[-1])
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools.")
    return path


def _postgres_env() -> dict:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _run(command: list[str], **kwargs) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


@contextmanager
def _gpg(args: list[str], key: str, **popen):
    """GnuPG in batch mode with the passphrase on its own pipe and a throw-away home."""
    home = tempfile.mkdtemp(prefix="pestprotocol-gnupg-")
    read_end, write_end = os.pipe()
    os.write(write_end, key.encode() + b"\n")
    os.close(write_end)
    command = ["gpg", "--batch", "--quiet", "--homedir", home, "--pinentry-mode", "loopback"]
    command += ["--passphrase-fd", str(read_end), *args]
    try:
        process = subprocess.Popen(command, pass_fds=(read_end,), stderr=subprocess.PIPE, **popen)
        yield process
        process.wait()
        if process.returncode != 0:
            raise BackupError(f"gpg failed: {process.stderr.read().decode()[-2000:]}")
    finally:
        os.close(read_end)
        shutil.rmtree(home, ignore_errors=True)


def _dump_database(folder: Path) -> Path:
    vendor = connection.vendor
    if vendor == "postgresql":
        target = folder / "database.dump"
        _run(
            [_postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target)],
            env=_postgres_env(),
        )
        return target
    if vendor == "sqlite":
        target = folder / "database.sqlite3"
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target
    raise BackupError(f"No backup for a {vendor} database.")


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    archive.addfile(info, io.BytesIO(data))


def make_backup(output: Path, *, storage=default_storage) -> dict:
    """Write the encrypted backup to ``output``; returns the manifest."""
    key = backup_key()
    output = Path(output)
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="pestprotocol-backup-") as work:
        dump = _dump_database(Path(work))
        names = sorted(stored_names(storage))
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "database": connection.vendor,
            "database_file": dump.name,
            "files": {},
        }
        with (
            open(partial, "wb") as sink,
            _gpg(
                ["--symmetric", "--cipher-algo", "AES256", "--compress-algo", "none"],
                key,
                stdin=subprocess.PIPE,
                stdout=sink,
            ) as gpg,
        ):
            with tarfile.open(fileobj=gpg.stdin, mode="w|") as archive:
                archive.add(dump, arcname=dump.name)
                for name in names:
                    digest = hashlib.sha256()
                    with storage.open(name, "rb") as handle:
                        data = handle.read()
                    digest.update(data)
                    manifest["files"][name] = digest.hexdigest()
                    _add_bytes(archive, f"media/{name}", data)
                _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
            gpg.stdin.close()
    os.replace(partial, output)
    os.chmod(output, 0o600)
    return manifest


def _wipe_storage(storage) -> int:
    names = list(stored_names(storage))
    for name in names:
        storage.delete(name)
    return len(names)


def _restore_database(path: Path) -> None:
    vendor = connection.vendor
    connection.close()
    if vendor == "postgresql":
        if path.name != "database.dump":
            raise BackupError("This backup holds no PostgreSQL database.")
        _run(
            [
                _postgres_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                settings.DATABASES["default"]["NAME"],
                str(path),
            ],
            env=_postgres_env(),
        )
    elif vendor == "sqlite":
        if path.name != "database.sqlite3":
            raise BackupError("This backup holds no SQLite database.")
        source = sqlite3.connect(path)
        target = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        raise BackupError(f"No restore for a {vendor} database.")


def restore_backup(source: Path, *, storage=default_storage) -> dict:
    """Replace the database and the media store with the backup in ``source``."""
    key = backup_key()
    with tempfile.TemporaryDirectory(prefix="pestprotocol-restore-") as work:
        folder = Path(work)
        files = folder / "media"
        with (
            open(source, "rb") as feed,
            _gpg(["--decrypt"], key, stdin=feed, stdout=subprocess.PIPE) as gpg,
        ):
            try:
                with tarfile.open(fileobj=gpg.stdout, mode="r|") as archive:
                    archive.extractall(folder, filter="data")
            except tarfile.TarError as error:
                gpg.wait()
                reason = gpg.stderr.read().decode().strip()[-500:]
                raise BackupError(
                    f"gpg failed, the backup cannot be read (wrong BACKUP_KEY?): {reason}"
                ) from error
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError("Unknown backup format.")
        for name, sha in manifest["files"].items():
            data = (files / name).read_bytes()
            if hashlib.sha256(data).hexdigest() != sha:
                raise BackupError(f"A file in the backup is damaged: {name}")
        _restore_database(folder / manifest["database_file"])
        _wipe_storage(storage)
        for name in manifest["files"]:
            with open(files / name, "rb") as handle:
                stored = storage.save(name, File(handle))
            if stored != name:
                raise BackupError(f"The store renamed {name} to {stored}.")
    return manifest
