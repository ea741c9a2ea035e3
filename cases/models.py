"""The case (casus), its stap 1–10 state machine, its talks, history and dossier entries.

State changes happen only through ``cases.services.case_transition``; the
transition methods below declare source, target, permission and guard for
django-fsm and carry no side effects of their own.
"""

from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, FSMField, transition

from cases import hooks, routing, rules
from cases.choices import ChoiceLabels
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
    WITHDRAWN = "withdrawn", _("Ingetrokken")


# A withdrawn signal stays in the history but is no open work, like a closed case.
DONE_STATES = (State.CLOSED, State.WITHDRAWN)
OPEN_STATES = [s for s in State.values if s not in DONE_STATES]
# Where a signal logged in error can still be withdrawn: before stap 2 is decided.
WITHDRAW_STATES = (State.SIGNALED, State.VICTIM_TALK, State.ASSESSMENT)


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
    """Stap 2 option 3: a bully or follower of this case who already took part in a No Blame
    traject goes straight to stap 4 (``Case.no_blame_history``)."""
    return State.ACTION_PLAN if case.had_no_blame_before() else State.SUPPORT_GROUP


def _target_by_history(case: "Case") -> str:
    """Repeated bullying: a bully who already had a plan van aanpak has a recurrence and
    gets new agreements (stap 4); otherwise the No Blame rule decides."""
    if routing.bullies_with_plan_before(case):
        return State.ACTION_PLAN
    return _target_after_repeated(case)


def _target_after_reopen(case: "Case") -> str:
    """Herhaling on a closed case: stap 5 only with a signed plan; else by the history rule,
    and a case whose own No Blame traject did not hold goes to stap 4."""
    if routing.has_signed_plan(case):
        return State.COACHING
    if routing.had_own_traject(case):
        return State.ACTION_PLAN
    return _target_by_history(case)


class ListPupil(NamedTuple):
    """A pupil as a row of a case list shows them (``Case.pupil_list``)."""

    full_name: str
    role_label: str
    class_name: str


# The order of ``short_names``: the victim first, then the bully, then the others.
SHORT_NAMES_ORDER = {"victim": 0, "bully": 1}


def short_names(rows) -> str:
    """ "Sanne V., Daan J." from a case's pupil rows ``[first name, last name, role, class
    name, case pupil id]`` (``queries.pupil_rows``): the victim first, then the bully, then
    the others in the order they were added."""
    rows = sorted(rows or [], key=lambda row: (SHORT_NAMES_ORDER.get(row[2], 2), row[4]))
    return ", ".join(
        f"{first} {last.split()[-1][:1]}." if last.strip() else first
        for first, last, _role, _class, _pk in rows
    )


