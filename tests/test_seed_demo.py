"""The demo data: every state of the machine in both schools, idempotent, never in production."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import RequestFactory

from cases.models import Case, State
from cases.talks import TalkKind


def test_school_1_has_a_case_in_every_state(seeded):
    states = set(
        Case.objects.filter(school__name="OBS De Regenboog").values_list("state", flat=True)
    )

    assert states == set(State.values)


def test_both_schools_have_cases(seeded):
    per_school = Case.objects.values("school").annotate(n=Count("pk"))

    assert len(per_school) == 2


def test_second_run_changes_nothing(seeded):
    before = Case.objects.count()

    call_command("seed_demo", verbosity=0)

    assert Case.objects.count() == before


@pytest.mark.parametrize(
    "username",
    [
        "leerkracht",
        "leerkracht2",
        "ib",
        "smw",
        "directie",
        "beheerder",
        "ib2",
        "coordinator",
        "bestuur",
    ],
)
def test_demo_logins_work(seeded, username):
    # django-axes checks every attempt, so authenticate() needs the login request.
    request = RequestFactory().post("/inloggen/")
    assert authenticate(request, username=username, password="demo") is not None


# A withdrawn signal may have been withdrawn before the victim talk.
PAST_STAP_1 = set(State.values) - {State.SIGNALED, State.VICTIM_TALK, State.WITHDRAWN}
PAST_STAP_6 = {State.REFLECTION, State.GROUP_DISCUSSION, State.BACK_IN_CLASS, State.CLOSING}


def test_every_case_holds_the_talks_its_state_needs(seeded):
    for case in Case.objects.all():
        recorded = set(case.talks.filter(versions__isnull=False).values_list("kind", flat=True))
        if case.state in PAST_STAP_1:
            assert TalkKind.VICTIM in recorded, case.reference
        if case.state in PAST_STAP_6:
            assert {TalkKind.BULLY, TalkKind.BULLY_PARENTS, TalkKind.VICTIM_PARENTS} <= recorded
        if case.state != State.SIGNALED:
            assert case.state_changes.last().target == case.state


def test_refused_when_debug_is_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0)
