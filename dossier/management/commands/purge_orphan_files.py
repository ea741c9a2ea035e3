"""List, and with ``--apply`` remove, files in the media store that no row refers to.

Only files older than ``--min-age-hours`` (24) count: a younger one may belong to a
transaction still running. ``purge_expired`` runs this sweep too.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from dossier.orphans import MIN_AGE, purge_orphan_files

DEFAULT_HOURS = MIN_AGE.total_seconds() / 3600


class Command(BaseCommand):
    help = (
        "List files in the media store that no row refers to and that are older than "
        "--min-age-hours; --apply removes them. Names are random ids, never a pupil's."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="remove the orphan files (default: dry run)"
        )
        parser.add_argument(
            "--min-age-hours",
            type=float,
            default=DEFAULT_HOURS,
            help=f"only files older than this count (default: {DEFAULT_HOURS:g})",
        )

    def handle(self, *args, apply, min_age_hours, **options):
        if min_age_hours < 1:
            raise CommandError(
                "--min-age-hours must be at least 1: a newer file may belong to a "
                "transaction that is still running."
            )
        report = purge_orphan_files(apply=apply, min_age=datetime.timedelta(hours=min_age_hours))
        for line in report.lines():
            self.stdout.write(line)
