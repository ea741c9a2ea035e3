"""The support group: 5–8 pupils of the school (6–8 advised), a balanced mix, never the victim."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import State
from noblame import rules, services
from noblame.models import SupportGroupMember, Traject, TrajectState
from schools.models import Pupil
from tests.noblame_walk import extra_pupils, record_victim_talk, walk_traject
from tests.walk import new_case, walk

R = SupportGroupMember.Role
IN, OUT = R.RINGLEADER, R.HELPFUL


@pytest.fixture
def traject(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.SUPPORT_GROUP, people)
    traject = Traject.objects.get(case=case)
    walk_traject(traject, TrajectState.VICTIM_ASSIGNMENT)
    return traject


def compose(traject, roles, by):
    pupils = extra_pupils(traject, len(roles))
    return services.group_compose(traject, list(zip(pupils, roles, strict=True)), by=by)


@pytest.mark.parametrize("size", [4, 9])
def test_refused_outside_five_to_eight(traject, people, size):
    with pytest.raises(ValidationError) as refused:
        compose(traject, [IN, OUT] * (size // 2) + [OUT] * (size % 2), people["smw"])

    assert str(size) in refused.value.messages[0]
    assert not traject.group_members.exists()


def test_five_is_allowed_with_a_warning(traject, people):
    warnings = compose(traject, [IN, IN, OUT, OUT, OUT], people["smw"])

    assert traject.group_members.count() == 5
    assert warnings == ["Aanbevolen is een groep van 6 tot 8 leerlingen; deze heeft er 5."]


@pytest.mark.parametrize("size", [6, 7, 8])
def test_six_to_eight_half_and_half_gives_no_warning(traject, people, size):
    roles = [IN] * (size // 2) + [OUT] * (size - size // 2)

    assert compose(traject, roles, people["smw"]) == []


@pytest.mark.parametrize(
    ("roles", "warned"),
    [
        ([IN, IN, OUT, OUT, OUT, OUT], False),  # 2 against 4: near enough to half
        ([IN, OUT, OUT, OUT, OUT, OUT], True),  # 1 against 5
        ([IN, R.FOLLOWER, R.FOLLOWER, R.FOLLOWER, R.FOLLOWER, OUT], True),
        ([R.BYSTANDER] * 8, True),
    ],
)
def test_a_mix_far_from_half_is_warned(traject, people, roles, warned):
    warnings = compose(traject, roles, people["smw"])

    assert any("niet in balans" in w for w in warnings) is warned


def test_warnings_count_ringleaders_and_followers_as_one_half():
    assert rules.group_warnings([IN, R.FOLLOWER, R.FOLLOWER, R.BYSTANDER, OUT, OUT]) == []


def test_the_victim_can_never_be_a_member(traject, people, victim):
    pairs = [(victim, OUT)] + [(p, IN) for p in extra_pupils(traject, 5)]

    with pytest.raises(ValidationError) as refused:
        services.group_compose(traject, pairs, by=people["smw"])

    assert "nooit in de steungroep" in refused.value.messages[0]
    assert not traject.group_members.exists()


def test_the_victim_cannot_be_chosen_in_the_talk_either(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.SUPPORT_GROUP, people)
    traject = walk_traject(Traject.objects.get(case=case), TrajectState.VICTIM_TALK)

    with pytest.raises(ValidationError):
        record_victim_talk(traject, chosen_pupils=[victim])


def test_a_pupil_of_another_school_is_refused(traject, people, other_school):
    stranger = Pupil.objects.create(school=other_school, first_name="Ver", last_name="Weg")
    pairs = [(stranger, OUT)] + [(p, IN) for p in extra_pupils(traject, 5)]

    with pytest.raises(ValidationError) as refused:
        services.group_compose(traject, pairs, by=people["smw"])

    assert "niet op deze school" in refused.value.messages[0]


def test_a_pupil_who_left_is_refused(traject, people):
    pupils = extra_pupils(traject, 6)
    pupils[0].left_on = timezone.localdate() - datetime.timedelta(days=1)
    pupils[0].save()

    with pytest.raises(ValidationError):
        services.group_compose(traject, [(p, IN) for p in pupils], by=people["smw"])


def test_a_pupil_is_in_the_group_once(traject, people):
    pupils = extra_pupils(traject, 5)

    with pytest.raises(ValidationError):
        services.group_compose(traject, [(p, IN) for p in [*pupils, pupils[0]]], by=people["smw"])


def test_composing_again_replaces_the_group(traject, people):
    compose(traject, [IN, IN, IN, OUT, OUT, OUT], people["smw"])

    compose(traject, [IN, IN, OUT, OUT, OUT], people["smw"])

    assert list(traject.group_members.values_list("position", flat=True)) == [1, 2, 3, 4, 5]


def test_only_the_coordinator_composes_the_group(traject, people):
    with pytest.raises(PermissionDenied):
        compose(traject, [IN, IN, IN, OUT, OUT, OUT], people["teacher5"])


def test_the_group_is_fixed_after_the_meeting_is_planned(traject, people):
    compose(traject, [IN, IN, IN, OUT, OUT, OUT], people["smw"])
    walk_traject(traject, TrajectState.GROUP_MEETING)

    with pytest.raises(ValidationError):
        compose(traject, [IN, IN, IN, OUT, OUT, OUT], people["smw"])


def test_the_database_keeps_a_pupil_once_per_group(traject, people):
    compose(traject, [IN, IN, IN, OUT, OUT, OUT], people["smw"])
    member = traject.group_members.first()

    with pytest.raises(IntegrityError), transaction.atomic():
        SupportGroupMember.objects.create(traject=traject, pupil=member.pupil, role=IN, position=9)
