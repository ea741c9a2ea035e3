"""The database holds what must always be true, whatever code writes to it."""

import pytest
from django.db import IntegrityError, transaction

from cases.models import CasePupil, Recurrence, StateChange
from noblame.models import Traject
from tests.walk import new_case


@pytest.fixture
def case(school, people, victim, bully):
    return new_case(school, people["teacher5"], victim, bully)


def refused(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_a_pupil_has_one_role_per_case(case, victim):
    refused(lambda: CasePupil.objects.create(case=case, pupil=victim, role="bystander"))


def test_a_role_must_be_known(case, follower):
    refused(lambda: CasePupil.objects.create(case=case, pupil=follower, role="hero"))


def test_a_state_must_be_known(case):
    refused(lambda: type(case).objects.filter(pk=case.pk).update(state="lost"))


def test_a_history_row_always_moves(case, people):
    refused(
        lambda: StateChange.objects.create(
            case=case, transition="x", source="signaled", target="signaled", by=people["ib"]
        )
    )


def test_the_advice_for_outside_help_counts_only_with_the_talk_that_gave_it(case, bully):
    Recurrence.objects.create(case=case, pupil=bully, number=1)
    Recurrence.objects.create(case=case, pupil=bully, number=2)  # the advice still to give
    refused(
        lambda: Recurrence.objects.create(
            case=case, pupil=bully, number=3, outside_help_advised=True
        )
    )


def test_no_blame_has_at_most_five_rounds(case):
    traject = Traject.objects.create(case=case)
    refused(lambda: Traject.objects.filter(pk=traject.pk).update(round=6))


def test_state_cannot_be_assigned_directly(case):
    with pytest.raises(AttributeError):
        case.state = "closed"
