"""Every sub-transition of the No Blame traject: allowed, and refused for role, state, guard."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import State
from cases.services import TransitionRefused
from noblame import services
from noblame.models import Participant, Traject, TrajectState, TrajectStateChange
from tests.noblame_walk import (
    coordinator,
    fire,
    record_follow_ups,
    record_meeting,
    record_victim_talk,
    satisfy_traject,
    walk_traject,
)
from tests.walk import new_case, walk

T = TrajectState

# name, source, target, who may, who may not
TRANSITIONS = [
    ("start_victim_talk", T.PREPARATION, T.VICTIM_TALK, "smw", "teacher5"),
    ("give_assignment", T.VICTIM_TALK, T.VICTIM_ASSIGNMENT, "ib", "teacher5"),
    ("form_group", T.VICTIM_ASSIGNMENT, T.GROUP_FORMED, "smw", "director"),
    ("plan_meeting", T.GROUP_FORMED, T.GROUP_MEETING, "smw", "teacher7"),
    ("start_follow_up", T.GROUP_MEETING, T.FOLLOW_UP, "ib", "teacher5"),
    ("close_success", T.FOLLOW_UP, T.CLOSED_SUCCESS, "smw", "ib_other"),
    ("new_round", T.FOLLOW_UP, T.GROUP_MEETING, "smw", "beheerder"),
    ("close_ineffective", T.PREPARATION, T.CLOSED_INEFFECTIVE, "smw", "teacher5"),
    ("close_ineffective", T.FOLLOW_UP, T.CLOSED_INEFFECTIVE, "ib", "inactive_ib"),
]
IDS = [f"{name}-from-{source}" for name, source, *_ in TRANSITIONS]
REMARK = "De leerling wil deze hulp niet."


@pytest.fixture
def traject(school, people, victim, bully, follower):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.SUPPORT_GROUP, people)
    return Traject.objects.get(case=case)


def _remark(name):
    return REMARK if name == "close_ineffective" else ""


@pytest.mark.parametrize(("name", "source", "target", "actor", "_other"), TRANSITIONS, ids=IDS)
def test_allowed_for_right_role_in_right_state(
    traject, people, name, source, target, actor, _other
):
    walk_traject(traject, source)
    satisfy_traject(traject, name)

    services.traject_transition(traject, name, by=people[actor], remark=_remark(name))

    traject.refresh_from_db()
    assert traject.state == target
    change = TrajectStateChange.objects.get(traject=traject, transition=name)
    assert (change.source, change.target, change.by) == (source, target, people[actor])


@pytest.mark.parametrize(("name", "source", "_target", "_actor", "other"), TRANSITIONS, ids=IDS)
def test_refused_for_wrong_role(traject, people, name, source, _target, _actor, other):
    walk_traject(traject, source)
    satisfy_traject(traject, name)
    before = TrajectStateChange.objects.count()

    with pytest.raises(TransitionRefused) as refused:
        services.traject_transition(traject, name, by=people[other], remark=_remark(name))

    assert "Dit kan alleen" in refused.value.reasons[0]
    traject.refresh_from_db()
    assert traject.state == source
    assert TrajectStateChange.objects.count() == before


@pytest.mark.parametrize(("name", "source", "_target", "actor", "_other"), TRANSITIONS, ids=IDS)
def test_refused_while_guard_unmet(traject, people, name, source, _target, actor, _other):
    walk_traject(traject, source)

    with pytest.raises(TransitionRefused) as refused:
        services.traject_transition(traject, name, by=people[actor])

    assert refused.value.reasons  # says in Dutch what is missing
    traject.refresh_from_db()
    assert traject.state == source


WRONG_STATE = [
    ("start_victim_talk", T.VICTIM_TALK),
    ("give_assignment", T.PREPARATION),
    ("form_group", T.GROUP_FORMED),
    ("plan_meeting", T.VICTIM_ASSIGNMENT),
    ("start_follow_up", T.FOLLOW_UP),
    ("close_success", T.GROUP_MEETING),
    ("new_round", T.GROUP_MEETING),
    ("close_ineffective", T.CLOSED_SUCCESS),
]


@pytest.mark.parametrize(("name", "state"), WRONG_STATE, ids=[n for n, _s in WRONG_STATE])
def test_refused_in_wrong_state(traject, people, name, state):
    walk_traject(traject, state)

    with pytest.raises(TransitionRefused) as refused:
        services.traject_transition(traject, name, by=people["smw"], remark=REMARK)

    assert "huidige fase" in refused.value.reasons[0]


def test_unknown_transition_is_refused(traject, people):
    with pytest.raises(TransitionRefused):
        services.traject_transition(traject, "skip_to_the_end", by=people["smw"])


def test_preparation_waits_for_the_ib(traject, people):
    services.preparation_confirm(traject, by=people["teacher5"])

    problems = services.transition_check(traject, "start_victim_talk", people["smw"])

    assert problems == ["Ingrid Bakker heeft nog niet bevestigd de aanpak te kennen."]


def test_an_added_remedial_teacher_must_confirm_too(traject, people):
    services.participant_add(
        traject, people["teacher7"], Participant.Role.REMEDIAL_TEACHER, by=people["smw"]
    )
    services.preparation_confirm(traject, by=people["teacher5"])
    services.preparation_confirm(traject, by=people["ib"])

    assert services.transition_check(traject, "start_victim_talk", people["smw"])
    services.preparation_confirm(traject, by=people["teacher7"])
    assert services.transition_check(traject, "start_victim_talk", people["smw"]) == []


def test_only_people_on_the_list_confirm(traject, people):
    with pytest.raises(PermissionDenied):
        services.preparation_confirm(traject, by=people["director"])


def test_a_teacher_cannot_add_people(traject, people):
    with pytest.raises(PermissionDenied):
        services.participant_add(
            traject, people["teacher7"], Participant.Role.TEACHER, by=people["teacher5"]
        )


def test_staff_of_another_school_cannot_take_part(traject, people):
    with pytest.raises(ValidationError):
        services.participant_add(traject, people["ib_other"], Participant.Role.IB, by=people["smw"])


def test_victim_who_does_not_want_help_stops_the_talk(traject, people):
    walk_traject(traject, T.VICTIM_TALK)
    record_victim_talk(traject, wants_change="no")

    problems = services.transition_check(traject, "give_assignment", people["smw"])

    assert any("wil deze hulp" in p for p in problems)


def test_victim_who_does_not_want_help_closes_early_with_the_reason(traject, people):
    walk_traject(traject, T.VICTIM_TALK)
    record_victim_talk(traject, wants_change="no")

    services.traject_transition(traject, "close_ineffective", by=people["smw"], remark=REMARK)

    traject.refresh_from_db()
    assert traject.state == T.CLOSED_INEFFECTIVE
    assert traject.close_reason == REMARK
    assert traject.closed_at is not None


def test_closing_as_ineffective_needs_a_reason(traject, people):
    with pytest.raises(TransitionRefused) as refused:
        services.traject_transition(traject, "close_ineffective", by=people["smw"], remark="  ")

    assert refused.value.reasons == ["Noteer waarom u afsluit."]
    assert traject.close_reason == ""


def test_the_approach_must_be_explained(traject, people):
    walk_traject(traject, T.VICTIM_TALK)
    record_victim_talk(traject, approach_explained=False)

    problems = services.transition_check(traject, "give_assignment", people["smw"])

    assert any("aanpak uit" in p for p in problems)


def test_every_member_present_needs_an_idea(traject, people):
    walk_traject(traject, T.GROUP_MEETING)
    members = list(traject.members())
    record_meeting(traject, ideas={members[0]: "Speelt mee in de pauze."})

    problems = services.transition_check(traject, "start_follow_up", people["smw"])

    assert len(problems) == len(members) - 1
    assert members[1].pupil.full_name in problems[0]


def test_success_needs_the_victim_to_say_it_improved(traject, people):
    walk_traject(traject, T.FOLLOW_UP)
    record_follow_ups(traject, improved=False)

    problems = services.transition_check(traject, "close_success", people["smw"])

    assert problems == [
        "Volgens de nabespreking met de gepeste leerling is het nog niet verbeterd."
    ]


def test_a_new_round_is_refused_when_it_improved(traject, people):
    walk_traject(traject, T.FOLLOW_UP)
    record_follow_ups(traject, improved=True)

    assert services.transition_check(traject, "new_round", people["smw"]) == [
        "Volgens de nabespreking met de gepeste leerling is het verbeterd."
    ]


def test_every_member_gets_a_follow_up_before_the_round_ends(traject, people):
    walk_traject(traject, T.FOLLOW_UP)
    services.follow_up_record(
        traject,
        by=people["smw"],
        held_on=traject.rounds.get().meeting().held_on,
        early_reason="Eerder vanwege de vakantie.",
        what_changed="Minder gelach.",
        how_now="Beter.",
        improved="yes",
    )

    problems = services.transition_check(traject, "close_success", people["smw"])

    assert len(problems) == traject.group_members.count()


def test_a_new_round_opens_the_next_meeting(traject, people):
    walk_traject(traject, T.FOLLOW_UP)

    fire(traject, "new_round")

    traject.refresh_from_db()
    assert (traject.state, traject.round) == (T.GROUP_MEETING, 2)
    assert list(traject.rounds.values_list("number", flat=True)) == [1, 2]
    assert TrajectStateChange.objects.filter(traject=traject).last().round == 2


def test_a_closed_traject_has_nowhere_to_go(traject, people):
    walk_traject(traject, T.CLOSED_SUCCESS)

    assert services.available_transitions(traject, people["smw"]) == []


def test_nothing_is_recorded_in_the_wrong_sub_step(traject, people):
    with pytest.raises(ValidationError):
        record_victim_talk(traject)


def test_a_director_cannot_record_a_talk(traject, people):
    walk_traject(traject, T.VICTIM_TALK)

    with pytest.raises(PermissionDenied):
        record_victim_talk(traject, by=people["director"])


def test_the_class_teacher_may_hold_the_talks(traject, people):
    walk_traject(traject, T.VICTIM_TALK)

    talk = record_victim_talk(traject, by=people["teacher5"])

    assert talk.author == people["teacher5"]


def test_recording_again_keeps_the_earlier_version(traject, people):
    walk_traject(traject, T.VICTIM_TALK)
    record_victim_talk(traject, what_happens="Eerste versie.")

    record_victim_talk(traject, what_happens="Tweede versie.")

    assert list(traject.victim_talks.values_list("what_happens", flat=True)) == [
        "Eerste versie.",
        "Tweede versie.",
    ]
    assert traject.victim_talk.what_happens == "Tweede versie."


def test_closing_tells_the_ib_and_teacher(traject, people):
    walk_traject(traject, T.FOLLOW_UP)

    fire(traject, "close_success", by=coordinator(traject))

    told = {n.user for n in traject.case.notifications.filter(message__contains="No Blame-traject")}
    assert told == {people["ib"], people["teacher5"]}
