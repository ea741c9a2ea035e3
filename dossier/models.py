"""The pupil's dossier: entries (aantekeningen) about a pupil, across cases, per school.

The table keeps its original name (``cases_dossierentry``): the model moved here from
``cases`` without moving data. Entries are written only through ``dossier.services``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import ChoiceLabels
from cases.models import Case
from plans.models import ActionPlan
from schools.models import Pupil, School


class DossierEntry(ChoiceLabels, models.Model):
    """An entry (aantekening) in a pupil's dossier. Newest first on the pupil page."""

    class Kind(models.TextChoices):
        ONE_OFF = "one_off", _("eenmalig incident besproken")
        PLAN = "plan", _("plan van aanpak")
        CLOSING = "closing", _("casus afgesloten")
        RECURRENCE = "recurrence", _("herhaling")
        NO_BLAME = "no_blame", _("No Blame-aanpak")
        NOTE = "note", _("aantekening")

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="dossier_entries")
    # The school that wrote the entry. A pupil who moves to another school of the board
    # takes no entries along: each school reads and exports only its own.
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="dossier_entries",
        verbose_name=_("school"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="dossier_entries"
    )
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("tekst"))
    plan = models.ForeignKey(
        ActionPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="dossier_entries"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "cases_dossierentry"
        verbose_name = _("aantekening in het leerlingdossier")
        verbose_name_plural = _("aantekeningen in het leerlingdossier")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["pupil", "school"], name="dossier_entry_pupil_school")]

    def __str__(self) -> str:
        return f"{self.pupil}: {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        """Without a school given, the entry belongs to its case's school, else to the
        pupil's current school. An entry of a case never belongs to another school."""
        if self.case_id is not None:
            if self.school_id is None:
                self.school_id = self.case.school_id
            elif self.school_id != self.case.school_id:
                raise ValidationError(_("Een aantekening hoort bij de school van de casus."))
        elif self.school_id is None:
            self.school_id = self.pupil.school_id
        super().save(*args, **kwargs)
