"""The case's close and escalate from stap 3 depend on how the real traject ended."""

import pytest

from cases import services as case_services
from cases.models import State
from cases.services import TransitionRefused
from noblame.models import Traject, TrajectState
from tests.noblame_walk import fire, walk_traject
from tests.walk import new_case, walk

T = TrajectState


@pytest.fixture
def case(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    return walk(case, State.SUPPORT_GROUP, people)


@pytest.fixture
def traject(case):
    return Traject.objects.get(case=case)


@pytest.mark.parametrize("state", [T.PREPARATION, T.GROUP_MEETING, T.FOLLOW_UP])
def test_case_cannot_close_while_the_traject_runs(case, traject, people, state):
    walk_traject(traject, state)

    with pytest.raises(TransitionRefused) as refused:
        case_services.case_transition(case, "close", by=people["smw"])

    assert "nog niet met succes afgesloten" in refused.value.reasons[0]


def test_case_closes_after_the_traject_closed_with_success(case, traject, people):
    walk_traject(traject, T.CLOSED_SUCCESS)

    case_services.case_transition(case, "close", by=people["smw"])

    assert case.state == State.CLOSED


def test_case_cannot_escalate_after_success(case, traject, people):
    walk_traject(traject, T.CLOSED_SUCCESS)

    with pytest.raises(TransitionRefused):
        case_services.case_transition(case, "escalate", by=people["ib"])


def test_case_cannot_escalate_while_the_traject_runs(case, traject, people):
    walk_traject(traject, T.FOLLOW_UP, rounds=2)

    with pytest.raises(TransitionRefused) as refused:
        case_services.case_transition(case, "escalate", by=people["ib"])

    assert "niet effectief" in refused.value.reasons[0]


def test_case_escalates_to_stap_4_after_five_rounds(case, traject, people):
    walk_traject(traject, T.FOLLOW_UP, rounds=5)
    fire(traject, "close_ineffective", remark="Na vijf rondes niet verbeterd.")
    case_services.case_transition(case, "escalate", by=people["ib"])

    assert case.state == State.ACTION_PLAN


def test_case_cannot_close_after_an_ineffective_traject(case, traject, people):
    walk_traject(traject, T.CLOSED_INEFFECTIVE)

    with pytest.raises(TransitionRefused):
        case_services.case_transition(case, "close", by=people["smw"])


def test_a_pupil_with_a_real_traject_skips_stap_3_later(
    case, traject, school, people, bully, follower
):
    walk_traject(traject, T.CLOSED_SUCCESS)
    case_services.case_transition(case, "close", by=people["smw"])
    later = new_case(school, people["teacher5"], follower, bully)
    walk(later, State.ASSESSMENT, people)

    case_services.case_transition(later, "classify_repeated", by=people["teacher5"])

    assert later.state == State.ACTION_PLAN
    assert not Traject.objects.filter(case=later).exists()


def test_a_helpful_member_of_an_earlier_traject_still_gets_stap_3(
    case, traject, school, people, follower
):
    # Only ringleaders and followers of a support group count (tests/test_noblame_protocol_rules).
    walk_traject(traject, T.CLOSED_SUCCESS)
    helper = (
        traject.members()
        .exclude(pupil__in=case.pupils.all())
        .filter(role__in=["bystander", "helpful"])
        .first()
        .pupil
    )
    later = new_case(school, people["teacher5"], follower, helper)
    walk(later, State.ASSESSMENT, people)

    case_services.case_transition(later, "classify_repeated", by=people["teacher5"])

    assert later.state == State.SUPPORT_GROUP
