"""The school's organisation: board, schools, classes (groepen), pupils, guardians, staff roles."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.holidays import Region


class SchoolBoard(models.Model):
    """A school board (schoolbestuur) runs one or more schools on one installation."""

    name = models.CharField(_("naam"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("schoolbestuur")
        verbose_name_plural = _("schoolbesturen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    board = models.ForeignKey(
        SchoolBoard, on_delete=models.PROTECT, related_name="schools", verbose_name=_("bestuur")
    )
    name = models.CharField(_("naam"), max_length=200)
    town = models.CharField(_("plaats"), max_length=100, blank=True)
    # Protocol dates the seeds give are defaults each school may change (the No Blame
    # windows are in ``noblame.SchoolSettings``).
    one_off_review_days = models.PositiveSmallIntegerField(
        _("dagen tot het evaluatiegesprek (stap 2.2)"), default=14
    )
    # How many days after its planned date a one-off review still counts as on time.
    one_off_review_late_days = models.PositiveSmallIntegerField(
        _("dagen speling na het evaluatiegesprek (stap 2.2)"), default=7
    )
    # A victim in a third bullying case within this many months: talk about outside help.
    victim_outside_help_months = models.PositiveSmallIntegerField(
        _("periode voor de derde casus van een gepeste (maanden)"), default=24
    )
    # Staff in the other roles always sign in with a second factor (accounts.policy).
    teachers_need_two_factor = models.BooleanField(
        _("tweestapsverificatie ook voor leerkrachten"), default=False
    )
    # Staff may sign in with the board's Microsoft or Google account (accounts.sso).
    single_sign_on = models.BooleanField(_("inloggen via de schoolaccount"), default=False)
    # Its holidays, unless the school keeps its own list (SchoolHoliday).
    holiday_region = models.CharField(
        _("vakantieregio"), max_length=10, choices=Region.choices, default=Region.MIDDEN
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("scholen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["board", "name"], name="school_unique_name_per_board"),
            models.CheckConstraint(
                condition=Q(one_off_review_days__gte=1, one_off_review_days__lte=90),
                name="school_one_off_review_days_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    one_off_review_late_days__lte=60,
                    victim_outside_help_months__gte=1,
                    victim_outside_help_months__lte=120,
                ),
                name="school_protocol_windows_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def contact_names(self) -> list[str]:
        """The anti-pestcoördinator(s): the named contact for pupils and parents that the Wet
        veiligheid op school requires; printed on what parents get."""
        memberships = self.memberships.filter(role=Role.COORDINATOR, user__is_active=True)
        users = [m.user for m in memberships.select_related("user").order_by("user__last_name")]
        return [user.get_full_name() or user.username for user in users]


class SchoolHoliday(models.Model):
    """A holiday of one school, when the school keeps its own list instead of its region's
    (``schools.holidays``)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(_("naam"), max_length=100)
    starts_on = models.DateField(_("eerste dag"))
    ends_on = models.DateField(_("laatste dag"))

    class Meta:
        verbose_name = _("schoolvakantie")
        verbose_name_plural = _("schoolvakanties")
        ordering = ["school", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="school_holiday_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%d-%m-%Y} – {self.ends_on:%d-%m-%Y})"


SCHOOL_YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")


def current_school_year(today=None) -> str:
    """The Dutch school year starts in August: 2026-2027 runs from Aug 2026 to July 2027."""
    today = today or timezone.localdate()
    start = today.year if today.month >= 8 else today.year - 1
    return f"{start}-{start + 1}"


def validate_school_year(value: str) -> None:
    match = SCHOOL_YEAR_RE.match(value or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValidationError(_("Schrijf het schooljaar als 2026-2027."))


class SchoolClass(models.Model):
    """A groep in one school year. Not called Group: that clashes with django.contrib.auth."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="classes", verbose_name=_("school")
    )
    school_year = models.CharField(_("schooljaar"), max_length=9, validators=[validate_school_year])
    name = models.CharField(_("naam"), max_length=50, help_text=_("Bijvoorbeeld: groep 5a"))
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="school_classes",
        verbose_name=_("leerkrachten"),
    )

    class Meta:
        verbose_name = _("groep")
        verbose_name_plural = _("groepen")
        ordering = ["school", "-school_year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="class_unique_name_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year})"


class Pupil(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="pupils", verbose_name=_("school")
    )
    first_name = models.CharField(_("voornaam"), max_length=100)
    last_name = models.CharField(
        _("achternaam"), max_length=100, help_text=_("Met tussenvoegsel, bijvoorbeeld: de Vries")
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pupils",
        verbose_name=_("groep"),
    )
    date_of_birth = models.DateField(_("geboortedatum"), null=True, blank=True)
    left_on = models.DateField(_("datum van vertrek"), null=True, blank=True)
    # The number the school's pupil administration (ParnasSys, ESIS, Somtoday) gives;
    # the import matches on it. Never the BSN.
    pupil_number = models.CharField(_("leerlingnummer"), max_length=30, blank=True, db_index=True)

    class Meta:
        verbose_name = _("leerling")
        verbose_name_plural = _("leerlingen")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["school", "last_name", "first_name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "pupil_number"],
                condition=~Q(pupil_number=""),
                name="pupil_unique_number_per_school",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        if self.school_class_id and self.school_class.school_id != self.school_id:
            raise ValidationError(
                {"school_class": _("Deze groep hoort bij een andere school dan de leerling.")}
            )


class Guardian(models.Model):
    """A parent or carer (ouder/verzorger). Parents have no login in this version."""

    first_name = models.CharField(_("voornaam"), max_length=100)
    last_name = models.CharField(_("achternaam"), max_length=100)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=30, blank=True)
    pupils = models.ManyToManyField(
        Pupil, through="GuardianRelation", related_name="guardians", verbose_name=_("leerlingen")
    )

    class Meta:
        verbose_name = _("ouder/verzorger")
        verbose_name_plural = _("ouders/verzorgers")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class GuardianRelation(models.Model):
    class Relation(models.TextChoices):
        MOTHER = "mother", _("moeder")
        FATHER = "father", _("vader")
        PARENT = "parent", _("ouder")
        CARER = "carer", _("verzorger")
        GUARDIAN = "guardian", _("voogd")
        OTHER = "other", _("anders")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardian_relations")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="pupil_relations")
    relation = models.CharField(_("relatie"), max_length=20, choices=Relation.choices)
    has_custody = models.BooleanField(_("heeft gezag"), default=True)

    class Meta:
        verbose_name = _("relatie ouder/verzorger")
        verbose_name_plural = _("relaties ouders/verzorgers")
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "guardian"], name="guardian_relation_unique_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} ({self.get_relation_display()} van {self.pupil})"


class Role(models.TextChoices):
    TEACHER = "teacher", _("leerkracht")
    IB = "ib", _("intern begeleider")
    SMW = "smw", _("schoolmaatschappelijk werker")
    DIRECTOR = "director", _("directie")
    ADMIN = "admin", _("beheerder")
    # The anti-pestcoördinator the Wet veiligheid op school requires: the named contact for
    # pupils and parents; sees the school's cases and owns its year report.
    COORDINATOR = "coordinator", _("anti-pestcoördinator")
    # The board's quality officer: figures across the board's schools, never a pupil or a case.
    BOARD = "board", _("bestuur / kwaliteitszorg")


class Membership(models.Model):
    """A staff member's role at one school; one person may work at two schools or hold two roles."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("rol op school")
        verbose_name_plural = _("rollen op school")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.school})"


