"""``manage.py backup FILE``: the database and every stored file, encrypted (``BACKUP_KEY``)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.archive import BackupError, make_backup


class Command(BaseCommand):
    help = "Back up the database and the media store into one encrypted file."

    def add_arguments(self, parser):
        parser.add_argument("output", type=Path, help="the file to write, e.g. /backup/pp.gpg")

    def handle(self, *args, output, **options):
        start = time.monotonic()
        try:
            manifest = make_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"backup: {output} ({output.stat().st_size} bytes, {manifest['database']} database, "
            f"{len(manifest['files'])} files) in {time.monotonic() - start:.1f} s"
        )
