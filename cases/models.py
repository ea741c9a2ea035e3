"""The case (casus), its stap 1–10 state machine, its talks, history and dossier entries.

State changes happen only through ``cases.services.case_transition``; the
transition methods below declare source, target, permission and guard for
django-fsm and carry no side effects of their own.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, FSMField, transition

from cases import rules
from cases.fsm import ThreadSafeConcurrentTransitionMixin
from cases.talks import TalkKind, missing_answers
from schools.models import Guardian, Pupil, School


class State(models.TextChoices):
    SIGNALED = "signaled", _("Gesignaleerd")
    VICTIM_TALK = "victim_talk", _("Stap 1: gesprek met de gepeste leerling")
    ASSESSMENT = "assessment", _("Stap 2: inschatting")
    RESOLVED_OTHER = "resolved_other", _("Stap 2.1: geen pesten, opgelost")
    ONE_OFF = "one_off", _("Stap 2.2: eenmalig incident")
    ONE_OFF_REVIEW = "one_off_review", _("Stap 2.2: evaluatie na twee weken")
    SUPPORT_GROUP = "support_group", _("Stap 3: No Blame-aanpak")
    ACTION_PLAN = "action_plan", _("Stap 4: plan van aanpak")
    COACHING = "coaching", _("Stap 5: coaching")
    TALKS = "talks", _("Stap 6: gesprekken")
    REFLECTION = "reflection", _("Stap 7: reflectie en excuses")
    GROUP_DISCUSSION = "group_discussion", _("Stap 8: bespreking in de groep")
    BACK_IN_CLASS = "back_in_class", _("Stap 9: terug in de groep")
    CLOSING = "closing", _("Stap 10: afsluiting")
    CLOSED = "closed", _("Afgesloten")


OPEN_STATES = [s for s in State.values if s != State.CLOSED]


class ReporterKind(models.TextChoices):
    PUPIL = "pupil", _("leerling")
    PARENT = "parent", _("ouder/verzorger")
    TEACHER = "teacher", _("leerkracht")
    INVOLVED = "involved", _("andere betrokkene")
    OBSERVATION = "observation", _("observatie")
    SURVEY = "survey", _("veiligheidsmeter")


class Place(models.TextChoices):
    CLASSROOM = "classroom", _("in de klas")
    PLAYGROUND = "playground", _("op het schoolplein")
    GYM = "gym", _("bij de gymles")
    LUNCH = "lunch", _("tijdens de middagpauze")
    AROUND_SCHOOL = "around_school", _("voor of na schooltijd")
    ONLINE = "online", _("online")
    OTHER = "other", _("elders")


def _target_after_repeated(case: "Case") -> str:
    """Stap 2 option 3: a pupil who already had the No Blame approach goes straight to stap 4."""
    return State.ACTION_PLAN if case.had_no_blame_before() else State.SUPPORT_GROUP


class Case(ThreadSafeConcurrentTransitionMixin, models.Model):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="cases", verbose_name=_("school")
    )
    reference = models.CharField(_("kenmerk"), max_length=20, editable=False)
    state = FSMField(
        _("stap"), default=State.SIGNALED, choices=State.choices, protected=True, db_index=True
    )
    # The signal (melding).
    reporter_kind = models.CharField(_("gemeld door"), max_length=20, choices=ReporterKind.choices)
    reporter_name = models.CharField(_("naam melder"), max_length=200, blank=True)
    signal_date = models.DateField(_("datum van het voorval"), default=timezone.localdate)
    place = models.CharField(_("plaats"), max_length=20, choices=Place.choices)
    description = models.TextField(_("wat is er gebeurd"))
    warning_signs = models.JSONField(_("signalen"), default=list, blank=True)
    is_digital = models.BooleanField(_("digitaal pesten"), default=False)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now, editable=False)
    # Staff involved.
    responsible_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verantwoordelijke leerkracht"),
    )
    ib = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("intern begeleider"),
    )
    smw = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("schoolmaatschappelijk werker"),
    )
    # Stap 5: coaches.
    coach_bully = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coach van de pester"),
    )
    coach_victim = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coach van de gepeste"),
    )
    coach_group = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coach van de groep (indien nodig)"),
    )
    # Stap 2.1: how it was solved when it was not bullying.
    outcome = models.TextField(_("uitkomst"), blank=True)
    # Raised by every reopen (herhaling); talks belong to the cycle they were held in.
    cycle = models.PositiveSmallIntegerField(_("ronde van de casus"), default=1)
    pupils = models.ManyToManyField(Pupil, through="CasePupil", related_name="cases")

    class Meta:
        verbose_name = _("casus")
        verbose_name_plural = _("casussen")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["school", "reference"], name="case_unique_reference"),
            models.CheckConstraint(condition=Q(state__in=State.values), name="case_state_is_known"),
            models.CheckConstraint(condition=Q(cycle__gte=1), name="case_cycle_positive"),
        ]

    def __str__(self) -> str:
        return f"{_('Casus')} {self.reference}"

    # --- transitions (declarations only; fire them through services.case_transition) ---

    @transition(
        field=state,
        source=State.SIGNALED,
        target=State.VICTIM_TALK,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.HAS_VICTIM],
    )
    def start_victim_talk(self):
        pass

    @transition(
        field=state,
        source=State.VICTIM_TALK,
        target=State.ASSESSMENT,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.talk_recorded(TalkKind.VICTIM)],
    )
    def assess(self):
        pass

    @transition(
        field=state,
        source=State.ASSESSMENT,
        target=State.RESOLVED_OTHER,
        permission=rules.TEACHER_OR_IB,
    )
    def classify_no_bullying(self):
        pass

    @transition(
        field=state,
        source=State.ASSESSMENT,
        target=State.ONE_OFF,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.HAS_BULLY, rules.NO_EARLIER_WARNING],
    )
    def classify_one_off(self):
        pass

    @transition(
        field=state,
        source=State.ASSESSMENT,
        target=GET_STATE(_target_after_repeated, states=[State.SUPPORT_GROUP, State.ACTION_PLAN]),
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.HAS_BULLY],
    )
    def classify_repeated(self):
        pass

    @transition(
        field=state,
        source=State.ONE_OFF,
        target=State.ONE_OFF_REVIEW,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.talk_recorded(TalkKind.ONE_OFF)],
    )
    def start_review(self):
        pass

    @transition(
        field=state,
        source=State.RESOLVED_OTHER,
        target=State.CLOSED,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.OUTCOME_NOTED],
    )
    @transition(
        field=state,
        source=State.ONE_OFF_REVIEW,
        target=State.CLOSED,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.review_says(stopped=True)],
    )
    @transition(
        field=state,
        source=State.SUPPORT_GROUP,
        target=State.CLOSED,
        permission=rules.SMW_OR_IB,
        conditions=[rules.traject_closed(success=True)],
    )
    @transition(
        field=state,
        source=State.CLOSING,
        target=State.CLOSED,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.talk_recorded(TalkKind.CLOSING)],
    )
    def close(self):
        pass

    @transition(
        field=state,
        source=State.ONE_OFF_REVIEW,
        target=GET_STATE(_target_after_repeated, states=[State.SUPPORT_GROUP, State.ACTION_PLAN]),
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.review_says(stopped=False)],
    )
    @transition(
        field=state,
        source=State.SUPPORT_GROUP,
        target=State.ACTION_PLAN,
        permission=rules.SMW_OR_IB,
        conditions=[rules.traject_closed(success=False)],
    )
    def escalate(self):
        pass

    @transition(
        field=state,
        source=State.ACTION_PLAN,
        target=State.COACHING,
        permission=rules.IB_ONLY,
        conditions=[rules.PLAN_SIGNED],
    )
    def start_coaching(self):
        pass

    @transition(
        field=state,
        source=State.COACHING,
        target=State.TALKS,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.COACHES_ASSIGNED],
    )
    def start_talks(self):
        pass

    @transition(
        field=state,
        source=State.TALKS,
        target=State.REFLECTION,
        permission=rules.TEACHER_OR_IB,
        conditions=[
            rules.talk_recorded(TalkKind.BULLY),
            rules.talk_recorded(TalkKind.BULLY_PARENTS),
            rules.talk_recorded(TalkKind.VICTIM_PARENTS),
        ],
    )
    def start_reflection(self):
        pass

    @transition(
        field=state,
        source=State.REFLECTION,
        target=State.GROUP_DISCUSSION,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.talk_recorded(TalkKind.REFLECTION)],
    )
    def start_group_discussion(self):
        pass

    @transition(
        field=state,
        source=State.GROUP_DISCUSSION,
        target=State.BACK_IN_CLASS,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.talk_recorded(TalkKind.GROUP_DISCUSSION)],
    )
    def return_to_class(self):
        pass

    @transition(
        field=state,
        source=State.BACK_IN_CLASS,
        target=State.CLOSING,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.PLANNED_TALKS_DONE],
    )
    def start_closing(self):
        pass

    @transition(
        field=state,
        source=State.CLOSED,
        target=State.COACHING,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.HAS_BULLY],
    )
    def reopen(self):
        pass

    # --- questions the guards and screens ask ---

    @property
    def stap_label(self) -> str:
        return self.get_state_display()

    def pupils_in_role(self, role: str):
        return [cp.pupil for cp in self.case_pupils.all() if cp.role == role]

    def current_version(self, kind: str) -> "TalkVersion | None":
        """The newest version of the latest talk of this kind held in the current cycle."""
        return (
            TalkVersion.objects.filter(talk__case=self, talk__kind=kind, talk__cycle=self.cycle)
            .order_by("-talk__created_at", "-number")
            .first()
        )

    def talk_is_recorded(self, kind: str) -> bool:
        version = self.current_version(kind)
        return version is not None and not missing_answers(kind, version.answers, self.cycle)

    def had_no_blame_before(self) -> bool:
        """Did a pupil of this case already go through the No Blame approach in another case?"""
        return (
            Case.objects.exclude(pk=self.pk)
            .filter(traject__isnull=False, case_pupils__pupil__in=self.pupils.all())
            .exists()
        )


class CasePupil(models.Model):
    class Role(models.TextChoices):
        VICTIM = "victim", _("gepeste")
        BULLY = "bully", _("pester")
        FOLLOWER = "follower", _("meeloper")
        BYSTANDER = "bystander", _("omstander")
        HELPER = "helper", _("helper")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_pupils")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="case_roles")
    role = models.CharField(_("rol in de casus"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("betrokken leerling")
        verbose_name_plural = _("betrokken leerlingen")
        constraints = [
            models.UniqueConstraint(fields=["case", "pupil"], name="case_pupil_once_per_case"),
            models.CheckConstraint(
                condition=Q(role__in=["victim", "bully", "follower", "bystander", "helper"]),
                name="case_pupil_role_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} ({self.get_role_display()})"


class Talk(models.Model):
    """One protocol talk of a case, planned and/or held. Its content lives in versions."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="talks")
    kind = models.CharField(_("soort gesprek"), max_length=30, choices=TalkKind.choices)
    cycle = models.PositiveSmallIntegerField(_("ronde van de casus"), default=1)
    planned_on = models.DateField(_("gepland op"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("gesprek")
        verbose_name_plural = _("gesprekken")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(cycle__gte=1), name="talk_cycle_positive"),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class TalkVersion(models.Model):
    """What was said in a talk. An edit adds a version; earlier versions stay."""

    talk = models.ForeignKey(Talk, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("versie"))
    held_on = models.DateField(_("datum van het gesprek"))
    answers = models.JSONField(_("antwoorden"), default=dict, blank=True)
    notes = models.TextField(_("aantekeningen"), blank=True)
    confidential_notes = models.TextField(_("vertrouwelijke aantekeningen"), blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("medewerkers")
    )
    pupils = models.ManyToManyField(
        Pupil, blank=True, related_name="+", verbose_name=_("leerlingen")
    )
    guardians = models.ManyToManyField(
        Guardian, blank=True, related_name="+", verbose_name=_("ouders/verzorgers")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("gespreksversie")
        verbose_name_plural = _("gespreksversies")
        ordering = ["talk", "number"]
        constraints = [
            models.UniqueConstraint(fields=["talk", "number"], name="talk_version_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="talk_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.talk} v{self.number}"


class StateChange(models.Model):
    """Append-only history: one row per fired transition."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="state_changes")
    transition = models.CharField(_("overgang"), max_length=50)
    source = models.CharField(_("van"), max_length=30, choices=State.choices)
    target = models.CharField(_("naar"), max_length=30, choices=State.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("door")
    )
    at = models.DateTimeField(_("op"), default=timezone.now)
    remark = models.TextField(_("opmerking"), blank=True)

    class Meta:
        verbose_name = _("statuswijziging")
        verbose_name_plural = _("statuswijzigingen")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="state_change_moves"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.source} → {self.target}"


class Recurrence(models.Model):
    """A herhaling: the case reopened because this pupil bullied again."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="recurrences")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="recurrences")
    number = models.PositiveSmallIntegerField(_("hoeveelste herhaling"))
    outside_help_advised = models.BooleanField(_("advies hulp van buitenaf"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("herhaling")
        verbose_name_plural = _("herhalingen")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "number"], name="recurrence_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="recurrence_number_positive"),
            # From the second recurrence on the advice must be recorded.
            models.CheckConstraint(
                condition=Q(number__lt=2) | Q(outside_help_advised=True),
                name="recurrence_second_advises_help",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Herhaling')} {self.number} ({self.case.reference})"


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


class ActionPlan(models.Model):
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
        signatories = list(self.signatories.all())
        return bool(signatories) and all(s.signed_at for s in signatories)

    @property
    def is_latest(self) -> bool:
        return not self.case.plans.filter(version__gt=self.version).exists()

    @property
    def has_signatures(self) -> bool:
        return self.signatories.filter(signed_at__isnull=False).exists()

    def activity_labels(self) -> list[str]:
        from cases.plans import ACTIVITIES

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
        verbose_name = _("scan van het getekende plan")
        verbose_name_plural = _("scans van getekende plannen")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class PlanSignatory(models.Model):
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

    class Meta:
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


class PlanDocument(models.Model):
    """The PDF of a locked plan, stored once when it locked and never made again."""

    plan = models.OneToOneField(ActionPlan, on_delete=models.PROTECT, related_name="document")
    file = models.FileField(_("bestand"), upload_to=plan_file_path)
    size = models.PositiveIntegerField(_("grootte in bytes"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("opgeslagen plan (pdf)")
        verbose_name_plural = _("opgeslagen plannen (pdf)")

    def __str__(self) -> str:
        return self.plan.pdf_filename()


class DossierEntry(models.Model):
    """An entry (aantekening) in a pupil's dossier. Newest first on the pupil page."""

    class Kind(models.TextChoices):
        ONE_OFF = "one_off", _("eenmalig incident besproken")
        PLAN = "plan", _("plan van aanpak")
        CLOSING = "closing", _("casus afgesloten")
        RECURRENCE = "recurrence", _("herhaling")
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


class Notification(models.Model):
    """A message to a staff member about a case. Never holds pupil names."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(_("bericht"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message


def evidence_path(instance, filename: str) -> str:
    """Random stored name: the original name (which may name a pupil) stays in the database."""
    import uuid

    return f"evidence/{instance.case.school_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A file kept with a case, e.g. screenshots of digital bullying. Served only through a
    view that checks who is asking; never from a public media URL."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("bestand"), upload_to=evidence_path)
    original_name = models.CharField(_("oorspronkelijke naam"), max_length=255)
    content_type = models.CharField(_("soort bestand"), max_length=100)
    size = models.PositiveIntegerField(_("grootte in bytes"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("omschrijving"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("bewijsstuk")
        verbose_name_plural = _("bewijsstukken")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name
