"""Walk a case through the protocol with the real services, for tests.

``satisfy(case, name)`` does what the guard of transition ``name`` asks for;
``reach(state)`` walks a fresh case there along the shortest path.
"""

import datetime

from django.utils import timezone

from cases import services
from cases.models import CasePupil, Place, ReporterKind, State
from cases.talks import TalkKind, questions_for
from demo.plans import draw_signature
from noblame.models import Traject
from plans import services as plan_services
from schools.models import Guardian
from tests.noblame_walk import walk_traject

TODAY = timezone.localdate


def answers(kind, level=0, **given):
    """An answer to every question of ``kind`` asked at recurrence ``level``."""
    result = {
        q.key: (q.choices[0][0] if q.choices else f"Antwoord op {q.key}.")
        for q in questions_for(kind, level)
    }
    result.update(given)
    return result


def everyone(case):
    """Every pupil of the case and all their guardians: attendance that fits any talk."""
    pupils = list(case.pupils.all())
    return {"pupils": pupils, "guardians": list(Guardian.objects.filter(pupils__in=pupils))}


def record(case, kind, by, **given):
    """Record ``kind`` with every answer; with everyone present where the protocol asks
    for certain people (``services.ATTENDANCE``)."""
    return services.talk_record(
        case,
        kind,
        by=by,
        held_on=TODAY(),
        answers=answers(kind, case.recurrence_level(), **given),
        early_reason="De leerlingen vroegen zelf om het gesprek.",  # used only when early
        **(everyone(case) if kind in services.ATTENDANCE else {}),
    )


def new_case(school, teacher, victim, bully, *extra_pupils):
    pupils = [(victim, CasePupil.Role.VICTIM), (bully, CasePupil.Role.BULLY), *extra_pupils]
    return services.case_create(
        school=school,
        by=teacher,
        pupils=pupils,
        reporter_kind=ReporterKind.PARENT,
        place=Place.PLAYGROUND,
        description="Wordt al weken buitengesloten bij het voetballen.",
        separate_reason="Een ander voorval, dat apart wordt gevolgd.",
    )


def set_traject_state(case, state):
    """Drive the case's No Blame traject to ``state`` through the noblame services."""
    walk_traject(Traject.objects.get(case=case), state)


def satisfy(case, name, p):
    """Meet the guard of ``name`` from the case's current state. ``p`` maps persona names."""
    teacher, ib = p["teacher5"], p["ib"]
    state = case.state
    if name == "assess":
        record(case, TalkKind.VICTIM, teacher)
    elif name == "start_review":
        record(case, TalkKind.ONE_OFF, teacher)
    elif name == "close" and state == State.RESOLVED_OTHER:
        services.case_note_outcome(case, "Ruzie uitgepraat, samen afspraken gemaakt.", by=teacher)
    elif name == "close" and state == State.ONE_OFF_REVIEW:
        record(case, TalkKind.ONE_OFF_REVIEW, teacher, bullying_stopped="yes")
    elif name == "escalate" and state == State.ONE_OFF_REVIEW:
        record(case, TalkKind.ONE_OFF_REVIEW, teacher, bullying_stopped="no")
    elif name == "close" and state == State.SUPPORT_GROUP:
        set_traject_state(case, Traject.State.CLOSED_SUCCESS)
    elif name == "escalate" and state == State.SUPPORT_GROUP:
        set_traject_state(case, Traject.State.CLOSED_INEFFECTIVE)
    elif name == "start_coaching":
        # Staff and the parents with custody of the victim and of the bully sign.
        parents = [
            {"name": str(guardian), "role": "ouder", "guardian": guardian}
            for guardian, _pupil in plan_services.required_parents(case)
        ]
        plan = plan_services.plan_create(
            case,
            by=ib,
            agreements="Dagelijks kort contact met de coach.",
            signatories=[
                {"name": "Anna de Boer", "role": "leerkracht", "user": teacher},
                {"name": "Ingrid Bakker", "role": "intern begeleider", "user": ib},
                *parents,
            ],
        )
        for signatory in plan.signatories.all():
            plan_services.plan_sign(
                signatory, by=signatory.user or teacher, signature=draw_signature(signatory.name)
            )
    elif name == "start_talks":
        services.case_assign_coaches(case, by=ib, bully=teacher, victim=ib)
    elif name == "start_reflection":
        for kind in (TalkKind.BULLY, TalkKind.BULLY_PARENTS, TalkKind.VICTIM_PARENTS):
            record(case, kind, teacher)
    elif name == "start_group_discussion":
        record(case, TalkKind.REFLECTION, teacher)
    elif name == "return_to_class":
        record(case, TalkKind.GROUP_DISCUSSION, teacher)
    elif name == "start_closing":
        talk = services.talk_plan(
            case, TalkKind.EVALUATION, TODAY() - datetime.timedelta(days=1), by=teacher
        )
        services.talk_record(
            case,
            TalkKind.EVALUATION,
            by=teacher,
            held_on=TODAY(),
            answers=answers(TalkKind.EVALUATION),
            talk=talk,
        )
    elif name == "close" and state == State.CLOSING:
        record(case, TalkKind.CLOSING, teacher)


# The shortest path to every state: (transition, actor persona) steps.
PATHS = {
    State.SIGNALED: [],
    State.VICTIM_TALK: [("start_victim_talk", "teacher5")],
    State.ASSESSMENT: [("start_victim_talk", "teacher5"), ("assess", "teacher5")],
}
PATHS[State.RESOLVED_OTHER] = [*PATHS[State.ASSESSMENT], ("classify_no_bullying", "teacher5")]
PATHS[State.ONE_OFF] = [*PATHS[State.ASSESSMENT], ("classify_one_off", "teacher5")]
PATHS[State.ONE_OFF_REVIEW] = [*PATHS[State.ONE_OFF], ("start_review", "teacher5")]
PATHS[State.SUPPORT_GROUP] = [*PATHS[State.ASSESSMENT], ("classify_repeated", "teacher5")]
PATHS[State.ACTION_PLAN] = [*PATHS[State.SUPPORT_GROUP], ("escalate", "smw")]
PATHS[State.COACHING] = [*PATHS[State.ACTION_PLAN], ("start_coaching", "ib")]
PATHS[State.TALKS] = [*PATHS[State.COACHING], ("start_talks", "teacher5")]
PATHS[State.REFLECTION] = [*PATHS[State.TALKS], ("start_reflection", "teacher5")]
PATHS[State.GROUP_DISCUSSION] = [*PATHS[State.REFLECTION], ("start_group_discussion", "teacher5")]
PATHS[State.BACK_IN_CLASS] = [*PATHS[State.GROUP_DISCUSSION], ("return_to_class", "teacher5")]
PATHS[State.CLOSING] = [*PATHS[State.BACK_IN_CLASS], ("start_closing", "teacher5")]
PATHS[State.CLOSED] = [*PATHS[State.CLOSING], ("close", "teacher5")]
PATHS[State.WITHDRAWN] = [*PATHS[State.ASSESSMENT], ("withdraw", "ib")]


def walk(case, state, p):
    for name, actor in PATHS[state]:
        if name == "escalate" and case.state == State.ACTION_PLAN:
            continue  # a pupil had No Blame before: classify_repeated skipped stap 3
        satisfy(case, name, p)
        # Withdrawing needs a reason; no other step of these paths asks for one.
        remark = "Per abuis over de verkeerde leerling gemeld." if name == "withdraw" else ""
        services.case_transition(case, name, by=p[actor], remark=remark)
    assert case.state == state
    return case
