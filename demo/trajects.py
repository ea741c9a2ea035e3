"""Demo data for the No Blame approach: trajects in every sub-state, driven by the services.

``seed_trajects(board, today)`` is called by ``seed_demo`` after its cases exist.
It plays the trajects of the cases that entered stap 3 and adds a few cases of its
own (through ``cases.services``) so that every sub-state is there: one traject in
its third round and one closed after five rounds among them. Every change goes
through ``noblame.services`` (and ``cases.services`` for the cases), so the demo
passes the same guards as real work. Deterministic: ``random.Random(2026)``.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.models import Permission

from cases import services as case_services
from cases.models import Case, CasePupil, Place, ReporterKind, State, TalkVersion
from cases.talks import TalkKind, questions_for
from noblame import services
from noblame.models import (
    CASE_ROLE_TO_MEMBER,
    FollowUpTalk,
    SupportGroupMember,
    Traject,
    TrajectState,
)
from schools.models import Membership, Pupil, Role, SchoolClass

T = TrajectState
Member = SupportGroupMember.Role
DAY = datetime.timedelta(days=1)

# --- texts (written for this demo; {v} the victim's first name) ----------------------------

WHAT = (
    "Bij het spelen op het plein wordt {v} weggestuurd; soms wordt er nageroepen.",
    "In de klas wordt om {v} gelachen als {v} iets zegt; spullen raken zoek.",
    "In de groepsapp worden grapjes over {v} gemaakt en {v} mag niet meer meedoen.",
)
WHEN = (
    "Vooral in de grote pauze en bij het naar huis gaan.",
    "Bij het zelfstandig werken en in de kleedkamer bij gym.",
    "'s Avonds op de telefoon en de ochtend daarna in de klas.",
)
WHO_HELPS = (
    "{v} noemt twee kinderen uit de klas die wel aardig zijn en soms meespelen.",
    "De buurjongen uit de klas en een meisje van de voetbalclub.",
    "{v} weet het eerst niet; daarna noemt {v} een paar kinderen bij wie {v} graag zit.",
)
CONFIDENTIAL = (
    "{v} wil niet dat de groep hoort dat {v} het zelf verteld heeft.",
    "Thuis is het onrustig door een verhuizing; dat blijft tussen ons.",
    "Niet vertellen dat {v} soms huilt op de wc.",
)
ASSIGNMENT = "Let de komende week op wat andere kinderen doen om aardig voor je te zijn."
NOTICED = (
    "{v} vertelt dat een klasgenoot in de pauze vroeg of {v} mee wilde doen.",
    "Iemand hielp {v} met opruimen en zei dat de tekening mooi was.",
    "{v} zag dat er bij gym op {v} werd gewacht bij het kiezen van teams.",
)
EARLY = "Eerder gehouden: de leerling is de week erna afwezig (schoolkamp)."
IDEAS = (
    "vraagt {v} in de pauze om mee te doen met voetbal",
    "zegt 's ochtends gedag tegen {v} bij de kapstok",
    "gaat bij gym naast {v} staan bij het kiezen van teams",
    "zegt er iets van als iemand om {v} lacht",
    "loopt na school samen met {v} naar het fietsenrek",
    "vraagt {v} om samen te werken bij rekenen",
    "nodigt {v} uit om een keer te komen spelen",
    "helpt {v} met opruimen na de handvaardigheidsles",
)
CHANGED_NO = (
    "Een paar kinderen zijn aardiger, maar in de pauze wordt {v} nog steeds weggestuurd.",
    "Het is iets rustiger in de klas; op het plein is het nog hetzelfde.",
    "{v} merkt weinig verschil; in de app gaat het door.",
)
CHANGED_YES = (
    "{v} speelt weer mee in de pauze en wordt 's ochtends begroet.",
    "Niemand lacht meer als {v} een beurt krijgt; {v} heeft een nieuw maatje.",
)
HOW_NOW_NO = ("Nog niet fijn, wel iets beter.", "Af en toe bang, vooral op maandag.")
HOW_NOW_YES = ("Fijn, {v} gaat weer graag naar school.", "Goed; {v} lacht weer in de klas.")
MEMBER_DID = (
    "Heeft {v} een paar keer gevraagd om mee te spelen.",
    "Heeft gedag gezegd en naast {v} gezeten bij gym.",
    "Vond het lastig om er iets van te zeggen, deed het één keer wel.",
    "Is een keer samen naar huis gelopen.",
)
MEMBER_NOW = (
    "Denkt dat het beter gaat met {v}.",
    "Ziet dat {v} vaker meedoet, maar soms nog alleen staat.",
    "Vindt dat de sfeer in de klas prettiger is.",
)


@dataclass
class Plan:
    """How far a traject is played: its sub-state, round and what happens in the last round."""

    state: str
    rounds: int = 1
    improved_at: int = 0  # the round in which the victim says it improved (0: never)
    end_gap: int = 2  # days between the last event and today
    size: int = 6
    reason: str = ""
    case_next: str = ""  # a case transition to fire after the traject closed


# The cases seed_demo leads into stap 3, in the order it made them.
PLANS_FOR_EXISTING = [
    Plan(
        T.CLOSED_INEFFECTIVE,
        rounds=5,
        end_gap=6,
        size=7,
        reason="Na vijf rondes is het niet genoeg verbeterd; verder met het plan van aanpak.",
        case_next="escalate",
    ),
    Plan(T.CLOSED_SUCCESS, rounds=2, improved_at=2, end_gap=12, case_next="close"),
    Plan(T.FOLLOW_UP, rounds=3, end_gap=4, size=8),
    Plan(T.GROUP_MEETING, end_gap=0),
]
# Cases added here: (school name, groep, days ago, place, plan).
NEW_CASES = [
    ("OBS De Regenboog", "groep 4", 16, Place.PLAYGROUND, Plan(T.PREPARATION)),
    ("OBS De Regenboog", "groep 7", 14, Place.CLASSROOM, Plan(T.VICTIM_TALK)),
    ("CBS Het Kompas", "groep 8", 22, Place.ONLINE, Plan(T.VICTIM_ASSIGNMENT, end_gap=3)),
    ("OBS De Regenboog", "groep 4", 26, Place.LUNCH, Plan(T.GROUP_FORMED, end_gap=1, size=5)),
    (
        "CBS Het Kompas",
        "groep 8",
        20,
        Place.AROUND_SCHOOL,
        Plan(
            T.CLOSED_INEFFECTIVE,
            end_gap=5,
            reason="De leerling wil deze hulp nu niet; de ouders kiezen voor een gesprek met "
            "de intern begeleider.",
        ),
    ),
]
NEW_CASE_TEXT = {
    Place.PLAYGROUND: "{v} wordt op het plein steeds buitengesloten; {b} begint ermee.",
    Place.CLASSROOM: "{b} maakt in de klas opmerkingen over {v}; anderen lachen mee.",
    Place.ONLINE: "{b} zet gemene berichten over {v} in de groepsapp van de klas.",
    Place.LUNCH: "Bij het overblijven mag {v} niet bij de anderen zitten; {b} houdt de plek vrij.",
    Place.AROUND_SCHOOL: "{v} wordt na school bij het hek opgewacht door {b} en uitgelachen.",
}


def seed_trajects(board, today: datetime.date) -> None:
    """Play the demo trajects of ``board``'s schools (see the module docstring)."""
    rng = random.Random(2026)
    _grant_beheerder(board)
    existing = (
        Traject.objects.filter(case__school__board=board)
        .select_related("case")
        .order_by("case__created_at", "pk")
    )
    for traject, plan in zip(existing, PLANS_FOR_EXISTING, strict=False):
        _Player(traject, plan, today, rng).play()
    for school_name, groep, days_ago, place, plan in NEW_CASES:
        case = _new_case(board, school_name, groep, days_ago, place, today, rng)
        _Player(Traject.objects.get(case=case), plan, today, rng).play()


