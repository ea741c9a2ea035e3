"""Shared steps for the plan van aanpak tests: a case in stap 4 and a full plan for it."""

import datetime

from cases import services
from cases.models import State
from cases.talks import TalkKind
from demo.plans import draw_signature
from plans import services as plan_services
from tests.walk import PATHS, new_case, satisfy, walk

PLANNING = [
    (TalkKind.BULLY, 3, "leerkracht en Daan"),
    (TalkKind.BULLY_PARENTS, 5, "leerkracht, IB en de ouders van Daan"),
    (TalkKind.EVALUATION, 21, "leerkracht, Sanne en Daan"),
    (TalkKind.CLOSING, 42, "iedereen die tekende"),
]


def case_in_stap4(school, people, victim, bully):
    """A case in stap 4 (action plan) with the teacher of groep 5 and the IB."""
    case = new_case(school, people["teacher5"], victim, bully)
    return walk(case, State.ACTION_PLAN, people)


def full_plan(case, people, **changes):
    """A plan with agreements per party, a planning, coaches and the usual signatories."""
    victim = case.pupils_in_role("victim")[0]
    bully = case.pupils_in_role("bully")[0]
    today = datetime.date(2027, 3, 1)
    content = {
        "agreements": "Niemand wordt buitengesloten of uitgelachen.",
        "parties": [
            {"party": "pupil", "pupil": bully, "text": "Daan laat Sanne met rust op het plein."},
            {"party": "guardians", "pupil": victim, "text": "De ouders bellen bij zorgen."},
            {"party": "group", "pupil": None, "text": "De groep maakt drie pleinafspraken."},
        ],
        "talks": [
            {
                "kind": kind,
                "planned_on": today + datetime.timedelta(days=days),
                "participants": who,
            }
            for kind, days, who in PLANNING
        ],
        "coach_bully": people["ib"],
        "coach_victim": people["teacher5"],
        "activities": ["frog_quartet", "books"],
        "activities_other": "Een maatje voor de grote pauze.",
    }
    content.update(changes)
    return plan_services.plan_create(case, by=people["ib"], **content)


def sign_all(plan, people):
    """Everyone signs on the screen: staff themselves, parents on the teacher's screen."""
    for signatory in plan.signatories.all():
        plan_services.plan_sign(
            signatory,
            by=signatory.user or people["teacher5"],
            signature=draw_signature(signatory.name),
        )
    plan.refresh_from_db()
    return plan


def walk_on(case, state, people):
    """Walk a case in stap 4 whose plan is signed on to ``state`` (its plan stays as it is)."""
    done = len(PATHS[State.ACTION_PLAN])
    for name, actor in PATHS[state][done:]:
        if name != "start_coaching":
            satisfy(case, name, people)
        services.case_transition(case, name, by=people[actor])
    assert case.state == state
    return case
