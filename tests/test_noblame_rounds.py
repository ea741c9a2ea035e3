"""Rounds of follow-up: at most five (also in the database); due dates from school settings."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import State
from cases.services import TransitionRefused
from noblame import services
from noblame.models import FollowUpTalk, Round, SchoolSettings, Traject, TrajectState
from tests.noblame_walk import fire, record_meeting, walk_traject
from tests.walk import new_case, walk

T = TrajectState
DAY = datetime.timedelta(days=1)


@pytest.fixture
def traject(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.SUPPORT_GROUP, people)
    return Traject.objects.get(case=case)


def refused(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_a_sixth_round_is_refused_after_the_fifth(traject, people):
    walk_traject(traject, T.FOLLOW_UP, rounds=5)

    with pytest.raises(TransitionRefused) as refusal:
        fire(traject, "new_round")

    assert "ronde 5 van hoogstens 5" in refusal.value.reasons[0]
    traject.refresh_from_db()
    assert (traject.state, traject.round) == (T.FOLLOW_UP, 5)


def test_after_the_fifth_round_it_closes_as_ineffective(traject, people):
    walk_traject(traject, T.FOLLOW_UP, rounds=5)

    fire(traject, "close_ineffective", remark="Na vijf rondes niet verbeterd.")

    traject.refresh_from_db()
    assert traject.state == T.CLOSED_INEFFECTIVE
    assert traject.rounds.count() == 5


def test_a_school_may_allow_fewer_rounds(traject, school, people):
    SchoolSettings.objects.filter(school=school).update(max_rounds=2)
    walk_traject(traject, T.FOLLOW_UP, rounds=2)

    with pytest.raises(TransitionRefused):
        fire(traject, "new_round")


def test_the_database_refuses_a_sixth_round_on_the_traject(traject):
    refused(lambda: Traject.objects.filter(pk=traject.pk).update(round=6))


def test_the_database_refuses_a_sixth_round_row(traject):
    refused(lambda: Round.objects.create(traject=traject, number=6))


def test_the_database_refuses_a_round_twice(traject):
    Round.objects.create(traject=traject, number=1)

    refused(lambda: Round.objects.create(traject=traject, number=1))


def test_the_database_refuses_a_school_setting_above_five_rounds(school):
    refused(lambda: SchoolSettings.objects.filter(school=school).update(max_rounds=6))


def test_the_database_refuses_closing_as_ineffective_without_a_reason(traject):
    refused(
        lambda: Traject.objects.filter(pk=traject.pk).update(
            state=T.CLOSED_INEFFECTIVE, closed_at=timezone.now()
        )
    )


def test_the_database_refuses_a_victim_follow_up_without_its_verdict(traject, people):
    walk_traject(traject, T.FOLLOW_UP)

    refused(
        lambda: FollowUpTalk.objects.create(
            round=traject.current_round,
            number=1,
            held_on=timezone.localdate(),
            what_changed="x",
            how_now="y",
            author=people["smw"],
        )
    )


def test_default_due_dates_follow_the_meeting(traject):
    walk_traject(traject, T.FOLLOW_UP)

    current = traject.current_round
    held_on = current.meeting().held_on
    assert current.victim_follow_up_due == held_on + 14 * DAY
    assert current.group_follow_up_due == held_on + 14 * DAY


def test_due_dates_use_the_schools_own_days(traject, school):
    SchoolSettings.objects.filter(school=school).update(
        victim_follow_up_max_days=10, group_follow_up_max_days=12
    )
    walk_traject(traject, T.FOLLOW_UP)

    current = traject.current_round
    held_on = current.meeting().held_on
    assert current.victim_follow_up_due == held_on + 10 * DAY
    assert current.group_follow_up_due == held_on + 12 * DAY


def test_the_victims_check_in_is_about_a_week_after_the_talk(traject):
    walk_traject(traject, T.VICTIM_ASSIGNMENT)

    talk = traject.victim_talk
    assert talk.check_in_on == talk.held_on + 7 * DAY


def test_the_smw_can_move_the_due_dates_and_the_order(traject, people):
    walk_traject(traject, T.FOLLOW_UP)
    members = list(traject.members())
    today = timezone.localdate()

    services.follow_up_schedule(
        traject,
        by=people["smw"],
        victim_due=today + 9 * DAY,
        group_due=today + 11 * DAY,
        order=list(reversed(members)),
    )

    assert traject.current_round.group_follow_up_due == today + 11 * DAY
    assert [m.pk for m in traject.members()] == [m.pk for m in reversed(members)]


def test_the_order_is_fixed_once_the_first_member_talk_is_held(traject, people):
    walk_traject(traject, T.FOLLOW_UP)
    members = list(traject.members())
    services.follow_up_record(
        traject,
        members[0],
        by=people["smw"],
        held_on=timezone.localdate(),
        early_reason="Eerder vanwege de vakantie.",
        what_changed="Speelde mee.",
        how_now="Goed.",
        did_their_part="yes",
    )

    with pytest.raises(ValidationError):
        services.follow_up_schedule(
            traject,
            by=people["smw"],
            victim_due=timezone.localdate(),
            group_due=timezone.localdate(),
            order=list(reversed(members)),
        )


def test_a_follow_up_cannot_come_before_the_meeting(traject, people):
    walk_traject(traject, T.FOLLOW_UP)

    with pytest.raises(ValidationError):
        services.follow_up_record(
            traject,
            by=people["smw"],
            held_on=traject.current_round.meeting().held_on - DAY,
            what_changed="x",
            how_now="y",
            improved="yes",
        )


def test_a_new_round_records_its_own_meeting(traject, people):
    walk_traject(traject, T.GROUP_MEETING, rounds=2)

    record_meeting(traject)

    first, second = traject.rounds.order_by("number")
    assert first.meeting().round == first
    assert second.meeting().round == second


def test_meeting_ideas_only_for_members_who_were_there(traject, people):
    walk_traject(traject, T.GROUP_MEETING)
    members = list(traject.members())

    with pytest.raises(ValidationError):
        record_meeting(traject, attendees=members[1:], ideas={members[0]: "Helpt mee."})
