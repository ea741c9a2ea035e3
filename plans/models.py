"""The plan van aanpak (stap 4): versioned, signed by everyone involved, locked, filed as PDF.

The tables keep their original names (``cases_*``): the models moved here from ``cases``
without moving data. Plans change only through ``plans.services``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import ChoiceLabels
from cases.models import Case, CasePupil, Talk
from cases.talks import TalkKind
from plans.content import ACTIVITIES
from schools.models import Guardian, Pupil


class PlanLocked(ValidationError):
    """A signed (locked) plan, or a plan someone already signed, cannot change."""


def _refuse_when_locked(plan_id) -> None:
    if plan_id and ActionPlan.objects.filter(pk=plan_id, locked_at__isnull=False).exists():
        raise PlanLocked(
            _("Dit plan is door iedereen getekend en vastgezet; maak een nieuwe versie.")
        )


def plan_file_path(instance, filename: str) -> str:
    """Random stored name: nothing in a path names a pupil."""
    import uuid

    plan = instance if isinstance(instance, ActionPlan) else instance.plan
    return f"plans/{plan.case.school_id}/{uuid.uuid4().hex}"


class ActionPlan(ChoiceLabels, models.Model):
    """The plan van aanpak (stap 4), versioned; locked once every signatory signed.

    A locked plan never changes: a change is a new version that is signed again.
    The coaches it names are applied to the case when it locks (the case's coach
    fields follow the latest locked plan), and its planning becomes the case's
    planned talks.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveSmallIntegerField(_("versie"))
    agreements = models.TextField(_("algemene afspraken"), blank=True)
    coach_bully = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coach van de pester"),
    )
    coach_victim = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coach van de gepeste"),
    )
    coach_group = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coach van de groep"),
    )
    activities = models.JSONField(_("extra activiteiten"), default=list, blank=True)
    activities_other = models.TextField(_("andere activiteiten"), blank=True)
    registration = models.TextField(_("registratie van activiteiten en evaluaties"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    locked_at = models.DateTimeField(_("vastgezet op"), null=True, blank=True)

    class Meta:
        db_table = "cases_actionplan"
        verbose_name = _("plan van aanpak")
        verbose_name_plural = _("plannen van aanpak")
        ordering = ["case", "version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="plan_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="plan_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{_('Plan van aanpak')} {self.case.reference} v{self.version}"

    def save(self, *args, **kwargs):
        _refuse_when_locked(self.pk)
        super().save(*args, **kwargs)

    @property
    def is_signed_by_all(self) -> bool:
        """Every signatory signed, or is a parent recorded as refusing (and someone signed)."""
        signatories = list(self.signatories.all())
        return (
            bool(signatories)
            and all(s.is_settled for s in signatories)
            and any(s.signed_at for s in signatories)
        )

    @property
    def refusals(self) -> list["PlanSignatory"]:
        return [s for s in self.signatories.all() if s.refused_on is not None]

    @property
    def is_latest(self) -> bool:
        return not self.case.plans.filter(version__gt=self.version).exists()

    @property
    def has_signatures(self) -> bool:
        """Someone signed, or a parent's refusal is recorded: the content is fixed. From
        the signatories fetched with the plan when they were (the case page's panel)."""
        if "signatories" in getattr(self, "_prefetched_objects_cache", {}):
            return any(
                s.signed_at is not None or s.refused_on is not None for s in self.signatories.all()
            )
        return self.signatories.filter(
            Q(signed_at__isnull=False) | Q(refused_on__isnull=False)
        ).exists()

    def activity_labels(self) -> list[str]:
        labels = dict(ACTIVITIES)
        return [str(labels[slug]) for slug in self.activities if slug in labels]

    def pdf_filename(self) -> str:
        """No pupil names: the case reference and the version say which plan it is."""
        return f"plan-van-aanpak-{self.case.reference}-v{self.version}.pdf"


class _PlanPart(models.Model):
    """A part of a plan's content: it changes only while the plan is unlocked."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        _refuse_when_locked(self.plan_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_when_locked(self.plan_id)
        return super().delete(*args, **kwargs)


class PlanAgreement(_PlanPart):
    """The agreements made with one party: a pupil, a pupil's parents, the group, the school."""

    class Party(models.TextChoices):
        PUPIL = "pupil", _("leerling")
        GUARDIANS = "guardians", _("ouders/verzorgers van")
        GROUP = "group", _("de groep")
        SCHOOL = "school", _("de school")

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="party_agreements")
    position = models.PositiveSmallIntegerField(default=0)
    party = models.CharField(_("met wie"), max_length=20, choices=Party.choices)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("afspraken"))

    class Meta:
        db_table = "cases_planagreement"
        verbose_name = _("afspraak in het plan")
        verbose_name_plural = _("afspraken in het plan")
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(party__in=["pupil", "guardians"], pupil__isnull=False)
                    | Q(party__in=["group", "school"], pupil__isnull=True)
                ),
                name="plan_agreement_party_names_pupil",
            ),
            models.UniqueConstraint(
                fields=["plan", "party", "pupil"], name="plan_agreement_once_per_pupil"
            ),
            models.UniqueConstraint(
                fields=["plan", "party"],
                condition=Q(pupil__isnull=True),
                name="plan_agreement_once_per_party",
            ),
        ]

    def __str__(self) -> str:
        return self.party_label

    @property
    def party_label(self) -> str:
        if self.party == self.Party.PUPIL:
            part = CasePupil.objects.filter(case_id=self.plan.case_id, pupil=self.pupil).first()
            role = f" ({part.get_role_display()})" if part else ""
            return f"{self.pupil.full_name}{role}"
        if self.party == self.Party.GUARDIANS:
            return _("Ouders/verzorgers van %(name)s") % {"name": self.pupil.first_name}
        return str(self.get_party_display()).capitalize()


