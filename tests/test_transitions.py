"""Every transition of the stap 1–10 machine: allowed, and refused for role, state and guard."""

import pytest

from cases import services
from cases.models import CasePupil, State, StateChange
from cases.services import TransitionRefused
from tests.walk import new_case, satisfy, walk

# name, source, target, who may, who may not
TRANSITIONS = [
    ("start_victim_talk", State.SIGNALED, State.VICTIM_TALK, "teacher5", "smw"),
    ("assess", State.VICTIM_TALK, State.ASSESSMENT, "teacher5", "teacher7"),
    ("classify_no_bullying", State.ASSESSMENT, State.RESOLVED_OTHER, "teacher5", "director"),
    ("classify_one_off", State.ASSESSMENT, State.ONE_OFF, "ib", "smw"),
    ("classify_repeated", State.ASSESSMENT, State.SUPPORT_GROUP, "teacher5", "ib_other"),
    ("start_review", State.ONE_OFF, State.ONE_OFF_REVIEW, "teacher5", "smw"),
    ("close", State.RESOLVED_OTHER, State.CLOSED, "teacher5", "teacher7"),
    ("close", State.ONE_OFF_REVIEW, State.CLOSED, "teacher5", "director"),
    ("escalate", State.ONE_OFF_REVIEW, State.SUPPORT_GROUP, "ib", "smw"),
    ("close", State.SUPPORT_GROUP, State.CLOSED, "smw", "teacher5"),
    ("escalate", State.SUPPORT_GROUP, State.ACTION_PLAN, "ib", "teacher5"),
    ("start_coaching", State.ACTION_PLAN, State.COACHING, "ib", "teacher5"),
    ("start_talks", State.COACHING, State.TALKS, "teacher5", "smw"),
    ("start_reflection", State.TALKS, State.REFLECTION, "teacher5", "inactive_ib"),
    ("start_group_discussion", State.REFLECTION, State.GROUP_DISCUSSION, "ib", "director"),
    ("return_to_class", State.GROUP_DISCUSSION, State.BACK_IN_CLASS, "teacher5", "teacher7"),
    ("start_closing", State.BACK_IN_CLASS, State.CLOSING, "teacher5", "beheerder"),
    ("close", State.CLOSING, State.CLOSED, "teacher5", "ib_other"),
    ("reopen", State.CLOSED, State.COACHING, "ib", "smw"),
]
IDS = [f"{name}-from-{source}" for name, source, *_ in TRANSITIONS]

# Transitions whose guard is met by an explicit step (``satisfy``) in the walk.
GUARDED_BY_STEP = {
    ("assess", State.VICTIM_TALK),
    ("start_review", State.ONE_OFF),
    ("close", State.RESOLVED_OTHER),
    ("close", State.ONE_OFF_REVIEW),
    ("escalate", State.ONE_OFF_REVIEW),
    ("close", State.SUPPORT_GROUP),
    ("escalate", State.SUPPORT_GROUP),
    ("start_coaching", State.ACTION_PLAN),
    ("start_talks", State.COACHING),
    ("start_reflection", State.TALKS),
    ("start_group_discussion", State.REFLECTION),
    ("return_to_class", State.GROUP_DISCUSSION),
    ("close", State.CLOSING),
}


@pytest.fixture
def case(school, people, victim, bully):
    return new_case(school, people["teacher5"], victim, bully)


@pytest.mark.parametrize(("name", "source", "target", "actor", "_other"), TRANSITIONS, ids=IDS)
def test_allowed_for_right_role_in_right_state(case, people, name, source, target, actor, _other):
    walk(case, source, people)
    satisfy(case, name, people)
    before = StateChange.objects.filter(case=case).count()

    services.case_transition(case, name, by=people[actor], remark="Besproken in het team.")

    case.refresh_from_db()
    assert case.state == target
    assert StateChange.objects.filter(case=case).count() == before + 1
    row = StateChange.objects.filter(case=case).last()
    assert (row.transition, row.source, row.target, row.by) == (name, source, target, people[actor])
    assert row.remark == "Besproken in het team."


@pytest.mark.parametrize(("name", "source", "_target", "_actor", "other"), TRANSITIONS, ids=IDS)
def test_refused_for_wrong_role(case, people, name, source, _target, _actor, other):
    walk(case, source, people)
    satisfy(case, name, people)
    before = StateChange.objects.filter(case=case).count()

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case, name, by=people[other])

    assert refused.value.reasons[0].startswith("Dit kan alleen")
    case.refresh_from_db()
    assert case.state == source
    assert StateChange.objects.filter(case=case).count() == before


@pytest.mark.parametrize(("name", "source", "_target", "actor", "_other"), TRANSITIONS, ids=IDS)
def test_refused_in_wrong_state(case, people, name, source, _target, actor, _other):
    wrong = State.ASSESSMENT if source == State.SIGNALED else State.SIGNALED
    walk(case, wrong, people)
    before = StateChange.objects.filter(case=case).count()

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case, name, by=people[actor])

    assert "huidige stap" in refused.value.reasons[0]
    assert case.state == wrong
    assert StateChange.objects.filter(case=case).count() == before


GUARDED = [t for t in TRANSITIONS if (t[0], t[1]) in GUARDED_BY_STEP]


@pytest.mark.parametrize(
    ("name", "source", "_target", "actor", "_other"),
    GUARDED,
    ids=[f"{t[0]}-from-{t[1]}" for t in GUARDED],
)
def test_refused_when_guard_unmet(case, people, name, source, _target, actor, _other):
    walk(case, source, people)
    before = StateChange.objects.filter(case=case).count()

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case, name, by=people[actor])

    assert refused.value.reasons  # says in Dutch what is missing
    case.refresh_from_db()
    assert case.state == source
    assert StateChange.objects.filter(case=case).count() == before


@pytest.mark.parametrize(
    ("name", "source", "role"),
    [
        ("start_victim_talk", State.SIGNALED, CasePupil.Role.VICTIM),
        ("classify_repeated", State.ASSESSMENT, CasePupil.Role.BULLY),
        ("classify_one_off", State.ASSESSMENT, CasePupil.Role.BULLY),
        ("reopen", State.CLOSED, CasePupil.Role.BULLY),
    ],
)
def test_refused_without_the_pupil_it_needs(case, people, name, source, role):
    walk(case, source, people)
    case.case_pupils.filter(role=role).delete()

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case, name, by=people["ib"])

    assert refused.value.reasons == [
        "Koppel eerst de gepeste leerling aan de casus."
        if role == CasePupil.Role.VICTIM
        else "Koppel eerst de pester aan de casus."
    ]


def test_refusal_names_the_missing_talk(case, people):
    walk(case, State.VICTIM_TALK, people)

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case, "assess", by=people["teacher5"])

    assert "Stap 1: gesprek met de gepeste leerling" in refused.value.reasons[0]


def test_unknown_transition_is_refused(case, people):
    with pytest.raises(TransitionRefused):
        services.case_transition(case, "delete", by=people["ib"])