class ImportMapping(models.Model):
    """The column mapping a school last used for its pupil-administration export.

    ``mapping`` maps a normalised column header (see ``schools.importing.normalise_header``)
    to a target field of the import; it prefills the mapping step of the next import.
    """

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="import_mapping", verbose_name=_("school")
    )
    mapping = models.JSONField(_("kolomindeling"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gewijzigd door"),
    )
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        verbose_name = _("kolomindeling voor de import")
        verbose_name_plural = _("kolomindelingen voor de import")

    def __str__(self) -> str:
        return f"ImportMapping #{self.pk}"


class ImportRun(models.Model):
    """One upload of a pupil-administration export: who imported what, when, with what result.

    The file itself is kept only while the import waits in preview; applying or
    cancelling clears it (data minimisation). ``counts`` holds the numbers of the
    preview and, once applied, of what was written.
    """

    class Status(models.TextChoices):
        PREVIEW = "preview", _("voorbeeld")
        APPLIED = "applied", _("doorgevoerd")
        CANCELLED = "cancelled", _("geannuleerd")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="import_runs", verbose_name=_("school")
    )
    school_year = models.CharField(_("schooljaar"), max_length=9, validators=[validate_school_year])
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("geüpload door"),
    )
    created_at = models.DateTimeField(_("geüpload op"), default=timezone.now)
    file_name = models.CharField(_("bestandsnaam"), max_length=255)
    encoding = models.CharField(_("tekenset"), max_length=20)
    delimiter = models.CharField(_("scheidingsteken"), max_length=1)
    mapping = models.JSONField(_("kolomindeling"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    raw_file = models.BinaryField(_("bestand"), blank=True, default=b"", editable=False)
    counts = models.JSONField(_("aantallen"), default=dict, blank=True)
    leaving_on = models.DateField(
        _("vertrekdatum voor ontbrekende leerlingen"), null=True, blank=True
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("doorgevoerd door"),
    )
    applied_at = models.DateTimeField(_("doorgevoerd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("import uit de leerlingadministratie")
        verbose_name_plural = _("imports uit de leerlingadministratie")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="preview") | Q(raw_file=b""),
                name="import_run_file_only_in_preview",
            ),
        ]

    def __str__(self) -> str:
        return f"ImportRun #{self.pk}"


def _register_import_run_history() -> None:
    """Keep the change history of an import run without the uploaded file: the file holds
    the whole school's pupil and parent data and is cleared after the import, which a
    copy in the history would undo. ``audit.tracking`` skips models registered already."""
    from auditlog.registry import auditlog

    if not auditlog.contains(ImportRun):
        auditlog.register(ImportRun, exclude_fields=["raw_file"])


_register_import_run_history()
