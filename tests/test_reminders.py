"""send_reminders: e-mails about due and overdue planned talks, once each, without pupil names."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from cases import services
from cases.models import State
from cases.talks import TalkKind
from tests.walk import new_case, walk

TODAY = datetime.date(2026, 11, 18)


@pytest.fixture
def case(school, people, teacher5, ib, victim, bully):
    """A case in stap 4, where talks are planned; the IB is part of it from stap 3."""
    case = walk(new_case(school, teacher5, victim, bully), State.ACTION_PLAN, people)
    assert case.ib == ib
    return case


def plan(case, teacher, days):
    return services.talk_plan(
        case, TalkKind.EVALUATION, TODAY + datetime.timedelta(days=days), by=teacher
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the command on TODAY; e-mails go out when the transaction commits."""

    def run(**options):
        moment = datetime.datetime(2026, 11, 18, 7, tzinfo=datetime.UTC)
        with time_machine.travel(moment), django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", **options)

    return run


def test_a_talk_due_tomorrow_reminds_the_teacher(case, teacher5, ib, mailoutbox, run):
    plan(case, teacher5, days=1)

    run()

    assert [m.to for m in mailoutbox] == [[teacher5.email]]
    assert case.reference in mailoutbox[0].body
    assert f"/casussen/{case.pk}/" in mailoutbox[0].body


def test_an_overdue_talk_also_tells_the_ib(case, teacher5, ib, mailoutbox, run):
    plan(case, teacher5, days=-2)

    run()

    assert sorted(m.to[0] for m in mailoutbox) == sorted([teacher5.email, ib.email])
    assert "Te laat" in mailoutbox[0].body


def test_no_pupil_name_in_any_reminder(case, teacher5, victim, bully, mailoutbox, run):
    plan(case, teacher5, days=-2)
    plan(case, teacher5, days=0)

    run()

    text = " ".join(m.subject + m.body for m in mailoutbox)
    for name in (victim.first_name, victim.last_name, bully.first_name, bully.last_name):
        assert name not in text


def test_running_twice_sends_nothing_new(case, teacher5, mailoutbox, run):
    plan(case, teacher5, days=-1)

    run()
    first = len(mailoutbox)
    run()

    assert first == 2
    assert len(mailoutbox) == first


def test_talks_further_away_or_recorded_are_left_alone(case, teacher5, mailoutbox, run):
    plan(case, teacher5, days=5)
    done = plan(case, teacher5, days=-1)
    with time_machine.travel(datetime.datetime(2026, 11, 18, 7, tzinfo=datetime.UTC)):
        services.talk_record(
            case,
            TalkKind.EVALUATION,
            by=teacher5,
            held_on=timezone.localdate(),
            answers={"outcome": "Afspraken worden nageleefd."},
            talk=done,
        )

    run()

    assert mailoutbox == []


def test_dry_run_sends_nothing(case, teacher5, mailoutbox, run):
    plan(case, teacher5, days=-1)

    run(dry_run=True)

    assert mailoutbox == []
