"""Two people acting on the same case at once: one wins, the other is told, nothing is lost."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from cases import services
from cases.models import Case, State, StateChange, TalkVersion
from cases.services import TransitionRefused
from cases.talks import TalkKind
from tests.walk import answers, new_case, record, walk


def run_together(*jobs):
    """Run each job in its own thread (own database connection), released at once."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def runner(index, job):
        try:
            barrier.wait(timeout=10)
            results[index] = job()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread raised
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_stale_copy_of_the_case_is_refused_with_a_clear_message(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    mine, theirs = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    services.case_transition(mine, "start_victim_talk", by=people["teacher5"])

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(theirs, "start_victim_talk", by=people["ib"])

    assert "Iemand anders heeft deze casus zojuist gewijzigd" in refused.value.reasons[0]
    assert theirs.state == State.VICTIM_TALK  # reloaded: the screen shows the real stap
    assert StateChange.objects.filter(case=case).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_people_fire_at_once_on_postgres_one_wins(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.ASSESSMENT, people)

    def classify(name, user):
        return lambda: services.case_transition(Case.objects.get(pk=case.pk), name, by=user)

    results = run_together(
        classify("classify_no_bullying", people["teacher5"]),
        classify("classify_repeated", people["ib"]),
    )

    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, TransitionRefused)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert "zojuist gewijzigd" in losers[0].reasons[0]
    case.refresh_from_db()
    assert case.state == winners[0].state
    rows = StateChange.objects.filter(case=case, source=State.ASSESSMENT)
    assert [r.target for r in rows] == [case.state]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_edits_of_one_talk_at_once_on_postgres_both_kept(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.VICTIM_TALK, people)
    talk = record(case, TalkKind.VICTIM, people["teacher5"]).talk

    def edit(user, text):
        return lambda: services.talk_record(
            Case.objects.get(pk=case.pk),
            TalkKind.VICTIM,
            by=user,
            held_on=timezone.localdate(),
            answers=answers(TalkKind.VICTIM, how_often=text),
            talk=talk,
        )

    results = run_together(edit(people["teacher5"], "Dagelijks."), edit(people["ib"], "Wekelijks."))

    assert all(isinstance(r, TalkVersion) for r in results), results
    versions = TalkVersion.objects.filter(talk=talk).order_by("number")
    assert [v.number for v in versions] == [1, 2, 3]
    assert {v.answers["how_often"] for v in versions[1:]} == {"Dagelijks.", "Wekelijks."}
