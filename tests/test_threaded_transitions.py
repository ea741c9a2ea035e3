"""Many threads at once, as under a threaded server: one transition wins, the rest are refused.

django-fsm-2's own ``refresh_from_db`` switches the state field's ``protected`` flag
off and on again. The field is shared by every instance in every thread, so two
reloads at once could switch it back on under each other ("Direct state
modification is not allowed", a 500) or leave it off for someone else. These tests
run real threads, each with its own database connection and its own copy.
"""

import functools

import pytest

from cases import services
from cases.models import Case, State, StateChange
from cases.services import TransitionRefused
from noblame import services as noblame_services
from noblame.models import Traject, TrajectState, TrajectStateChange
from tests.test_concurrency import run_together
from tests.walk import new_case, walk

THREADS = 16
RELOADS = 40


@pytest.fixture(autouse=True)
def _protection_restored():
    """django-fsm-2's reload leaves the flag off for good when it fails halfway; should
    that come back, one failing test must not hide the races the others look for."""
    yield
    for model in (Case, Traject):
        model._meta.get_field("state").protected = True


@pytest.fixture
def case(school, people, victim, bully):
    return new_case(school, people["teacher5"], victim, bully)


def _reload(copy, times=RELOADS):
    """Reload ``copy`` again and again; in between read on, as a request does after a reload."""
    for _ in range(times):
        copy.refresh_from_db()
        type(copy).objects.filter(pk=copy.pk).exists()
    return copy.state


def _assign_directly(copy, state, times=RELOADS * 10):
    """Try to set the state by hand; count how often the protection let it through."""
    let_through = 0
    for _ in range(times):
        try:
            copy.state = state
            let_through += 1
        except AttributeError:
            pass
    return let_through


@pytest.mark.django_db(transaction=True)
def test_reloading_copies_in_many_threads_never_trips_the_state_protection(case):
    copies = [Case.objects.get(pk=case.pk) for _ in range(THREADS)]

    results = run_together(*[functools.partial(_reload, copy) for copy in copies])

    assert results == [State.SIGNALED] * THREADS


@pytest.mark.django_db(transaction=True)
def test_the_state_stays_protected_for_others_while_threads_reload(case):
    copies = [Case.objects.get(pk=case.pk) for _ in range(THREADS)]
    bystander = Case.objects.get(pk=case.pk)

    results = run_together(
        functools.partial(_assign_directly, bystander, State.CLOSED),
        *[functools.partial(_reload, copy) for copy in copies],
    )

    assert results[0] == 0, results
    assert Case._meta.get_field("state").protected


@pytest.mark.django_db
def test_a_deferred_state_loads_and_stays_protected(case):
    copy = Case.objects.defer("state").get(pk=case.pk)

    assert copy.state == State.SIGNALED
    with pytest.raises(AttributeError):
        copy.state = State.CLOSED


@pytest.mark.django_db
def test_a_failed_reload_leaves_the_state_as_it_was_and_protected(case):
    copy = Case.objects.get(pk=case.pk)

    with pytest.raises(Case.DoesNotExist):
        copy.refresh_from_db(from_queryset=Case.objects.none())

    assert copy.state == State.SIGNALED
    with pytest.raises(AttributeError):
        Case.objects.get(pk=case.pk).state = State.CLOSED


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_many_people_fire_one_case_transition_at_once_one_wins(case, people):
    copies = [Case.objects.get(pk=case.pk) for _ in range(THREADS)]

    results = run_together(
        *[
            functools.partial(
                services.case_transition, copy, "start_victim_talk", by=people["teacher5"]
            )
            for copy in copies
        ]
    )

    winners = [r for r in results if isinstance(r, Case)]
    refused = [r for r in results if isinstance(r, TransitionRefused)]
    assert (len(winners), len(refused)) == (1, THREADS - 1), results
    assert all("zojuist gewijzigd" in r.reasons[0] for r in refused), results
    assert {copy.state for copy in copies} == {State.VICTIM_TALK}
    assert StateChange.objects.filter(case=case, transition="start_victim_talk").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_many_people_fire_one_traject_transition_at_once_one_wins(case, people):
    walk(case, State.SUPPORT_GROUP, people)
    traject = Traject.objects.get(case=case)
    copies = [Traject.objects.get(pk=traject.pk) for _ in range(THREADS)]

    results = run_together(
        *[
            functools.partial(
                noblame_services.traject_transition,
                copy,
                "close_ineffective",
                by=people["smw"],
                remark="De leerling wil deze hulp niet.",
            )
            for copy in copies
        ]
    )

    winners = [r for r in results if isinstance(r, Traject)]
    refused = [r for r in results if isinstance(r, TransitionRefused)]
    assert (len(winners), len(refused)) == (1, THREADS - 1), results
    assert all("zojuist gewijzigd" in r.reasons[0] for r in refused), results
    assert {copy.state for copy in copies} == {TrajectState.CLOSED_INEFFECTIVE}
    rows = TrajectStateChange.objects.filter(traject=traject, transition="close_ineffective")
    assert rows.count() == 1