class Case(ThreadSafeConcurrentTransitionMixin, ChoiceLabels, models.Model):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="cases", verbose_name=_("school")
    )
    # The school's board, kept on the case so the database holds the reference unique
    # across the board (an SMW or IB may work at several of its schools).
    board = models.ForeignKey(
        "schools.SchoolBoard",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("bestuur"),
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
    # Why this case was opened although a pupil of it was already in an open case.
    separate_reason = models.TextField(_("waarom een aparte casus"), blank=True)
    pupils = models.ManyToManyField(Pupil, through="CasePupil", related_name="cases")

    class Meta:
        verbose_name = _("casus")
        verbose_name_plural = _("casussen")
        ordering = ["-created_at"]
        # The filters of the lists, the dashboard and its figures: school with stap, date
        # of the signal or date of logging.
        indexes = [
            models.Index(fields=["school", "state"], name="case_school_state"),
            models.Index(fields=["school", "-created_at"], name="case_school_created"),
            models.Index(fields=["school", "signal_date"], name="case_school_signal_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "reference"], name="case_unique_reference_per_board"
            ),
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
        conditions=[rules.HAS_BULLY, rules.NO_EARLIER_WARNING, rules.NO_EARLIER_PLAN],
    )
    def classify_one_off(self):
        pass

    @transition(
        field=state,
        source=State.ASSESSMENT,
        target=GET_STATE(_target_by_history, states=[State.SUPPORT_GROUP, State.ACTION_PLAN]),
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
        conditions=[rules.OUTCOME_NOTED, rules.VICTIM_OUTSIDE_HELP_HELD],
    )
    @transition(
        field=state,
        source=State.ONE_OFF_REVIEW,
        target=State.CLOSED,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.review_says(stopped=True), rules.VICTIM_OUTSIDE_HELP_HELD],
    )
    @transition(
        field=state,
        source=State.SUPPORT_GROUP,
        target=State.CLOSED,
        permission=rules.SMW_OR_IB,
        conditions=[rules.traject_closed(success=True), rules.VICTIM_OUTSIDE_HELP_HELD],
    )
    @transition(
        field=state,
        source=State.CLOSING,
        target=State.CLOSED,
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.talk_recorded(TalkKind.CLOSING), rules.VICTIM_OUTSIDE_HELP_HELD],
    )
    def close(self):
        pass

    @transition(
        field=state,
        source=State.ONE_OFF_REVIEW,
        target=GET_STATE(_target_by_history, states=[State.SUPPORT_GROUP, State.ACTION_PLAN]),
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
        target=GET_STATE(
            _target_after_reopen,
            states=[State.COACHING, State.ACTION_PLAN, State.SUPPORT_GROUP],
        ),
        permission=rules.TEACHER_OR_IB,
        conditions=[rules.HAS_BULLY],
    )
    def reopen(self):
        pass

    @transition(
        field=state,
        source=list(WITHDRAW_STATES),
        target=State.WITHDRAWN,
        permission=rules.IB_ONLY,
    )
    def withdraw(self):
        pass

    # --- questions the guards and screens ask ---

    @property
    def stap_label(self) -> str:
        # Stap 2.1 is "solved" only once the outcome is noted; until then it says so.
        if self.state == State.RESOLVED_OTHER and not self.outcome.strip():
            return str(_("Stap 2.1: geen pesten, nog op te lossen"))
        return self.get_state_display()

    @property
    def pupils_short(self) -> str:
        """The case's pupils, the victim first, as first name and initial ("Sanne V.,
        Daan J."): beside the reference in lists, for whoever may see the case. Lists of
        talks and trajects fetch the rows with them (``queries.with_case_pupils``) and use
        the template filter ``pupils_short``."""
        return short_names(self._pupil_rows())

    @property
    def pupil_list(self) -> list["ListPupil"]:
        """The pupils of a list row, by role and name (``queries.with_list_data`` fetches
        them with the case as ``pupil_rows``)."""
        labels = dict(CasePupil.Role.choices)
        rows = sorted(self._pupil_rows(), key=lambda row: (row[2], row[1], row[0]))
        return [
            ListPupil(f"{first} {last}", str(labels.get(role, role)), class_name or "")
            for first, last, role, class_name, _pk in rows
        ]

    def _pupil_rows(self) -> list:
        """The rows of ``queries.pupil_rows`` fetched with the case, else one query."""
        rows = getattr(self, "pupil_rows", None)
        if rows is None:
            rows = self.case_pupils.values_list(
                "pupil__first_name", "pupil__last_name", "role", "pupil__school_class__name", "pk"
            )
        return list(rows)

    def pupils_in_role(self, role: str):
        return [cp.pupil for cp in self.case_pupils.all() if cp.role == role]

    def current_version(self, kind: str) -> "TalkVersion | None":
        """The newest version of the latest talk of this kind held in the current cycle.

        Read from the case's talks and their versions when those were prefetched (the case
        page asks this for every guard), else one query."""
        talks = getattr(self, "_prefetched_objects_cache", {}).get("talks")
        if talks is not None and all(
            "versions" in getattr(t, "_prefetched_objects_cache", {}) for t in talks
        ):
            held = [
                (t.created_at, v.number, v)
                for t in talks
                if t.kind == kind and t.cycle == self.cycle
                for v in t.versions.all()
            ]
            return max(held, key=lambda row: row[:2])[2] if held else None
        return (
            TalkVersion.objects.filter(talk__case=self, talk__kind=kind, talk__cycle=self.cycle)
            .order_by("-talk__created_at", "-number")
            .first()
        )

    def talk_is_recorded(self, kind: str) -> bool:
        version = self.current_version(kind)
        return version is not None and not missing_answers(
            kind, version.answers, self.recurrence_level()
        )

    def recurrence_level(self) -> int:
        """The highest recurrence (herhaling) number a bully of this case reached in its
        current cycle; 0 when none. It decides which stap 6 questions are asked."""
        numbers = [r.number for r in self.recurrences.all() if r.cycle == self.cycle]
        return max(numbers, default=0)

    def had_no_blame_before(self) -> bool:
        """Did a bully or follower of this case already take part in a No Blame traject?"""
        return bool(self.no_blame_history())

    def no_blame_history(self) -> list[str]:
        """In Dutch, one line per earlier No Blame traject a pupil in the role bully or
        follower of this case took part in (as bully or follower of that case, or as
        ringleader or follower in its support group). The victim's own history does not
        count. Answered by the No Blame app through ``cases.hooks``."""
        return [str(line) for line in hooks.ask("no_blame_history", self, default=[])]


class CasePupil(ChoiceLabels, models.Model):
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


