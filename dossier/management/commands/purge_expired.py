"""Remove or anonymise the case data of pupils who left more than N years ago.

A dry run unless ``--apply`` is given. The report names objects by id, never by name.
Afterwards, in the same mode, the files no row refers to go too (``purge_orphan_files``):
what a rolled-back or killed write left behind, which retention would never delete.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dossier.orphans import purge_orphan_files
from dossier.retention import purge_expired


class Command(BaseCommand):
    help = (
        "Remove or anonymise the case data of pupils who left more than RETENTION_YEARS "
        "years ago (files included), then the files no row refers to (purge_orphan_files). "
        "Shows what it would do unless --apply is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="carry the purge out (default: dry run)"
        )
        parser.add_argument(
            "--years",
            type=int,
            default=None,
            help=f"retention in years (default: RETENTION_YEARS, now {settings.RETENTION_YEARS})",
        )

    def handle(self, *args, apply, years, **options):
        if years is not None and years < 1:
            raise CommandError("--years must be at least 1.")
        report = purge_expired(years=years, apply=apply)
        for line in report.lines():
            self.stdout.write(line)
        # After the purge committed and deleted its own files: only leftovers remain.
        for line in purge_orphan_files(apply=apply).lines():
            self.stdout.write(line)
