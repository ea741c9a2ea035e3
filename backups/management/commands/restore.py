"""``manage.py restore FILE --yes``: replace the database and the media store with a backup."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.archive import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup`: database and media are REPLACED."

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="the backup file")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="really replace the current database and files (required)",
        )

    def handle(self, *args, source, yes, **options):
        if not yes:
            raise CommandError("restore replaces the database and every file: add --yes.")
        if not source.is_file():
            raise CommandError(f"No such backup: {source}")
        start = time.monotonic()
        try:
            manifest = restore_backup(source)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"restore: {source} ({manifest['database']} database of {manifest['created']}, "
            f"{len(manifest['files'])} files) in {time.monotonic() - start:.1f} s"
        )