class PlanTalk(_PlanPart):
    """One talk of the plan's planning (stap 6–10): when, what, with whom.

    When the plan locks it becomes (or moves) a planned talk of the case: ``talk``.
    """

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="talks")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("gesprek"), max_length=30, choices=TalkKind.choices)
    planned_on = models.DateField(_("datum"))
    participants = models.CharField(_("wie zijn erbij"), max_length=300, blank=True)
    talk = models.ForeignKey(
        Talk, on_delete=models.SET_NULL, null=True, blank=True, related_name="plan_items"
    )

    class Meta:
        db_table = "cases_plantalk"
        verbose_name = _("gepland gesprek in het plan")
        verbose_name_plural = _("geplande gesprekken in het plan")
        ordering = ["plan", "planned_on", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.planned_on:%d-%m-%Y} {self.get_kind_display()}"


class PlanScan(models.Model):
    """A scan of a paper copy of the plan, signed with pen (PDF, JPEG or PNG)."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="scans")
    file = models.FileField(_("bestand"), upload_to=plan_file_path)
    original_name = models.CharField(_("oorspronkelijke naam"), max_length=255)
    content_type = models.CharField(_("soort bestand"), max_length=100)
    size = models.PositiveIntegerField(_("grootte in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "cases_planscan"
        verbose_name = _("scan van het getekende plan")
        verbose_name_plural = _("scans van getekende plannen")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class PlanSignatory(ChoiceLabels, models.Model):
    """Someone who signs the plan: on the screen (a drawn PNG) or on paper (a scan)."""

    class Method(models.TextChoices):
        SCREEN = "screen", _("op het scherm")
        PAPER = "paper", _("op papier")

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="signatories")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("naam"), max_length=200)
    role = models.CharField(_("rol"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    guardian = models.ForeignKey(
        Guardian, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("getekend op"), null=True, blank=True)
    method = models.CharField(_("getekend"), max_length=10, choices=Method.choices, blank=True)
    signature = models.FileField(_("handtekening"), upload_to=plan_file_path, blank=True)
    scan = models.ForeignKey(
        PlanScan, on_delete=models.PROTECT, null=True, blank=True, related_name="signatories"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    # A parent who will not sign: recorded by the IB (``recorded_by``) with the date and
    # the reason; the plan shows it and may then go on without this signature.
    refused_on = models.DateField(_("weigerde te tekenen op"), null=True, blank=True)
    refusal_reason = models.TextField(_("reden van de weigering"), blank=True)

    class Meta:
        db_table = "cases_plansignatory"
        verbose_name = _("ondertekenaar")
        verbose_name_plural = _("ondertekenaars")
        ordering = ["plan", "position", "pk"]
        constraints = [
            # A signatory is exactly one of: staff member, guardian, pupil.
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, guardian__isnull=True, pupil__isnull=True)
                    | Q(user__isnull=True, guardian__isnull=False, pupil__isnull=True)
                    | Q(user__isnull=True, guardian__isnull=True, pupil__isnull=False)
                ),
                name="signatory_is_one_person",
            ),
            # A signature is either not there, or drawn on screen, or on a scanned paper copy.
            models.CheckConstraint(
                condition=(
                    Q(signed_at__isnull=True, method="", signature="", scan__isnull=True)
                    | Q(signed_at__isnull=False, method="screen", scan__isnull=True)
                    & ~Q(signature="")
                    | Q(signed_at__isnull=False, method="paper", signature="", scan__isnull=False)
                ),
                name="signatory_signature_is_evidenced",
            ),
            # Only a parent can refuse, never after signing, and always with a reason.
            models.CheckConstraint(
                condition=Q(refused_on__isnull=True, refusal_reason="")
                | Q(
                    refused_on__isnull=False,
                    guardian__isnull=False,
                    signed_at__isnull=True,
                    recorded_by__isnull=False,
                )
                & ~Q(refusal_reason=""),
                name="signatory_refusal_is_a_parents_with_reason",
            ),
            models.UniqueConstraint(
                fields=["plan", "user"], condition=Q(user__isnull=False), name="signatory_user_once"
            ),
            models.UniqueConstraint(
                fields=["plan", "guardian"],
                condition=Q(guardian__isnull=False),
                name="signatory_guardian_once",
            ),
            models.UniqueConstraint(
                fields=["plan", "pupil"],
                condition=Q(pupil__isnull=False),
                name="signatory_pupil_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    @property
    def is_staff_member(self) -> bool:
        return self.user_id is not None

    @property
    def has_refused(self) -> bool:
        return self.refused_on is not None

    @property
    def is_settled(self) -> bool:
        """Signed, or (a parent) recorded as refusing to sign."""
        return self.signed_at is not None or self.refused_on is not None


class PlanDocument(models.Model):
    """The PDF of a locked plan, stored once when it locked and never made again."""

    plan = models.OneToOneField(ActionPlan, on_delete=models.PROTECT, related_name="document")
    file = models.FileField(_("bestand"), upload_to=plan_file_path)
    size = models.PositiveIntegerField(_("grootte in bytes"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "cases_plandocument"
        verbose_name = _("opgeslagen plan (pdf)")
        verbose_name_plural = _("opgeslagen plannen (pdf)")

    def __str__(self) -> str:
        return self.plan.pdf_filename()
