"""Demo cases for the protocol's rules across cases (issue 10), made through the services.

- a pupil who is the victim in a third bullying case within the school's period: the
  third case plans a talk with the parents about outside help and cannot close before it;
- a signal logged about the wrong pupil, withdrawn by the IB with a reason.

(A bully's second recurrence, with the advice for outside help still to give, comes from
the main demo: a bully with a signed plan who is reopened and then bullies another child.)

All in groep 4 of OBS De Regenboog (``leerkracht4``), so the IB, the SMW, the director
and that teacher can open them; the pupils are ones no other demo case uses.
"""

import datetime

from django.utils import timezone

from cases import services
from cases.models import Case, CasePupil, Place, ReporterKind
from cases.talks import TalkKind
from noblame.models import SupportGroupMember
from schools.models import Membership, Role, SchoolClass

SCHOOL, GROEP = "OBS De Regenboog", "groep 4"

# (days ago, place, what happened); the last one is the third case, left in stap 2.2.
VICTIM_CASES = (
    (
        320,
        Place.PLAYGROUND,
        "{b} pakt in de pauze steeds de bal van {v} af en duwt {v} weg bij het spel.",
    ),
    (
        160,
        Place.LUNCH,
        "{b} gooit het eten van {v} van tafel en lacht {v} uit met een paar anderen.",
    ),
    (
        5,
        Place.CLASSROOM,
        "{b} maakt tijdens het voorlezen steeds nare opmerkingen over {v}; {v} durft niet "
        "meer voor te lezen.",
    ),
)


def seed_across_cases(board, *, today: datetime.date) -> list[Case]:
    school_class = SchoolClass.objects.get(school__board=board, school__name=SCHOOL, name=GROEP)
    school = school_class.school
    teacher = school_class.teachers.order_by("pk").first()
    ib = Membership.objects.filter(school=school, role=Role.IB).order_by("pk").first().user
    busy = set(CasePupil.objects.values_list("pupil_id", flat=True)) | set(
        SupportGroupMember.objects.values_list("pupil_id", flat=True)
    )
    fresh = [p for p in school_class.pupils.order_by("pk") if p.pk not in busy]
    victim, *bullies, wrong = fresh[:5]
    made = [
        _one_off(school, teacher, victim, bully, today, days, place, text, last=n == 2)
        for n, (bully, (days, place, text)) in enumerate(zip(bullies, VICTIM_CASES, strict=True))
    ]
    made.append(_withdrawn(school, teacher, ib, wrong, today))
    return made


def _held(case, kind, teacher, day, answers, *, pupils=(), guardians=(), **extra):
    services.talk_record(
        case,
        kind,
        by=teacher,
        held_on=day,
        answers=answers,
        staff=[teacher],
        pupils=pupils,
        guardians=guardians,
        **extra,
    )


def _one_off(school, teacher, victim, bully, today, days, place, text, *, last) -> Case:
    """A one-off case; the first two close after the review, the third stays in stap 2.2."""
    signal_date = today - datetime.timedelta(days=days)
    names = {"v": victim.first_name, "b": bully.first_name}
    case = services.case_create(
        school=school,
        by=teacher,
        pupils=[(victim, CasePupil.Role.VICTIM), (bully, CasePupil.Role.BULLY)],
        reporter_kind=ReporterKind.PARENT if last else ReporterKind.OBSERVATION,
        place=place,
        description=text.format(**names),
        signal_date=signal_date,
        created_at=min(
            timezone.make_aware(datetime.datetime.combine(signal_date, datetime.time(15, 30))),
            timezone.now(),
        ),
        responsible_teacher=teacher,
    )
    services.case_transition(case, "start_victim_talk", by=teacher)
    _held(
        case,
        TalkKind.VICTIM,
        teacher,
        min(signal_date + datetime.timedelta(days=1), today),
        {
            "what_happens": text.format(**names),
            "how_often": "Een paar keer in de afgelopen week.",
            "since_when": "Sinds kort.",
            "wants_change": "yes",
        },
        pupils=[victim],
    )
    services.case_transition(case, "assess", by=teacher)
    services.case_transition(
        case, "classify_one_off", by=teacher, remark="Eenmalig voorval met deze pester."
    )
    if last:
        return case  # the talk about outside help is planned; the one-off talk is next
    talk_day = signal_date + datetime.timedelta(days=2)
    _held(
        case,
        TalkKind.ONE_OFF,
        teacher,
        talk_day,
        {
            "consequences": f"{bully.first_name} ziet dat {victim.first_name} verdrietig werd.",
            "apology": "yes",
            "prevention": "Afgesproken om elkaar in de pauze met rust te laten.",
            "next_steps_told": "Gebeurt het weer, ook bij een ander kind, dan volgen de "
            "volgende stappen van het pestprotocol en worden de ouders erbij gehaald.",
        },
        pupils=[victim, bully],
    )
    services.case_transition(case, "start_review", by=teacher)
    _held(
        case,
        TalkKind.ONE_OFF_REVIEW,
        teacher,
        signal_date + datetime.timedelta(days=16),
        {"bullying_stopped": "yes", "observations": "Geen nieuwe voorvallen gezien of gehoord."},
        pupils=[victim, bully],
        early_reason="Vastgelegd bij het vullen van de demo: de termijn rekent vanaf vandaag.",
    )
    services.case_transition(case, "close", by=teacher, remark="Het pesten is gestopt.")
    return case


def _withdrawn(school, teacher, ib, pupil, today) -> Case:
    """A signal about the wrong pupil, withdrawn by the IB; it stays in the history."""
    case = services.case_create(
        school=school,
        by=teacher,
        pupils=[(pupil, CasePupil.Role.VICTIM)],
        reporter_kind=ReporterKind.PARENT,
        place=Place.AROUND_SCHOOL,
        description=f"Een ouder meldt dat {pupil.first_name} na school wordt nageroepen.",
        signal_date=today - datetime.timedelta(days=3),
        responsible_teacher=teacher,
    )
    services.case_transition(
        case,
        "withdraw",
        by=ib,
        remark="Verkeerde leerling gekozen: de melding gaat over een kind met dezelfde "
        "voornaam in groep 6. Daar is een nieuwe melding gedaan.",
    )
    return case
