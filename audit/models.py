"""A record of every read of pupil data: who, in which role, what (by id), when, how."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    VIEW = "view", _("bekeken")
    DOWNLOAD = "download", _("gedownload")
    EXPORT = "export", _("geëxporteerd")
    PRINT = "print", _("afgedrukt")


# The object types views record, with the names the log page shows.
OBJECT_TYPES = [
    ("cases.case", _("Casus")),
    ("schools.pupil", _("Leerling (dossier of gegevens)")),
    ("plans.actionplan", _("Plan van aanpak")),
    ("plans.plandocument", _("Plan van aanpak (pdf)")),
    ("plans.planscan", _("Plan van aanpak (scan)")),
    ("plans.plansignatory", _("Plan van aanpak (handtekening)")),
    ("cases.talk", _("Gesprek")),
    ("cases.evidence", _("Bijlage (bewijs)")),
    ("dossier.dossierentry", _("Aantekening in het dossier")),
    ("noblame.traject", _("No Blame-traject")),
    ("noblame.victimtalk", _("No Blame: brief of tekening")),
    ("schools.importrun", _("Import uit de leerlingadministratie")),
]


class AccessRecord(models.Model):
    """One read. Objects are named by type and id only, never by a pupil's name."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="access_records",
        verbose_name=_("gebruiker"),
    )
    # Kept so a record still says who it was if the account is ever removed.
    username = models.CharField(_("gebruikersnaam"), max_length=150)
    roles = models.CharField(_("rol(len)"), max_length=100, blank=True)
    at = models.DateTimeField(_("tijdstip"), default=timezone.now, db_index=True)
    object_type = models.CharField(_("soort object"), max_length=100)
    object_id = models.CharField(_("object-id"), max_length=64)
    action = models.CharField(_("handeling"), max_length=10, choices=AccessAction.choices)
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.PROTECT,
        null=True,
        related_name="access_records",
        verbose_name=_("school"),
    )
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)

    class Meta:
        verbose_name = _("toegangsregistratie")
        verbose_name_plural = _("toegangsregistraties")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "-at"], name="audit_access_school_at")]

    def __str__(self) -> str:
        return f"{self.username} {self.action} {self.object_type} #{self.object_id}"

    @property
    def object_type_label(self) -> str:
        return str(dict(OBJECT_TYPES).get(self.object_type, self.object_type))