class Talk(ChoiceLabels, models.Model):
    """One protocol talk of a case, planned and/or held. Its content lives in versions."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="talks")
    kind = models.CharField(_("soort gesprek"), max_length=30, choices=TalkKind.choices)
    cycle = models.PositiveSmallIntegerField(_("ronde van de casus"), default=1)
    planned_on = models.DateField(_("gepland op"), null=True, blank=True)
    # The protocol's window for this talk (``cases.windows``): held before it opens needs a
    # reason; not held when it has closed is overdue. Empty: only the planned date counts.
    window_opens = models.DateField(_("termijn begint"), null=True, blank=True)
    window_closes = models.DateField(_("termijn eindigt"), null=True, blank=True)
    # Whether the talk has a record (a version): set by ``services.talk_record`` with the
    # first version, never unset (versions are kept). Te doen, the dashboard and the
    # reminders look for planned talks without one, through the partial index below.
    recorded = models.BooleanField(_("vastgelegd"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("gesprek")
        verbose_name_plural = _("gesprekken")
        ordering = ["created_at"]
        # Te doen, the dashboard and the reminders look for planned talks without a record,
        # per case: a few per open case, whatever the history.
        indexes = [
            models.Index(
                fields=["case", "planned_on"],
                condition=Q(planned_on__isnull=False, recorded=False),
                name="talk_open_planned",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(cycle__gte=1), name="talk_cycle_positive"),
            models.CheckConstraint(
                condition=Q(window_opens__isnull=True)
                | Q(window_closes__isnull=True)
                | Q(window_opens__lte=models.F("window_closes")),
                name="talk_window_in_order",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def due_by(self):
        """The last day it is on time: the end of its window, else its planned date."""
        return self.window_closes or self.planned_on

    def is_overdue(self, today) -> bool:
        return self.due_by is not None and today > self.due_by


class TalkVersion(ChoiceLabels, models.Model):
    """What was said in a talk. An edit adds a version; earlier versions stay."""

    talk = models.ForeignKey(Talk, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("versie"))
    held_on = models.DateField(_("datum van het gesprek"))
    answers = models.JSONField(_("antwoorden"), default=dict, blank=True)
    notes = models.TextField(_("aantekeningen"), blank=True)
    confidential_notes = models.TextField(_("vertrouwelijke aantekeningen"), blank=True)
    # Why it was held before its window opened (``Talk.window_opens``).
    early_reason = models.TextField(_("reden voor een eerder gesprek"), blank=True)
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


class StateChange(ChoiceLabels, models.Model):
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
    # The protocol rule that decided the target (``cases.routing.RULES``) and why, in Dutch.
    rule = models.CharField(_("regel van het protocol"), max_length=40, blank=True)
    rule_reason = models.TextField(_("waarom"), blank=True)

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


class Recurrence(ChoiceLabels, models.Model):
    """A herhaling: a pupil who already had a plan van aanpak as bully bullies again, found
    by reopening the old case or in a new case. Counted per pupil across all cases."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="recurrences")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="recurrences")
    number = models.PositiveSmallIntegerField(_("hoeveelste herhaling"))
    # The cycle of ``case`` it belongs to, and the case of the pupil's earlier plan.
    cycle = models.PositiveSmallIntegerField(_("ronde van de casus"), default=1)
    earlier_case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("casus met het eerdere plan"),
    )
    # Set only when the stap 6 talk with the bully's parents recorded the advice.
    outside_help_advised = models.BooleanField(_("advies hulp van buitenaf"), default=False)
    advice_talk = models.ForeignKey(
        "TalkVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gesprek waarin het advies is gegeven"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("herhaling")
        verbose_name_plural = _("herhalingen")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "number"], name="recurrence_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="recurrence_number_positive"),
            # The advice counts as given only with the talk that recorded it.
            models.CheckConstraint(
                condition=Q(outside_help_advised=False) | Q(advice_talk__isnull=False),
                name="recurrence_advice_has_talk",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Herhaling')} {self.number} ({self.case.reference})"

    @property
    def needs_outside_help_advice(self) -> bool:
        return self.number >= 2


class CaseReport(ChoiceLabels, models.Model):
    """A later signal about the same situation, added to an open case instead of opening
    a second one: a dated report on the case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reports")
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

    class Meta:
        verbose_name = _("aanvullende melding")
        verbose_name_plural = _("aanvullende meldingen")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.case}: {self.signal_date}"


class Notification(ChoiceLabels, models.Model):
    """A message to a staff member about a case. Never holds pupil names."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(_("bericht"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # When its e-mail went out (cases.tasks.send_notification_mail): a task run again, after
    # its worker was lost, sends nothing twice.
    mailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        ordering = ["-created_at"]
        # The unread notifications of a user: start page, dashboard, case page.
        # A user's unread notifications, newest first (the start page shows ten of them):
        # read from the index in order, however many there are.
        indexes = [
            models.Index(
                fields=["user", "read_at", "created_at"], name="notification_unread_newest"
            )
        ]

    def __str__(self) -> str:
        return self.message


def evidence_path(instance, filename: str) -> str:
    """Random stored name: the original name (which may name a pupil) stays in the database."""
    import uuid

    return f"evidence/{instance.case.school_id}/{uuid.uuid4().hex}"


class Evidence(ChoiceLabels, models.Model):
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
