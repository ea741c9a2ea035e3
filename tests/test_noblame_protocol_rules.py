"""The No Blame rules of the protocol across cases, driven through the services.

Stap 4 shortcut: a pupil in the role bully or follower of a new case who already took
part in a No Blame traject (as bully or follower of that case, or as ringleader or
follower in its support group) sends the case straight to stap 4; the victim's own
history does not decide it. Each rule is tested from both sides.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import CasePupil, Notification, State, StateChange
from cases.queries import case_timeline
from dossier.models import DossierEntry
from noblame import services as nb
from noblame.models import Meeting, SchoolSettings, SupportGroupMember, Traject, TrajectState
from noblame.todo import todo_items
from tests.conftest import make_pupil
from tests.noblame_walk import (
    coordinator,
    extra_pupils,
    group_pairs,
    record_victim_talk,
    walk_traject,
)
from tests.walk import new_case, satisfy, walk

Role = CasePupil.Role
Member = SupportGroupMember.Role
TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


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
    assert change.rule == "history_no_blame_before"
    assert "direct naar het plan van aanpak" in change.rule_reason
    assert earlier.reference in change.rule_reason
    assert bully.full_name in change.rule_reason


def test_only_the_victims_earlier_traject_does_not_decide(earlier, school, people, victim, other):
    later = new_case(school, people["teacher5"], victim, other)  # same victim, new bully

    change = classify(later, people)

    assert later.state == State.SUPPORT_GROUP
    assert change.rule == "history_first_approach"
    assert "gepeste leerling telt hier niet" in change.rule_reason


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
    assert "steungroep van casus" in change.rule_reason


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
    assert later.state_changes.last().rule == "history_no_blame_before"


def test_the_timeline_says_which_rule_applied(earlier, school, people, bully, other):
    later = new_case(school, people["teacher5"], other, bully)
    classify(later, people)

    details = [item.detail for item in case_timeline(later) if item.kind == "transition"]

    assert any("No Blame-aanpak" in d and earlier.reference in d for d in details)


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


# --- preparation requests ----------------------------------------------------------------


@pytest.fixture
def traject(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.SUPPORT_GROUP, people)
    return Traject.objects.get(case=case)


def test_everyone_who_must_confirm_is_notified(traject, people):
    told = set(
        Notification.objects.filter(
            case=traject.case, message__contains="Bevestig onder Te doen"
        ).values_list("user__username", flat=True)
    )

    assert told == {people["teacher5"].username, people["ib"].username}


def test_the_request_is_in_their_te_doen_and_not_in_others(traject, people):
    def titles(user):
        return [str(i["title"]) for i in todo_items(user) if i["case"].pk == traject.case_id]

    assert any("bevestig" in t for t in titles(people["teacher5"]))
    assert any("bevestig" in t for t in titles(people["ib"]))
    assert titles(people["smw"]) == []
    assert titles(people["teacher7"]) == []


def test_a_remedial_teacher_added_later_is_told_and_asked(traject, people):
    nb.participant_add(traject, people["teacher7"], "remedial_teacher", by=people["smw"])

    assert Notification.objects.filter(user=people["teacher7"], case=traject.case).exists()
    assert [i["case"].pk for i in todo_items(people["teacher7"])] == [traject.case_id]


def test_one_tap_from_te_doen_confirms_and_returns_there(traject, people, client):
    client.force_login(people["teacher5"])
    todo = client.get(reverse("cases:todo")).content.decode()
    confirm = reverse("noblame:confirm", args=[traject.case_id])
    assert confirm in todo

    response = client.post(confirm, {"terug": "te-doen"})

    assert response.url == reverse("cases:todo")
    assert "bevestig" not in client.get(reverse("cases:todo")).content.decode()
    assert traject.participants.get(user=people["teacher5"]).confirmed_at is not None


def test_a_confirmed_person_has_no_request_left(traject, people):
    nb.preparation_confirm(traject, by=people["ib"])

    assert not [i for i in todo_items(people["ib"]) if i["case"].pk == traject.case_id]


def test_the_smw_sees_who_has_not_confirmed(traject, people, client):
    nb.preparation_confirm(traject, by=people["ib"])
    client.force_login(people["smw"])

    page = client.get(reverse("noblame:traject", args=[traject.case_id])).content.decode()

    assert "Anna de Boer heeft nog niet bevestigd" in page
    assert "Ingrid Bakker heeft nog niet bevestigd" not in page


def test_someone_not_on_the_list_cannot_confirm(traject, people):
    with pytest.raises(PermissionDenied):
        nb.preparation_confirm(traject, by=people["teacher7"])


# --- the victim check-in -----------------------------------------------------------------


def in_assignment(traject, **talk):
    walk_traject(traject, TrajectState.VICTIM_TALK)
    record_victim_talk(traject, **talk)
    nb.traject_transition(traject, "give_assignment", by=coordinator(traject))
    return traject


def check_in(traject, by, **given):
    fields = {"held_on": TODAY(), "noticed": "Iemand vroeg of ze mee wilde doen."}
    fields.update(given)
    return nb.check_in_record(traject, by=by, **fields)


def test_the_check_in_is_due_in_te_doen_until_recorded(traject, people):
    in_assignment(traject, held_on=TODAY() - 8 * DAY)
    assert [i["overdue"] for i in todo_items(people["smw"]) if i.get("due")] == [True]

    check_in(traject, people["smw"])

    assert [i for i in todo_items(people["smw"]) if i["due"]] == []
    assert traject.check_in.noticed.startswith("Iemand")


def test_a_check_in_far_ahead_is_not_yet_in_te_doen(traject, people):
    in_assignment(traject, held_on=TODAY(), check_in_on=TODAY() + 20 * DAY)

    assert [i for i in todo_items(people["smw"]) if i["due"]] == []


def test_a_check_in_in_its_window_needs_no_reason(traject, people):
    in_assignment(traject, held_on=TODAY() - 7 * DAY)

    recorded = check_in(traject, people["teacher5"])

    assert recorded.early_reason == ""


def test_an_early_check_in_needs_a_reason(traject, people):
    in_assignment(traject, held_on=TODAY() - 3 * DAY)

    with pytest.raises(ValidationError) as refused:
        check_in(traject, people["teacher5"])

    assert "Schrijf op waarom" in refused.value.messages[0]
    assert not traject.check_ins.exists()


def test_an_early_check_in_with_a_reason_shows_it_on_the_timeline(traject, people):
    in_assignment(traject, held_on=TODAY() - 3 * DAY)
    check_in(traject, people["teacher5"], early_reason="Volgende week op schoolreis.")

    details = [i.detail for i in case_timeline(traject.case) if "opdracht" in str(i.title)]

    assert any("Volgende week op schoolreis." in d for d in details)


def test_the_window_follows_the_schools_check_in_days(traject, people):
    settings = SchoolSettings.for_school(traject.case.school)
    settings.check_in_days = 3
    settings.save()
    in_assignment(traject, held_on=TODAY() - 3 * DAY)

    assert check_in(traject, people["teacher5"]).early_reason == ""


def test_the_director_cannot_record_a_check_in(traject, people):
    in_assignment(traject, held_on=TODAY() - 7 * DAY)

    with pytest.raises(PermissionDenied):
        check_in(traject, people["director"])


# --- follow-up windows and the set order ---------------------------------------------------


def in_follow_up(traject, meeting_days_ago):
    walk_traject(traject, TrajectState.VICTIM_ASSIGNMENT)
    nb.group_compose(traject, group_pairs(traject), by=coordinator(traject))
    nb.traject_transition(traject, "form_group", by=coordinator(traject))
    nb.meeting_plan(traject, TODAY(), by=coordinator(traject))
    nb.traject_transition(traject, "plan_meeting", by=coordinator(traject))
    members = list(traject.members())
    nb.meeting_record(
        traject,
        by=coordinator(traject),
        held_on=TODAY(),
        attendees=members,
        ideas=dict.fromkeys(members, "Vraagt mee te spelen."),
    )
    meeting = traject.current_round.meeting()
    # The walk holds every talk today; the meeting is dated back for the window.
    Meeting.objects.filter(pk=meeting.pk).update(held_on=TODAY() - meeting_days_ago * DAY)
    nb.traject_transition(traject, "start_follow_up", by=coordinator(traject))
    return members


def member_talk(traject, member, by, **given):
    fields = {
        "held_on": TODAY(),
        "what_changed": "Speelde mee.",
        "how_now": "Goed.",
        "did_their_part": "yes",
    }
    fields.update(given)
    return nb.follow_up_record(traject, member, by=by, **fields)


def test_a_member_follow_up_in_its_window_needs_no_reason(traject, people):
    members = in_follow_up(traject, meeting_days_ago=10)

    assert member_talk(traject, members[0], people["smw"]).early_reason == ""


def test_a_member_follow_up_before_day_10_needs_a_reason(traject, people):
    members = in_follow_up(traject, meeting_days_ago=9)

    with pytest.raises(ValidationError) as refused:
        member_talk(traject, members[0], people["smw"])
    talk = member_talk(traject, members[0], people["smw"], early_reason="Zieke leerkracht.")

    assert "Schrijf op waarom" in refused.value.messages[0]
    assert talk.early_reason == "Zieke leerkracht."
    assert any("Zieke leerkracht." in i.detail for i in case_timeline(traject.case))


def test_the_victim_follow_up_window_opens_on_day_8(traject, people):
    in_follow_up(traject, meeting_days_ago=7)
    fields = {"held_on": TODAY(), "what_changed": "Minder.", "how_now": "Beter.", "improved": "yes"}

    with pytest.raises(ValidationError):
        nb.follow_up_record(traject, by=people["smw"], **fields)
    Meeting.objects.filter(round__traject=traject).update(held_on=TODAY() - 8 * DAY)

    assert nb.follow_up_record(traject, by=people["smw"], **fields).early_reason == ""


def test_follow_ups_in_the_set_order_need_no_reason(traject, people):
    members = in_follow_up(traject, meeting_days_ago=12)

    for member in members:
        assert member_talk(traject, member, people["smw"]).order_reason == ""


def test_another_order_needs_a_reason_shown_on_the_timeline(traject, people):
    members = in_follow_up(traject, meeting_days_ago=12)

    with pytest.raises(ValidationError) as refused:
        member_talk(traject, members[2], people["smw"])
    talk = member_talk(traject, members[2], people["smw"], order_reason="Nummer 1 was ziek.")

    assert members[0].pupil.full_name in refused.value.messages[0]
    assert talk.order_reason == "Nummer 1 was ziek."
    assert any("Nummer 1 was ziek." in i.detail for i in case_timeline(traject.case))


# --- the group's size and mix --------------------------------------------------------------


def test_a_group_without_ringleader_or_follower_is_warned(traject, people):
    walk_traject(traject, TrajectState.VICTIM_ASSIGNMENT)
    pairs = [(p, Member.HELPFUL) for p in extra_pupils(traject, 6)]

    warnings = nb.group_compose(traject, pairs, by=coordinator(traject))

    assert any("geen aanvoerder of meeloper" in w for w in warnings)


def test_a_group_with_a_ringleader_is_not_warned_about_it(traject, people):
    walk_traject(traject, TrajectState.VICTIM_ASSIGNMENT)

    warnings = nb.group_compose(traject, group_pairs(traject), by=coordinator(traject))

    assert not any("geen aanvoerder of meeloper" in w for w in warnings)


@pytest.mark.parametrize(("size", "warned"), [(5, True), (6, False), (8, False)])
def test_group_size_is_warned_outside_6_to_8(traject, size, warned):
    walk_traject(traject, TrajectState.VICTIM_ASSIGNMENT)

    warnings = nb.group_compose(traject, group_pairs(traject, size), by=coordinator(traject))

    assert any("Aanbevolen is een groep" in w for w in warnings) == warned


@pytest.mark.parametrize("size", [4, 9])
def test_group_size_is_refused_outside_5_to_8(traject, size):
    walk_traject(traject, TrajectState.VICTIM_ASSIGNMENT)

    with pytest.raises(ValidationError):
        nb.group_compose(traject, group_pairs(traject, size), by=coordinator(traject))

    assert not traject.group_members.exists()


def test_an_added_person_who_cannot_see_the_case_confirms_from_te_doen(traject, people, client):
    nb.participant_add(traject, people["teacher7"], "remedial_teacher", by=people["smw"])
    client.force_login(people["teacher7"])

    response = client.post(reverse("noblame:confirm", args=[traject.case_id]), {"terug": "te-doen"})

    assert response.status_code == 302
    assert traject.participants.get(user=people["teacher7"]).confirmed_at is not None
    assert client.get(reverse("noblame:preparation", args=[traject.case_id])).status_code == 404


def test_someone_neither_on_the_list_nor_seeing_the_case_gets_404_on_confirm(
    traject, people, client
):
    client.force_login(people["teacher7"])

    response = client.post(reverse("noblame:confirm", args=[traject.case_id]))

    assert response.status_code == 404


# --- the demo shows each rule ------------------------------------------------------------


def test_demo_has_a_parent_who_refused_on_a_case_the_demo_users_open(seeded, client):
    from django.contrib.auth.models import User

    from plans.models import PlanSignatory

    refused = PlanSignatory.objects.select_related("plan__case").get(refused_on__isnull=False)
    case = refused.plan.case

    assert refused.plan.locked_at is not None
    assert case.state not in (State.ACTION_PLAN, State.CLOSED)  # stap 5 started without it
    for username in ("leerkracht", "ib"):
        client.force_login(User.objects.get(username=username))
        page = client.get(reverse("plans:detail", args=[refused.plan_id])).content.decode()
        assert "Weigert te tekenen" in page


def test_demo_has_a_closed_traject_in_its_pupils_dossiers(seeded):
    closed = Traject.objects.filter(state=TrajectState.CLOSED_SUCCESS).select_related("case")
    traject = closed.first()
    pupils = set(
        traject.case.case_pupils.filter(role__in=["victim", "bully", "follower"]).values_list(
            "pupil_id", flat=True
        )
    )

    with_entry = set(
        DossierEntry.objects.filter(case=traject.case, kind=DossierEntry.Kind.NO_BLAME).values_list(
            "pupil_id", flat=True
        )
    )

    assert pupils
    assert with_entry == pupils


def test_demo_has_a_pending_preparation_request_in_te_doen(seeded, client):
    from django.contrib.auth.models import User

    traject = Traject.objects.get(
        state=TrajectState.PREPARATION, case__school__name__contains="Regenboog"
    )
    confirm = reverse("noblame:confirm", args=[traject.case_id])
    for user in (traject.case.responsible_teacher, User.objects.get(username="ib")):
        client.force_login(user)
        assert confirm in client.get(reverse("cases:todo")).content.decode()
