"""The No Blame support-group approach (stap 3): one traject per case.

The traject carries the sub-steps of protocol.md in its FSM field ``state``. Its
transitions are declared here (source, target, permission, guard) and fired only
through ``noblame.services.traject_transition``. The case machine reads only
whether the traject closed with success or as ineffective (``cases.rules``).

What is said in a talk is kept append-only: recording a talk again adds a new
version (``number``); the latest version counts and earlier ones stay.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from cases.choices import ChoiceLabels
from cases.fsm import ThreadSafeConcurrentTransitionMixin
from noblame import rules
from schools.models import Pupil, School

MAX_ROUNDS = 5
GROUP_MIN, GROUP_MAX = rules.GROUP_MIN, rules.GROUP_MAX  # refused outside
GROUP_ADVISED_MIN, GROUP_ADVISED_MAX = rules.GROUP_ADVISED_MIN, rules.GROUP_ADVISED_MAX


class TrajectState(models.TextChoices):
    PREPARATION = "preparation", _("Voorbereiding")
    VICTIM_TALK = "victim_talk", _("Gesprek met de gepeste leerling")
    VICTIM_ASSIGNMENT = "victim_assignment", _("Opdracht voor de gepeste leerling")
    GROUP_FORMED = "group_formed", _("Steungroep samengesteld")
    GROUP_MEETING = "group_meeting", _("Bijeenkomst van de steungroep")
    FOLLOW_UP = "follow_up", _("Nabesprekingen")
    CLOSED_SUCCESS = "closed_success", _("Afgesloten: verbeterd")
    CLOSED_INEFFECTIVE = "closed_ineffective", _("Afgesloten: niet effectief")


CLOSED_STATES = [TrajectState.CLOSED_SUCCESS, TrajectState.CLOSED_INEFFECTIVE]
OPEN_STATES = [s for s in TrajectState.values if s not in CLOSED_STATES]


class SchoolSettings(models.Model):
    """A school's own numbers for the approach; the seeds' values are the defaults."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="noblame_settings", verbose_name=_("school")
    )
    check_in_days = models.PositiveSmallIntegerField(
        _("dagen tot het terugkomen op de opdracht van de gepeste leerling"), default=7
    )
    victim_follow_up_min_days = models.PositiveSmallIntegerField(
        _("nabespreking met de gepeste leerling: vanaf dag"), default=8
    )
    victim_follow_up_max_days = models.PositiveSmallIntegerField(
        _("nabespreking met de gepeste leerling: uiterlijk dag"), default=14
    )
    group_follow_up_min_days = models.PositiveSmallIntegerField(
        _("nabespreking met de steungroep: vanaf dag"), default=10
    )
    group_follow_up_max_days = models.PositiveSmallIntegerField(
        _("nabespreking met de steungroep: uiterlijk dag"), default=14
    )
    max_rounds = models.PositiveSmallIntegerField(
        _("hoogste aantal rondes"),
        default=MAX_ROUNDS,
        help_text=_("Hoogstens vijf rondes, zoals het protocol zegt."),
    )

    class Meta:
        verbose_name = _("No Blame-instellingen van de school")
        verbose_name_plural = _("No Blame-instellingen van de scholen")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_rounds__gte=1, max_rounds__lte=MAX_ROUNDS),
                name="noblame_settings_max_rounds_range",
            ),
            models.CheckConstraint(
                condition=Q(check_in_days__gte=1, check_in_days__lte=30),
                name="noblame_settings_check_in_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    victim_follow_up_min_days__gte=1,
                    victim_follow_up_min_days__lte=F("victim_follow_up_max_days"),
                    victim_follow_up_max_days__lte=60,
                ),
                name="noblame_settings_victim_window",
            ),
            models.CheckConstraint(
                condition=Q(
                    group_follow_up_min_days__gte=1,
                    group_follow_up_min_days__lte=F("group_follow_up_max_days"),
                    group_follow_up_max_days__lte=60,
                ),
                name="noblame_settings_group_window",
            ),
        ]

    def __str__(self) -> str:
        return str(self.school)

    @classmethod
    def for_school(cls, school) -> "SchoolSettings":
        """The school's settings; unsaved defaults when the school has none yet. Read from
        the school when it came with them (``select_related("school__noblame_settings")``,
        as the case page does), else one query."""
        try:
            return school.noblame_settings
        except cls.DoesNotExist:
            return cls(school=school)


