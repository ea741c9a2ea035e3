"""The No Blame rules of the protocol across cases, driven through the services.

Stap 4 shortcut: a pupil in the role bully or follower of a new case who already took
part in a No Blame traject (as bully or follower of that case, or as ringleader or
follower in its support group) sends the case straight to stap 4; the victim's own
history does not decide it. Each rule is tested from both sides.
"""

import pytest

from cases import services
from cases.models import CasePupil, State, StateChange
from cases.queries import case_timeline
from dossier.models import DossierEntry
from noblame import services as nb
from noblame.models import SupportGroupMember, Traject, TrajectState
from tests.conftest import make_pupil
from tests.noblame_walk import coordinator, extra_pupils, walk_traject
from tests.walk import new_case, satisfy, walk

Role = CasePupil.Role
Member = SupportGroupMember.Role


@pytest.fixture
def earlier(school, people, victim, bully):
    """An earlier case of the school that went through stap 3 (a No Blame traject)."""
    case = new_case(school, people["teacher5"], victim, bully)
    return walk(case, State.SUPPORT_GROUP, people)


@pytest.fixture
def other(school, groep5):
    return make_pupil(school, groep5, "Mila", "Smit")


def classify(case, people):
    walk(case, State.ASSESSMENT, people)
    services.case_transition(case, "classify_repeated", by=people["teacher5"])
    return StateChange.objects.filter(case=case, transition="classify_repeated").get()


def test_bully_who_was_bully_in_an_earlier_traject_goes_to_stap_4(
    earlier, school, people, bully, other
):
    later = new_case(school, people["teacher5"], other, bully)

    change = classify(later, people)

    assert later.state == State.ACTION_PLAN
    assert not Traject.objects.filter(case=later).exists()
    assert "direct naar stap 4" in change.remark
    assert earlier.reference in change.remark
    assert bully.full_name in change.remark


def test_only_the_victims_earlier_traject_does_not_decide(earlier, school, people, victim, other):
    later = new_case(school, people["teacher5"], victim, other)  # same victim, new bully

    change = classify(later, people)

    assert later.state == State.SUPPORT_GROUP
    assert "eerst stap 3" in change.remark


def test_earlier_victim_who_now_bullies_goes_to_stap_3(earlier, school, people, victim, other):
    later = new_case(school, people["teacher5"], other, victim)

    classify(later, people)

    assert later.state == State.SUPPORT_GROUP


def test_earlier_follower_of_the_case_counts(school, people, victim, bully, follower, other):
    first = new_case(school, people["teacher5"], victim, bully, (follower, Role.FOLLOWER))
    walk(first, State.SUPPORT_GROUP, people)
    later = new_case(school, people["teacher5"], other, follower)

    classify(later, people)

    assert later.state == State.ACTION_PLAN


def test_a_follower_in_the_new_case_counts_too(earlier, school, people, bully, other, follower):
    later = new_case(school, people["teacher5"], other, follower, (bully, Role.FOLLOWER))

    classify(later, people)

    assert later.state == State.ACTION_PLAN


def test_a_bystander_of_the_new_case_with_history_does_not_count(
    earlier, school, people, bully, other, follower
):
    later = new_case(school, people["teacher5"], other, follower, (bully, Role.BYSTANDER))

    classify(later, people)

    assert later.state == State.SUPPORT_GROUP


def _group_with(traject, pupil, role):
    """The earlier traject's support group, with ``pupil`` in ``role``."""
    walk_traject(traject, TrajectState.VICTIM_ASSIGNMENT)
    pairs = [(pupil, role)] + [
        (p, Member.FOLLOWER if n < 2 else Member.HELPFUL)
        for n, p in enumerate(extra_pupils(traject, 5))
    ]
    nb.group_compose(traject, pairs, by=coordinator(traject))


