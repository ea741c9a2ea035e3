"""``manage.py send_reminders``: e-mail staff about planned talks that are due or overdue.

Meant for cron (e.g. every school day at 07:00). Idempotent: every reminder is kept
as a ``Notification`` and the same reminder is never sent twice, so running it again
the same day sends nothing new. The e-mail names the talk, the case reference and
the date, with a link to the case; never a pupil.

Who gets it: the responsible teacher of the case (or whoever logged it); when a talk
is overdue the case's IB as well.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.models import Notification
from cases.queries import open_planned_talks
from cases.services import notify


class Command(BaseCommand):
    help = "E-mail staff about planned talks that are due soon or overdue (safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=2,
            help="remind about talks planned within this many days from today (default 2)",
        )
        parser.add_argument("--dry-run", action="store_true", help="only count what would be sent")

    def handle(self, *args, days, dry_run, **options):
        today = timezone.localdate()
        talks = (
            open_planned_talks()
            .filter(planned_on__lte=today + datetime.timedelta(days=days))
            .select_related("case", "case__responsible_teacher", "case__logged_by", "case__ib")
        )
        sent = skipped = 0
        with translation.override(settings.LANGUAGE_CODE):
            for talk in talks:
                for user, message in _reminders(talk, today):
                    if not user.is_active:
                        continue
                    if Notification.objects.filter(
                        user=user, case=talk.case, message=message
                    ).exists():
                        skipped += 1
                        continue
                    sent += 1
                    if not dry_run:
                        with transaction.atomic():
                            notify(user, talk.case, message)
        verb = "would send" if dry_run else "sent"
        self.stdout.write(f"send_reminders: {verb} {sent}, already sent before {skipped}.")


def _reminders(talk, today: datetime.date):
    """(user, message) pairs for one planned talk. Messages never name a pupil."""
    case = talk.case
    values = {
        "talk": talk.get_kind_display(),
        "ref": case.reference,
        "date": date_format(talk.planned_on, "j F Y"),
    }
    teacher = case.responsible_teacher or case.logged_by
    if talk.planned_on < today:
        message = (
            _(
                "Te laat: %(talk)s in casus %(ref)s stond gepland op %(date)s en is nog niet "
                "vastgelegd."
            )
            % values
        )
        people = [teacher, case.ib]
    else:
        message = _("Herinnering: %(talk)s in casus %(ref)s staat gepland op %(date)s.") % values
        people = [teacher]
    seen = set()
    for user in people:
        if user is not None and user.pk not in seen:
            seen.add(user.pk)
            yield user, message[:300]
