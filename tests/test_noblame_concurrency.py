"""Two people acting on the same traject at once: one wins, the other is told, nothing is lost."""

import pytest
from django.utils import timezone

from cases.models import State
from cases.services import TransitionRefused
from noblame import services
from noblame.models import FollowUpTalk, Round, Traject, TrajectState, TrajectStateChange
from tests.noblame_walk import record_follow_ups, walk_traject
from tests.test_concurrency import run_together
from tests.walk import new_case, walk


@pytest.fixture
def traject(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.SUPPORT_GROUP, people)
    return Traject.objects.get(case=case)


def test_a_stale_copy_of_the_traject_is_refused(traject, people):
    walk_traject(traject, TrajectState.FOLLOW_UP)
    record_follow_ups(traject, improved=False)
    mine, theirs = Traject.objects.get(pk=traject.pk), Traject.objects.get(pk=traject.pk)
    services.traject_transition(mine, "new_round", by=people["smw"])

    with pytest.raises(TransitionRefused) as refused:
        services.traject_transition(theirs, "close_ineffective", by=people["ib"], remark="x")

    assert "zojuist gewijzigd" in refused.value.reasons[0]
    assert theirs.state == TrajectState.GROUP_MEETING
    assert Traject.objects.get(pk=traject.pk).close_reason == ""


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_new_rounds_at_once_on_postgres_open_one_round(traject, people):
    walk_traject(traject, TrajectState.FOLLOW_UP)
    record_follow_ups(traject, improved=False)

    def new_round(user):
        return lambda: services.traject_transition(
            Traject.objects.get(pk=traject.pk), "new_round", by=user
        )

    results = run_together(new_round(people["smw"]), new_round(people["ib"]))

    assert sum(isinstance(r, Traject) for r in results) == 1, results
    assert sum(isinstance(r, TransitionRefused) for r in results) == 1, results
    traject.refresh_from_db()
    assert traject.round == 2
    assert Round.objects.filter(traject=traject).count() == 2
    assert TrajectStateChange.objects.filter(traject=traject, transition="new_round").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_records_of_one_follow_up_at_once_on_postgres_both_kept(traject, people):
    walk_traject(traject, TrajectState.FOLLOW_UP)

    def record(user, text):
        return lambda: services.follow_up_record(
            Traject.objects.get(pk=traject.pk),
            by=user,
            held_on=timezone.localdate(),
            what_changed=text,
            how_now="Beter.",
            improved="yes",
            # Held on the meeting's day, before the follow-up window opens.
            early_reason="Op verzoek van de leerling eerder gesproken.",
        )

    results = run_together(record(people["smw"], "Eerste."), record(people["ib"], "Tweede."))

    assert all(isinstance(r, FollowUpTalk) for r in results), results
    talks = FollowUpTalk.objects.filter(member__isnull=True).order_by("number")
    assert [t.number for t in talks] == [1, 2]