@pytest.mark.parametrize("role", [Member.RINGLEADER, Member.FOLLOWER])
def test_ringleader_or_follower_in_an_earlier_support_group_counts(
    earlier, school, people, other, follower, role
):
    _group_with(Traject.objects.get(case=earlier), follower, role)
    later = new_case(school, people["teacher5"], other, follower)

    change = classify(later, people)

    assert later.state == State.ACTION_PLAN
    assert "steungroep van casus" in change.remark


@pytest.mark.parametrize("role", [Member.BYSTANDER, Member.HELPFUL])
def test_bystander_or_helper_in_an_earlier_support_group_does_not_count(
    earlier, school, people, other, follower, role
):
    _group_with(Traject.objects.get(case=earlier), follower, role)
    later = new_case(school, people["teacher5"], other, follower)

    classify(later, people)

    assert later.state == State.SUPPORT_GROUP


def test_escalated_one_off_takes_the_same_rule(earlier, school, people, bully, other):
    finn = make_pupil(school, bully.school_class, "Finn", "Kok")
    later = new_case(school, people["teacher5"], other, finn, (bully, Role.FOLLOWER))
    walk(later, State.ONE_OFF_REVIEW, people)
    satisfy(later, "escalate", people)
    services.case_transition(later, "escalate", by=people["ib"])

    assert later.state == State.ACTION_PLAN
    assert "direct naar stap 4" in later.state_changes.last().remark


def test_the_timeline_says_which_rule_applied(earlier, school, people, bully, other):
    later = new_case(school, people["teacher5"], other, bully)
    classify(later, people)

    details = [item.detail for item in case_timeline(later) if item.kind == "transition"]

    assert any("Regel:" in d and earlier.reference in d for d in details)


# --- No Blame in the dossier -------------------------------------------------------------


@pytest.fixture
def full_case(school, people, victim, bully, follower, groep5):
    """A case in stap 3 with a victim, bully, follower, bystander and helper."""
    bystander = make_pupil(school, groep5, "Bo", "Visser")
    helper = make_pupil(school, groep5, "Lot", "Mulder")
    case = new_case(
        school,
        people["teacher5"],
        victim,
        bully,
        (follower, Role.FOLLOWER),
        (bystander, Role.BYSTANDER),
        (helper, Role.HELPER),
    )
    return walk(case, State.SUPPORT_GROUP, people)


def no_blame_entries(case):
    return DossierEntry.objects.filter(case=case, kind=DossierEntry.Kind.NO_BLAME)


@pytest.mark.parametrize(
    ("end", "says"),
    [
        (TrajectState.CLOSED_SUCCESS, "verbeterd"),
        (TrajectState.CLOSED_INEFFECTIVE, "niet effectief"),
    ],
)
def test_a_closed_traject_goes_into_the_dossiers_of_victim_bully_and_followers(
    full_case, victim, bully, follower, end, says
):
    traject = Traject.objects.get(case=full_case)
    walk_traject(traject, end)

    entries = no_blame_entries(full_case)

    assert sorted(e.pupil_id for e in entries) == sorted([victim.pk, bully.pk, follower.pk])
    assert all(full_case.reference in e.text and says in e.text for e in entries)


def test_bystanders_helpers_and_other_group_members_get_no_entry(full_case, victim):
    traject = Traject.objects.get(case=full_case)
    walk_traject(traject, TrajectState.CLOSED_SUCCESS)
    roles = dict(full_case.case_pupils.values_list("pupil_id", "role"))
    members = set(traject.group_members.values_list("pupil_id", flat=True))

    with_entry = set(no_blame_entries(full_case).values_list("pupil_id", flat=True))

    assert not with_entry & {p for p, r in roles.items() if r in ("bystander", "helper")}
    assert not with_entry & (members - set(roles))


def test_a_running_traject_writes_no_dossier_entry(full_case):
    walk_traject(Traject.objects.get(case=full_case), TrajectState.FOLLOW_UP)

    assert not no_blame_entries(full_case).exists()