def _grant_beheerder(board) -> None:
    """The beheerder edits the school's No Blame settings and the guidance texts."""
    perms = Permission.objects.filter(
        content_type__app_label="noblame",
        codename__in=[
            "view_guidance",
            "change_guidance",
            "view_schoolsettings",
            "change_schoolsettings",
        ],
    )
    admins = Membership.objects.filter(school__board=board, role=Role.ADMIN).select_related("user")
    for membership in admins:
        membership.user.user_permissions.add(*perms)


def _fresh_pupils(school_class: SchoolClass, rng: random.Random, n: int) -> list[Pupil]:
    """``n`` pupils of the class not yet part of any case or support group."""
    busy = set(CasePupil.objects.values_list("pupil_id", flat=True)) | set(
        SupportGroupMember.objects.values_list("pupil_id", flat=True)
    )
    pool = [p for p in school_class.pupils.order_by("pk") if p.pk not in busy]
    return rng.sample(pool, n)


def _new_case(board, school_name, groep, days_ago, place, today, rng) -> Case:
    """A case of repeated bullying led to stap 3 through the case services."""
    school_class = SchoolClass.objects.get(
        school__board=board, school__name=school_name, name=groep
    )
    teacher = school_class.teachers.order_by("pk").first()
    victim, bully, follower, bystander = _fresh_pupils(school_class, rng, 4)
    names = {"v": victim.first_name, "b": bully.first_name}
    signal_date = _weekday(today - days_ago * DAY, back=True)
    case = case_services.case_create(
        school=school_class.school,
        by=teacher,
        pupils=[
            (victim, CasePupil.Role.VICTIM),
            (bully, CasePupil.Role.BULLY),
            (follower, CasePupil.Role.FOLLOWER),
            (bystander, CasePupil.Role.BYSTANDER),
        ],
        reporter_kind=ReporterKind.PARENT,
        reporter_name="",
        signal_date=signal_date,
        place=place,
        description=NEW_CASE_TEXT[place].format(**names),
        responsible_teacher=teacher,
    )
    case_services.case_transition(case, "start_victim_talk", by=teacher)
    answers = {
        q.key: q.choices[0][0] if q.choices else _victim_answer(q.key, names)
        for q in questions_for(TalkKind.VICTIM, case.cycle)
    }
    case_services.talk_record(
        case,
        TalkKind.VICTIM,
        by=teacher,
        held_on=_weekday(signal_date + 2 * DAY),
        answers=answers,
        staff=[teacher],
        pupils=[victim],
    )
    case_services.case_transition(case, "assess", by=teacher)
    case_services.case_transition(
        case, "classify_repeated", by=teacher, remark="Het gebeurt al weken: herhaald pesten."
    )
    assert case.state == State.SUPPORT_GROUP, case.state
    return case