class Traject(ThreadSafeConcurrentTransitionMixin, ChoiceLabels, models.Model):
    State = TrajectState

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="traject")
    state = FSMField(
        _("fase"), default=TrajectState.PREPARATION, choices=TrajectState.choices, protected=True
    )
    round = models.PositiveSmallIntegerField(_("ronde"), default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("afgesloten op"), null=True, blank=True)
    close_reason = models.TextField(_("reden van afsluiten"), blank=True)

    class Meta:
        verbose_name = _("No Blame-traject")
        verbose_name_plural = _("No Blame-trajecten")
        constraints = [
            models.CheckConstraint(
                condition=Q(round__gte=1, round__lte=MAX_ROUNDS), name="traject_round_at_most_five"
            ),
            models.CheckConstraint(
                condition=Q(state__in=TrajectState.values),
                name="traject_state_is_known",
            ),
            # Closed exactly when it has a closing time; ineffective always says why.
            models.CheckConstraint(
                condition=Q(state__in=CLOSED_STATES, closed_at__isnull=False)
                | (~Q(state__in=CLOSED_STATES) & Q(closed_at__isnull=True)),
                name="traject_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=TrajectState.CLOSED_INEFFECTIVE) | ~Q(close_reason=""),
                name="traject_ineffective_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('No Blame-traject')} {self.case.reference}"

    # --- transitions (declarations only; fire them through services.traject_transition) ---

    @transition(
        field=state,
        source=TrajectState.PREPARATION,
        target=TrajectState.VICTIM_TALK,
        permission=rules.COORDINATOR,
        conditions=[rules.PREPARED],
    )
    def start_victim_talk(self):
        pass

    @transition(
        field=state,
        source=TrajectState.VICTIM_TALK,
        target=TrajectState.VICTIM_ASSIGNMENT,
        permission=rules.COORDINATOR,
        conditions=[rules.VICTIM_TALK_RECORDED],
    )
    def give_assignment(self):
        pass

    @transition(
        field=state,
        source=TrajectState.VICTIM_ASSIGNMENT,
        target=TrajectState.GROUP_FORMED,
        permission=rules.COORDINATOR,
        conditions=[rules.GROUP_COMPLETE],
    )
    def form_group(self):
        pass

    @transition(
        field=state,
        source=TrajectState.GROUP_FORMED,
        target=TrajectState.GROUP_MEETING,
        permission=rules.COORDINATOR,
        conditions=[rules.GROUP_COMPLETE, rules.MEETING_PLANNED],
    )
    def plan_meeting(self):
        pass

    @transition(
        field=state,
        source=TrajectState.GROUP_MEETING,
        target=TrajectState.FOLLOW_UP,
        permission=rules.COORDINATOR,
        conditions=[rules.MEETING_RECORDED],
    )
    def start_follow_up(self):
        pass

    @transition(
        field=state,
        source=TrajectState.FOLLOW_UP,
        target=TrajectState.CLOSED_SUCCESS,
        permission=rules.COORDINATOR,
        conditions=[rules.FOLLOW_UPS_DONE, rules.victim_says(improved=True)],
    )
    def close_success(self):
        pass

    @transition(
        field=state,
        source=TrajectState.FOLLOW_UP,
        target=TrajectState.GROUP_MEETING,
        permission=rules.COORDINATOR,
        conditions=[rules.FOLLOW_UPS_DONE, rules.victim_says(improved=False), rules.ROUND_LEFT],
    )
    def new_round(self):
        pass

    @transition(
        field=state,
        source=OPEN_STATES,
        target=TrajectState.CLOSED_INEFFECTIVE,
        permission=rules.COORDINATOR,
        conditions=[rules.REASON_GIVEN],
    )
    def close_ineffective(self):
        pass

    # --- questions the guards and screens ask ---

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES

    @property
    def settings(self) -> SchoolSettings:
        if not hasattr(self, "_settings"):
            self._settings = SchoolSettings.for_school(self.case.school)
        return self._settings

    @property
    def current_round(self) -> "Round | None":
        return self.rounds.filter(number=self.round).first()

    @property
    def victim_talk(self) -> "VictimTalk | None":
        """The latest version of the talk with the victim."""
        return self.victim_talks.order_by("-number").first()

    @property
    def check_in(self) -> "CheckIn | None":
        """The latest version of the check-in on the victim's assignment."""
        return self.check_ins.order_by("-number").first()

    def preparation_list(self) -> list["Participant"]:
        """Everyone who must confirm they know the approach: the case's teacher and IB
        (unsaved until they confirm) and whoever the SMW added."""
        if "participants" in getattr(self, "_prefetched_objects_cache", {}):
            rows = list(self.participants.all())  # a list of trajects prefetched them
        else:
            rows = list(self.participants.select_related("user"))
        known = {p.user_id for p in rows}
        expected = [
            Participant(traject=self, user=user, role=role)
            for user, role in (
                (self.case.responsible_teacher, Participant.Role.TEACHER),
                (self.case.ib, Participant.Role.IB),
            )
            if user is not None and user.pk not in known
        ]
        return expected + rows

    def victim(self) -> Pupil | None:
        cp = self.case.case_pupils.filter(role="victim").select_related("pupil").first()
        return cp.pupil if cp else None

    def members(self):
        return self.group_members.select_related("pupil", "pupil__school_class").order_by(
            "position"
        )

    def latest_meeting(self) -> "Meeting | None":
        """The latest recorded meeting of any round: the ideas the members carry out now."""
        return (
            Meeting.objects.filter(round__traject=self)
            .order_by("-round__number", "-number")
            .first()
        )

    def next_due(self) -> tuple[str, datetime.date] | None:
        """The earliest date to keep an eye on, with what happens then (may be overdue)."""
        if self.is_closed:
            return None
        current = self.current_round
        dates = []
        if self.state in (TrajectState.VICTIM_ASSIGNMENT, TrajectState.GROUP_FORMED):
            talk = self.victim_talk
            # Due until it is recorded (then overdue past its date).
            if talk is not None and not self.check_ins.exists():
                dates.append((str(_("terugkomen op de opdracht")), talk.check_in_on))
        if current is not None:
            if (
                self.state in (TrajectState.GROUP_FORMED, TrajectState.GROUP_MEETING)
                and current.meeting_planned_on
            ):
                dates.append((str(_("bijeenkomst van de steungroep")), current.meeting_planned_on))
            if self.state == TrajectState.FOLLOW_UP:
                talked = set(current.follow_ups.values_list("member_id", flat=True))
                if None not in talked and current.victim_follow_up_due:
                    label = str(_("nabespreking met de gepeste leerling"))
                    dates.append((label, current.victim_follow_up_due))
                if self.group_members.exclude(pk__in=talked - {None}).exists():
                    label = str(_("nabesprekingen met de steungroep"))
                    dates.append((label, current.group_follow_up_due))
        dates = [(label, day) for label, day in dates if day is not None]
        return min(dates, key=lambda item: item[1]) if dates else None


class TrajectStateChange(ChoiceLabels, models.Model):
    """Append-only history of the traject: one row per fired sub-transition."""

    traject = models.ForeignKey(Traject, on_delete=models.PROTECT, related_name="state_changes")
    transition = models.CharField(_("overgang"), max_length=50)
    source = models.CharField(_("van"), max_length=30, choices=TrajectState.choices)
    target = models.CharField(_("naar"), max_length=30, choices=TrajectState.choices)
    round = models.PositiveSmallIntegerField(_("ronde"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("door")
    )
    at = models.DateTimeField(_("op"), default=timezone.now)
    remark = models.TextField(_("opmerking"), blank=True)

    class Meta:
        verbose_name = _("fasewijziging")
        verbose_name_plural = _("fasewijzigingen")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="traject_state_change_moves"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.traject}: {self.source} → {self.target}"


class Participant(ChoiceLabels, models.Model):
    """A staff member taking part; confirms they know the approach before it starts."""

    class Role(models.TextChoices):
        TEACHER = "teacher", _("leerkracht")
        REMEDIAL_TEACHER = "remedial_teacher", _("RT-leerkracht (remedial teacher)")
        IB = "ib", _("intern begeleider")

    traject = models.ForeignKey(Traject, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("wie")
    )
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)
    confirmed_at = models.DateTimeField(_("kent de aanpak sinds"), null=True, blank=True)

    class Meta:
        verbose_name = _("betrokkene")
        verbose_name_plural = _("betrokkenen")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["traject", "user"], name="participant_once"),
            models.CheckConstraint(
                condition=Q(role__in=["teacher", "remedial_teacher", "ib"]),
                name="participant_role_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} ({self.get_role_display()})"


def letter_path(instance, filename: str) -> str:
    """Random stored name: the original name (which may name a pupil) stays in the database."""
    return f"noblame/{instance.traject.case.school_id}/{uuid.uuid4().hex}"


class YesNo(models.TextChoices):
    YES = "yes", _("ja")
    NO = "no", _("nee")


class VictimTalk(models.Model):
    """The talk with the victim ("leerling x"), one row per version."""

    traject = models.ForeignKey(Traject, on_delete=models.PROTECT, related_name="victim_talks")
    number = models.PositiveSmallIntegerField(_("versie"))
    held_on = models.DateField(_("datum van het gesprek"))
    what_happens = models.TextField(_("Wat gebeurt er?"))
    when_happens = models.TextField(_("Wanneer gebeurt het?"))
    who_could_help = models.TextField(_("Wie zou kunnen helpen?"))
    wants_change = models.CharField(
        _("Wil de leerling dat het verandert en wil hij of zij deze hulp?"),
        max_length=3,
        choices=YesNo.choices,
    )
    approach_explained = models.BooleanField(
        _("De aanpak is uitgelegd: niemand wordt gestraft en de leerling hoeft zelf niets te doen"),
        default=False,
    )
    chosen_pupils = models.ManyToManyField(
        Pupil,
        blank=True,
        related_name="+",
        verbose_name=_("samen gekozen voor de steungroep"),
    )
    confidential_agreements = models.TextField(
        _("Vertrouwelijke afspraken: wat mag niet verder verteld worden?"), blank=True
    )
    letter = models.FileField(_("brief of tekening"), upload_to=letter_path, blank=True)
    letter_name = models.CharField(_("oorspronkelijke naam"), max_length=255, blank=True)
    letter_content_type = models.CharField(max_length=100, blank=True)
    assignment = models.TextField(_("Opdracht voor de leerling"))
    check_in_on = models.DateField(_("terugkomen op de opdracht op"))
    notes = models.TextField(_("overige aantekeningen"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("gesprek met de gepeste leerling")
        verbose_name_plural = _("gesprekken met de gepeste leerling")
        ordering = ["traject", "number"]
        constraints = [
            models.UniqueConstraint(fields=["traject", "number"], name="victim_talk_version"),
            models.CheckConstraint(condition=Q(number__gte=1), name="victim_talk_number_positive"),
            models.CheckConstraint(
                condition=Q(check_in_on__gte=F("held_on")), name="victim_talk_check_in_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.traject} v{self.number}"


class CheckIn(models.Model):
    """The short talk with the victim about the assignment, about a week after the talk
    with the victim ("terugkomen op de opdracht"); one row per version.

    Held before the date set in the talk with the victim (its window), it says why.
    """

    traject = models.ForeignKey(Traject, on_delete=models.PROTECT, related_name="check_ins")
    number = models.PositiveSmallIntegerField(_("versie"))
    held_on = models.DateField(_("datum van het gesprek"))
    noticed = models.TextField(_("Wat heeft de leerling gezien dat anderen aardig deden?"))
    how_now = models.TextField(_("Hoe gaat het nu?"), blank=True)
    early_reason = models.TextField(_("Waarom eerder dan gepland?"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("terugkomen op de opdracht")
        verbose_name_plural = _("terugkomen op de opdracht")
        ordering = ["traject", "number"]
        constraints = [
            models.UniqueConstraint(fields=["traject", "number"], name="check_in_version"),
            models.CheckConstraint(condition=Q(number__gte=1), name="check_in_number_positive"),
            models.CheckConstraint(condition=~Q(noticed=""), name="check_in_noticed_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.traject}: {_('terugkomen op de opdracht')} v{self.number}"


class SupportGroupMember(ChoiceLabels, models.Model):
    """A pupil in the support group, with their role and place in the follow-up order."""

    class Role(models.TextChoices):
        RINGLEADER = "ringleader", _("aanvoerder")
        FOLLOWER = "follower", _("meeloper")
        BYSTANDER = "bystander", _("omstander")
        HELPFUL = "helpful", _("behulpzame leerling")

    traject = models.ForeignKey(Traject, on_delete=models.PROTECT, related_name="group_members")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("rol in de steungroep"), max_length=20, choices=Role.choices)
    position = models.PositiveSmallIntegerField(_("volgorde van de nabespreking"))

    class Meta:
        verbose_name = _("lid van de steungroep")
        verbose_name_plural = _("leden van de steungroep")
        ordering = ["traject", "position"]
        constraints = [
            models.UniqueConstraint(fields=["traject", "pupil"], name="member_once_per_group"),
            models.UniqueConstraint(fields=["traject", "position"], name="member_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="member_position_positive"),
            models.CheckConstraint(
                condition=Q(role__in=["ringleader", "follower", "bystander", "helpful"]),
                name="member_role_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} ({self.get_role_display()})"

    @property
    def leans_in(self) -> bool:
        """Ringleaders and followers form one half of a good group; the others the other."""
        return self.role in (self.Role.RINGLEADER, self.Role.FOLLOWER)


# A pupil's part in the case suggests their role in the support group.
CASE_ROLE_TO_MEMBER = {
    "bully": SupportGroupMember.Role.RINGLEADER,
    "follower": SupportGroupMember.Role.FOLLOWER,
    "bystander": SupportGroupMember.Role.BYSTANDER,
    "helper": SupportGroupMember.Role.HELPFUL,
}


class OtherClassPupil(models.Model):
    """A pupil of a groep outside the case whom the IB or SMW made choosable for this
    traject's support group ("Leerling uit een andere groep toevoegen").

    The pickers offer the pupils of the case's own groepen; anyone else comes in only
    through this step, and the row is its record: who, when and why. It shows in the
    traject's history and, like every noblame model, in the change history.
    """

    traject = models.ForeignKey(
        Traject, on_delete=models.PROTECT, related_name="other_class_pupils"
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, related_name="+", verbose_name=_("leerling")
    )
    reason = models.TextField(_("waarom deze leerling"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("door")
    )
    at = models.DateTimeField(_("op"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("leerling uit een andere groep")
        verbose_name_plural = _("leerlingen uit een andere groep")
        ordering = ["traject", "at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["traject", "pupil"], name="other_class_pupil_once"),
            models.CheckConstraint(condition=~Q(reason=""), name="other_class_pupil_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.traject}: {_('leerling')} #{self.pupil_id}"


class Round(models.Model):
    """One round: a meeting with the group, then a follow-up with the victim and each member."""

    traject = models.ForeignKey(Traject, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("ronde"))
    meeting_planned_on = models.DateField(_("bijeenkomst gepland op"), null=True, blank=True)
    victim_follow_up_due = models.DateField(
        _("nabespreking met de gepeste leerling uiterlijk op"), null=True, blank=True
    )
    group_follow_up_due = models.DateField(
        _("nabesprekingen met de steungroep uiterlijk op"), null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("ronde")
        verbose_name_plural = _("rondes")
        ordering = ["traject", "number"]
        constraints = [
            models.UniqueConstraint(fields=["traject", "number"], name="round_unique_number"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=MAX_ROUNDS), name="round_at_most_five"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.traject}, {_('ronde')} {self.number}"

    def meeting(self) -> "Meeting | None":
        return self.meetings.order_by("-number").first()

    def follow_up_for(self, member) -> "FollowUpTalk | None":
        """The latest follow-up talk with ``member`` in this round (``None``: the victim)."""
        talks = (
            self.follow_ups.filter(member=member)
            if member
            else self.follow_ups.filter(member__isnull=True)
        )
        return talks.order_by("-number").first()


class Meeting(models.Model):
    """The meeting with the support group, without the victim; one row per version."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="meetings")
    number = models.PositiveSmallIntegerField(_("versie"))
    held_on = models.DateField(_("datum van de bijeenkomst"))
    attendees = models.ManyToManyField(
        SupportGroupMember, related_name="+", verbose_name=_("aanwezig")
    )
    notes = models.TextField(_("aantekeningen"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("bijeenkomst van de steungroep")
        verbose_name_plural = _("bijeenkomsten van de steungroep")
        ordering = ["round", "number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="meeting_version"),
            models.CheckConstraint(condition=Q(number__gte=1), name="meeting_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.round} v{self.number}"


class Idea(models.Model):
    """An idea from the meeting, always with the member who will carry it out."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="ideas")
    member = models.ForeignKey(
        SupportGroupMember, on_delete=models.PROTECT, related_name="ideas", verbose_name=_("wie")
    )
    text = models.TextField(_("idee"))

    class Meta:
        verbose_name = _("idee")
        verbose_name_plural = _("ideeën")
        ordering = ["meeting", "member__position", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="idea_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text


class FollowUpTalk(ChoiceLabels, models.Model):
    """A follow-up talk in a round: with the victim (no member) or with one member.

    Versions: recording again adds a row; the latest one counts.
    """

    class Part(models.TextChoices):
        YES = "yes", _("ja")
        PARTLY = "partly", _("een beetje")
        NO = "no", _("nee")

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="follow_ups")
    member = models.ForeignKey(
        SupportGroupMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("lid van de steungroep"),
    )
    number = models.PositiveSmallIntegerField(_("versie"))
    held_on = models.DateField(_("datum van het gesprek"))
    what_changed = models.TextField(_("Wat is er veranderd?"))
    how_now = models.TextField(_("Hoe gaat het nu?"))
    improved = models.CharField(
        _("Is het volgens de gepeste leerling genoeg verbeterd?"),
        max_length=3,
        choices=YesNo.choices,
        blank=True,
    )
    did_their_part = models.CharField(
        _("Heeft de leerling zijn of haar deel gedaan?"),
        max_length=6,
        choices=Part.choices,
        blank=True,
    )
    notes = models.TextField(_("aantekeningen"), blank=True)
    # Held before its window opened (days after the meeting, the school's settings).
    early_reason = models.TextField(_("Waarom eerder dan de termijn?"), blank=True)
    # A member talked with before someone earlier in the order set beforehand.
    order_reason = models.TextField(_("Waarom in een andere volgorde?"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("nabespreking")
        verbose_name_plural = _("nabesprekingen")
        ordering = ["round", "member__position", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member", "number"], name="follow_up_member_version"
            ),
            models.UniqueConstraint(
                fields=["round", "number"],
                condition=Q(member__isnull=True),
                name="follow_up_victim_version",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="follow_up_number_positive"),
            # The victim's talk says whether it improved; a member's whether they did their part.
            models.CheckConstraint(
                condition=Q(member__isnull=True, improved__in=["yes", "no"], did_their_part="")
                | Q(member__isnull=False, improved="", did_their_part__in=["yes", "partly", "no"]),
                name="follow_up_answers_fit_who",
            ),
        ]

    def __str__(self) -> str:
        who = self.member.pupil if self.member_id else _("gepeste leerling")
        return f"{self.round}: {who} v{self.number}"


class Guidance(models.Model):
    """Short guidance shown beside a talk's form; each school's beheerder can edit it."""

    class Talk(models.TextChoices):
        PREPARATION = "preparation", _("Voorbereiding")
        VICTIM_TALK = "victim_talk", _("Gesprek met de gepeste leerling")
        GROUP_MEETING = "group_meeting", _("Bijeenkomst van de steungroep")
        VICTIM_FOLLOW_UP = "victim_follow_up", _("Nabespreking met de gepeste leerling")
        MEMBER_FOLLOW_UP = "member_follow_up", _("Nabespreking met een lid van de steungroep")

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="noblame_guidance", verbose_name=_("school")
    )
    talk = models.CharField(_("gesprek"), max_length=30, choices=Talk.choices)
    opening = models.TextField(_("Zo begint u"), help_text=_("Eén punt per regel."))
    questions = models.TextField(_("Wat u vraagt of doet"), help_text=_("Eén punt per regel."))
    avoid = models.TextField(_("Wat u vermijdt"), help_text=_("Eén punt per regel."))

    class Meta:
        verbose_name = _("handreiking bij een gesprek")
        verbose_name_plural = _("handreikingen bij de gesprekken")
        ordering = ["school", "talk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "talk"], name="guidance_once_per_talk"),
        ]

    def __str__(self) -> str:
        return str(self.get_talk_display())

    def sections(self) -> list[tuple[str, list[str]]]:
        return [
            (str(label), [line.strip() for line in text.splitlines() if line.strip()])
            for label, text in (
                (_("Zo begint u"), self.opening),
                (_("Wat u vraagt of doet"), self.questions),
                (_("Wat u vermijdt"), self.avoid),
            )
        ]
