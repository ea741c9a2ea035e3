"""The demo data has a No Blame traject in every sub-state, played through the services.

The demo is loaded once for the module (``seeded`` in conftest).
"""

from django.contrib.auth.models import User

from cases.models import State
from noblame.models import Traject, TrajectState


def test_demo_trajects_cover_every_sub_state_and_the_round_extremes(seeded):
    trajects = Traject.objects.select_related("case")

    assert {t.state for t in trajects} == set(TrajectState.values)
    third = trajects.get(round=3)
    assert third.state == TrajectState.FOLLOW_UP
    assert third.rounds.count() == 3
    five = trajects.get(round=5)
    assert five.state == TrajectState.CLOSED_INEFFECTIVE
    assert five.close_reason
    assert five.case.state == State.ACTION_PLAN
    for traject in trajects.exclude(state=TrajectState.PREPARATION):
        assert traject.state_changes.last().target == traject.state
    assert User.objects.get(username="applicatiebeheer").has_perm("noblame.change_guidance")
    assert not User.objects.get(username="beheerder").is_staff