def _victim_answer(key: str, names: dict) -> str:
    return {
        "what_happens": "{v} wordt buitengesloten en uitgelachen; {b} begint er meestal mee.",
        "how_often": "Bijna elke dag.",
        "since_when": "Sinds een paar weken.",
        "where_when": "In de pauze en na schooltijd.",
    }.get(key, "Besproken met {v}.").format(**names)


def _weekday(day: datetime.date, back: bool = False) -> datetime.date:
    while day.weekday() >= 5:
        day += -DAY if back else DAY
    return day


class _Player:
    """Drives one traject through the services to its planned sub-state, with dated talks."""

    # Days after the traject's start: victim talk, first meeting; then per round.
    TALK_AT, MEETING_AT, ROUND_DAYS = 2, 7, 14
    VICTIM_FOLLOW_UP, MEMBER_FOLLOW_UP = 9, 11

    def __init__(self, traject: Traject, plan: Plan, today: datetime.date, rng: random.Random):
        self.traject, self.plan, self.today, self.rng = traject, plan, today, rng
        case = traject.case
        self.case = case
        self.smw = case.smw or case.ib
        self.teacher = case.responsible_teacher
        self.victim = traject.victim()
        self.names = {"v": self.victim.first_name}
        self.start = self._start()

    def _text(self, options) -> str:
        return self.rng.choice(options).format(**self.names)

    def _start(self) -> datetime.date:
        """So that the last event falls ``end_gap`` days before today, after the case's talks."""
        plan = self.plan
        last = {
            T.PREPARATION: 0,
            T.VICTIM_TALK: 0,
            T.VICTIM_ASSIGNMENT: self.TALK_AT,
            T.GROUP_FORMED: self.TALK_AT,
            T.GROUP_MEETING: self.TALK_AT,
        }.get(plan.state, self.MEETING_AT + self.ROUND_DAYS * (plan.rounds - 1))
        if plan.state in (T.CLOSED_SUCCESS, T.CLOSED_INEFFECTIVE) and plan.rounds:
            last += self.MEMBER_FOLLOW_UP
        if plan.state == T.CLOSED_INEFFECTIVE and not plan.case_next:
            last = self.TALK_AT
        held = TalkVersion.objects.filter(talk__case=self.case).order_by("-held_on").first()
        earliest = held.held_on + DAY if held else self.today
        return max(self.today - (last + plan.end_gap) * DAY, earliest)

    def day(self, offset: int) -> datetime.date:
        """A school day ``offset`` days after the start, never after today."""
        return _weekday(min(self.start + offset * DAY, self.today), back=True)

    def fire(self, name: str, remark: str = "") -> None:
        services.traject_transition(self.traject, name, by=self.smw, remark=remark)

    def play(self) -> None:
        plan, state = self.plan, self.plan.state
        self._prepare()
        if state == T.PREPARATION:
            return
        early_stop = state == T.CLOSED_INEFFECTIVE and not plan.case_next
        self.fire("start_victim_talk")
        if state == T.VICTIM_TALK:
            return
        self._victim_talk(wants_change=not early_stop)
        if early_stop:
            self.fire("close_ineffective", plan.reason)
            return
        self.fire("give_assignment")
        if state == T.VICTIM_ASSIGNMENT:
            return  # the check-in is still due: it shows in Te doen
        self._check_in()
        self._compose()
        self.fire("form_group")
        services.meeting_plan(self.traject, self._meeting_day(1), by=self.smw)
        if state == T.GROUP_FORMED:
            return
        self.fire("plan_meeting", "Alle kinderen persoonlijk uitgenodigd.")
        for number in range(1, plan.rounds + 1):
            last = number == plan.rounds
            if last and state == T.GROUP_MEETING:
                return
            self._meeting(number)
            self.fire("start_follow_up")
            if last and state == T.FOLLOW_UP:
                self._some_follow_ups(number)
                return
            improved = number == plan.improved_at
            self._follow_ups(number, improved)
            if improved:
                self.fire("close_success", "Het gaat goed met de leerling.")
                break
            if last:
                self.fire("close_ineffective", plan.reason)
                break
            self.fire("new_round", "Nog niet genoeg verbeterd: nieuwe bijeenkomst.")
            services.meeting_plan(self.traject, self._meeting_day(number + 1), by=self.smw)
        if plan.case_next:
            case_services.case_transition(self.case, plan.case_next, by=self.case.ib or self.smw)

    def _meeting_day(self, number: int) -> datetime.date:
        offset = self.MEETING_AT + self.ROUND_DAYS * (number - 1)
        planned = _weekday(self.start + offset * DAY)
        if self.plan.state in (T.GROUP_FORMED, T.GROUP_MEETING) and number == self.plan.rounds:
            planned = _weekday(self.today + 3 * DAY)  # the meeting is coming up
        return planned

    def _prepare(self) -> None:
        people = self.traject.preparation_list()
        if self.plan.state == T.PREPARATION:
            # Nobody confirmed yet: the request waits in the teacher's and the IB's Te doen.
            people = []
        for person in people:
            services.preparation_confirm(self.traject, by=person.user)

    def _victim_talk(self, wants_change: bool) -> None:
        candidates = self._group_pairs()
        services.victim_talk_record(
            self.traject,
            by=self.smw,
            held_on=self.day(self.TALK_AT),
            what_happens=self._text(WHAT),
            when_happens=self._text(WHEN),
            who_could_help=self._text(WHO_HELPS),
            wants_change="yes" if wants_change else "no",
            approach_explained=True,
            chosen_pupils=[p for p, _role in candidates],
            confidential_agreements=self._text(CONFIDENTIAL) if self.rng.random() < 0.8 else "",
            assignment=ASSIGNMENT,
        )

    def _group_pairs(self) -> list[tuple]:
        if not hasattr(self, "_pairs"):
            pairs = [
                (cp.pupil, CASE_ROLE_TO_MEMBER[cp.role])
                for cp in self.case.case_pupils.select_related("pupil").order_by("pk")
                if cp.role in CASE_ROLE_TO_MEMBER
            ][: self.plan.size - 2]
            taken = {p.pk for p, _r in pairs} | {self.victim.pk}
            pool = [
                p
                for p in self.victim.school_class.pupils.order_by("pk")
                if p.pk not in taken and p.left_on is None
            ]
            for pupil in self.rng.sample(pool, self.plan.size - len(pairs)):
                leaning_in = sum(r in (Member.RINGLEADER, Member.FOLLOWER) for _p, r in pairs)
                role = Member.FOLLOWER if leaning_in < self.plan.size // 2 - 1 else Member.HELPFUL
                pairs.append((pupil, role))
            self._pairs = pairs
        return self._pairs

    def _compose(self) -> None:
        services.group_compose(self.traject, self._group_pairs(), by=self.smw)

    def _meeting(self, number: int) -> None:
        members = list(self.traject.members())
        absent = self.rng.choice(members) if number > 1 and self.rng.random() < 0.5 else None
        present = [m for m in members if m != absent]
        ideas = self.rng.sample(IDEAS, len(present))
        services.meeting_record(
            self.traject,
            by=self.smw,
            held_on=self.day(self.MEETING_AT + self.ROUND_DAYS * (number - 1)),
            attendees=present,
            ideas={
                m: f"{m.pupil.first_name} {idea.format(**self.names)}"
                for m, idea in zip(present, ideas, strict=True)
            },
            notes="Goede sfeer; iedereen dacht mee." if number == 1 else "",
        )

    def _check_in(self) -> None:
        """The short talk about the assignment, about a week after the talk with the victim."""
        held_on = self.day(self.TALK_AT + 7)
        planned = self.traject.victim_talk.check_in_on
        services.check_in_record(
            self.traject,
            by=self.smw,
            held_on=held_on,
            # Not from self.rng: the rest of the demo keeps the choices it had.
            noticed=NOTICED[self.traject.pk % len(NOTICED)].format(**self.names),
            how_now="Iets beter; {v} voelt zich gezien.".format(**self.names),
            early_reason=EARLY if held_on < planned else "",
        )

    def _early(self, member, held_on: datetime.date) -> str:
        """A follow-up the calendar puts before its window (a weekend, the holidays) says why."""
        current = self.traject.current_round
        opens = services.follow_up_window_opens(self.traject, member, current.meeting())
        return EARLY if opens is not None and held_on < opens else ""

    def _follow_up_victim(self, number: int, improved: bool) -> None:
        meeting_offset = self.MEETING_AT + self.ROUND_DAYS * (number - 1)
        held_on = self.day(meeting_offset + self.VICTIM_FOLLOW_UP)
        services.follow_up_record(
            self.traject,
            by=self.smw,
            early_reason=self._early(None, held_on),
            held_on=held_on,
            what_changed=self._text(CHANGED_YES if improved else CHANGED_NO),
            how_now=self._text(HOW_NOW_YES if improved else HOW_NOW_NO),
            improved="yes" if improved else "no",
        )

    def _follow_up_member(self, number: int, member, improved: bool) -> None:
        meeting_offset = self.MEETING_AT + self.ROUND_DAYS * (number - 1)
        held_on = self.day(meeting_offset + self.MEMBER_FOLLOW_UP)
        services.follow_up_record(
            self.traject,
            member,
            by=self.rng.choice([self.smw, self.teacher]),
            early_reason=self._early(member, held_on),
            held_on=held_on,
            what_changed=self._text(MEMBER_DID),
            how_now=self._text(MEMBER_NOW),
            did_their_part=FollowUpTalk.Part.YES
            if improved or self.rng.random() < 0.6
            else FollowUpTalk.Part.PARTLY,
        )

    def _follow_ups(self, number: int, improved: bool) -> None:
        self._follow_up_victim(number, improved)
        for member in self.traject.members():
            self._follow_up_member(number, member, improved)

    def _some_follow_ups(self, number: int) -> None:
        """The round under way: the first two members have had their talk."""
        for member in list(self.traject.members())[:2]:
            self._follow_up_member(number, member, improved=False)
