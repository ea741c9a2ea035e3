"""Walk a No Blame traject through its sub-steps with the real services, for tests.

``satisfy_traject(traject, name)`` does what the guard of sub-transition ``name``
asks for; ``walk_traject(traject, state, rounds=1)`` fires the transitions to get
there. The people acting are the case's own: its SMW (or IB), teacher and IB.
"""

import itertools

from django.utils import timezone

from noblame import services
from noblame.models import (
    CASE_ROLE_TO_MEMBER,
    FollowUpTalk,
    SupportGroupMember,
    Traject,
    TrajectState,
)
from schools.models import Pupil

TODAY = timezone.localdate
Member = SupportGroupMember.Role
_names = itertools.count(1)


def coordinator(traject):
    return traject.case.smw or traject.case.ib


def extra_pupils(traject, n):
    """``n`` new pupils in the victim's class, for a group of the right size."""
    victim = traject.victim()
    return [
        Pupil.objects.create(
            school=victim.school,
            school_class=victim.school_class,
            first_name=f"Helper{next(_names)}",
            last_name="Steun",
        )
        for _i in range(n)
    ]


def group_pairs(traject, size=6):
    """(pupil, role) pairs: the case's pupils in their part, topped up to a balanced group."""
    pairs = [
        (cp.pupil, CASE_ROLE_TO_MEMBER[cp.role])
        for cp in traject.case.case_pupils.select_related("pupil").order_by("pk")
        if cp.role in CASE_ROLE_TO_MEMBER
    ][:size]
    for pupil in extra_pupils(traject, size - len(pairs)):
        leaning_in = sum(role in (Member.RINGLEADER, Member.FOLLOWER) for _p, role in pairs)
        pairs.append((pupil, Member.FOLLOWER if leaning_in < size // 2 else Member.HELPFUL))
    return pairs


def record_victim_talk(traject, by=None, **given):
    fields = {
        "held_on": TODAY(),
        "what_happens": "Wordt buitengesloten bij het spelen.",
        "when_happens": "In de grote pauze.",
        "who_could_help": "Een paar kinderen uit de klas.",
        "wants_change": "yes",
        "approach_explained": True,
        "assignment": "Let op wat anderen doen om aardig voor je te zijn.",
        "confidential_agreements": "Niets vertellen over de ruzie thuis.",
    }
    fields.update(given)
    fields.setdefault("chosen_pupils", [p for p, _r in group_pairs(traject)[:1]])
    return services.victim_talk_record(traject, by=by or coordinator(traject), **fields)


def record_meeting(traject, by=None, **given):
    members = list(traject.members())
    fields = {
        "held_on": TODAY(),
        "attendees": members,
        "ideas": {m: f"{m.pupil.first_name} vraagt of de leerling meedoet." for m in members},
    }
    fields.update(given)
    return services.meeting_record(traject, by=by or coordinator(traject), **fields)


# The walk holds every talk today: the follow-ups fall before their window (days after
# the meeting) and say why; tests/test_noblame_protocol_rules.py tests the window itself.
EARLY = "Eerder gehouden: de leerling gaat volgende week op vakantie."


def record_follow_ups(traject, *, improved, by=None):
    by = by or coordinator(traject)
    services.follow_up_record(
        traject,
        by=by,
        early_reason=EARLY,
        held_on=TODAY(),
        what_changed="Er wordt minder gelachen.",
        how_now="Het gaat beter." if improved else "Nog steeds lastig.",
        improved="yes" if improved else "no",
    )
    for member in traject.members():
        services.follow_up_record(
            traject,
            member,
            by=by,
            early_reason=EARLY,
            held_on=TODAY(),
            what_changed="Heeft gevraagd mee te spelen.",
            how_now="Goed.",
            did_their_part=FollowUpTalk.Part.YES,
        )


def satisfy_traject(traject, name):
    """Meet the guard of ``name`` from the traject's current sub-state."""
    case = traject.case
    if name == "start_victim_talk":
        for person in traject.preparation_list():
            if person.confirmed_at is None:
                services.preparation_confirm(traject, by=person.user)
        if case.responsible_teacher is None:
            raise AssertionError("the walk needs a case with a responsible teacher")
    elif name == "give_assignment":
        record_victim_talk(traject)
    elif name == "form_group":
        services.group_compose(traject, group_pairs(traject), by=coordinator(traject))
    elif name == "plan_meeting":
        services.meeting_plan(traject, TODAY(), by=coordinator(traject))
    elif name == "start_follow_up":
        record_meeting(traject)
    elif name == "close_success":
        record_follow_ups(traject, improved=True)
    elif name == "new_round":
        record_follow_ups(traject, improved=False)


FORWARD = [
    ("start", TrajectState.PREPARATION),
    ("start_victim_talk", TrajectState.VICTIM_TALK),
    ("give_assignment", TrajectState.VICTIM_ASSIGNMENT),
    ("form_group", TrajectState.GROUP_FORMED),
    ("plan_meeting", TrajectState.GROUP_MEETING),
    ("start_follow_up", TrajectState.FOLLOW_UP),
]


def fire(traject, name, by=None, remark=""):
    satisfy_traject(traject, name)
    return services.traject_transition(traject, name, by=by or coordinator(traject), remark=remark)


def walk_traject(traject, state, rounds=1):
    """Fire sub-transitions until ``traject`` is in ``state`` (in round ``rounds``).

    It starts from wherever the traject is, in round 1.
    """
    if state == TrajectState.CLOSED_INEFFECTIVE:
        fire(traject, "close_ineffective", remark="De leerling wil deze hulp niet.")
        return traject
    order = [s for _n, s in FORWARD]
    for name, target in FORWARD:
        if traject.state == state and traject.round == rounds:
            return traject
        if traject.state in order and order.index(traject.state) >= order.index(target):
            continue  # already past this step
        fire(traject, name)
    while traject.round < rounds:
        fire(traject, "new_round")
        if state == TrajectState.GROUP_MEETING and traject.round == rounds:
            return traject
        fire(traject, "start_follow_up")
    if state == TrajectState.CLOSED_SUCCESS:
        fire(traject, "close_success")
    assert traject.state == state, (traject.state, state)
    return traject


def traject_of(case) -> Traject:
    return Traject.objects.get(case=case)
