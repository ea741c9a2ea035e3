"""The protocol's rules around the transitions: history, recurrence, dossier, talks."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.models import CasePupil, Notification, Recurrence, State, Talk
from cases.services import TransitionRefused
from cases.talks import TalkKind
from dossier.models import DossierEntry
from noblame.models import Traject
from plans import services as plan_services
from tests.walk import answers, new_case, record, satisfy, walk


@pytest.fixture
def case(school, people, victim, bully):
    return new_case(school, people["teacher5"], victim, bully)


def test_repeated_goes_to_support_group_without_earlier_no_blame(case, people):
    walk(case, State.SUPPORT_GROUP, people)

    assert Traject.objects.get(case=case).state == Traject.State.PREPARATION


def test_repeated_goes_to_action_plan_when_a_pupil_had_no_blame_before(
    case, school, people, victim, follower
):
    walk(case, State.SUPPORT_GROUP, people)  # the bully's first case: No Blame
    later = new_case(school, people["teacher5"], follower, case.pupils_in_role("bully")[0])

    walk(later, State.ASSESSMENT, people)
    services.case_transition(later, "classify_repeated", by=people["teacher5"])

    assert later.state == State.ACTION_PLAN
    assert not Traject.objects.filter(case=later).exists()


def test_escalated_one_off_keeps_stap_3_when_only_the_new_bully_was_a_victim_before(
    case, school, people, follower
):
    # The victim's own history does not decide the stap 4 shortcut (protocol: History matters).
    walk(case, State.SUPPORT_GROUP, people)
    later = new_case(school, people["teacher5"], follower, case.pupils_in_role("bully")[0])
    other_bully = case.pupils_in_role("victim")[0]  # pupils switch parts in a second case
    later.case_pupils.filter(role="bully").update(pupil=other_bully)
    walk(later, State.ONE_OFF_REVIEW, people)

    satisfy(later, "escalate", people)
    services.case_transition(later, "escalate", by=people["ib"])

    assert later.state == State.SUPPORT_GROUP


def test_bully_warned_before_must_go_the_repeated_way(case, school, people, bully, follower):
    walk(case, State.ONE_OFF, people)
    later = new_case(school, people["teacher5"], follower, bully)
    walk(later, State.ASSESSMENT, people)

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(later, "classify_one_off", by=people["teacher5"])

    assert case.reference in refused.value.reasons[0]
    assert "herhaald pesten" in refused.value.reasons[0]


def test_one_off_plans_the_review_talk_after_the_schools_number_of_days(case, school, people):
    school.one_off_review_days = 10
    school.save()

    walk(case, State.ONE_OFF, people)

    review = Talk.objects.get(case=case, kind=TalkKind.ONE_OFF_REVIEW)
    assert review.planned_on == timezone.localdate() + datetime.timedelta(days=10)


def test_recorded_review_fills_the_planned_talk(case, people):
    walk(case, State.ONE_OFF_REVIEW, people)

    record(case, TalkKind.ONE_OFF_REVIEW, people["teacher5"], bullying_stopped="yes")

    review = Talk.objects.get(case=case, kind=TalkKind.ONE_OFF_REVIEW)
    assert review.versions.count() == 1


def test_one_off_talk_adds_a_note_to_both_dossiers(case, people, victim, bully):
    walk(case, State.ONE_OFF_REVIEW, people)

    assert DossierEntry.objects.filter(pupil=victim, kind="one_off", case=case).count() == 1
    assert DossierEntry.objects.filter(pupil=bully, kind="one_off", case=case).count() == 1


def test_closing_after_stap_10_files_an_entry_referring_to_the_plan(case, people, follower):
    services.case_add_pupil(case, follower, CasePupil.Role.FOLLOWER, by=people["teacher5"])

    walk(case, State.CLOSED, people)

    plan = case.plans.get()
    entries = DossierEntry.objects.filter(case=case, kind=DossierEntry.Kind.CLOSING)
    assert {e.pupil_id for e in entries} == set(case.pupils.values_list("pk", flat=True))
    assert all(e.plan_id == plan.pk for e in entries)


def test_ib_and_smw_are_involved_and_told_without_pupil_names(
    case, people, victim, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        walk(case, State.SUPPORT_GROUP, people)

    case.refresh_from_db()
    assert (case.ib, case.smw) == (people["ib"], people["smw"])
    assert Notification.objects.filter(case=case, user=people["ib"]).exists()
    sent = [m for m in mail.outbox if people["ib"].email in m.to]
    assert sent
    assert case.reference in sent[0].subject
    assert victim.first_name not in sent[0].body + sent[0].subject


def test_reopen_starts_a_new_cycle_and_counts_the_recurrence(case, people, bully):
    walk(case, State.CLOSED, people)

    services.case_transition(case, "reopen", by=people["ib"], remark="Weer gezien op het plein.")

    case.refresh_from_db()
    assert case.cycle == 2
    recurrence = Recurrence.objects.get(pupil=bully)
    assert (recurrence.number, recurrence.outside_help_advised) == (1, False)


def test_second_recurrence_does_not_claim_the_advice_before_the_talk(
    case, school, people, bully, follower
):
    walk(case, State.CLOSED, people)
    services.case_transition(case, "reopen", by=people["ib"])
    other = new_case(school, people["teacher5"], follower, bully)
    walk(other, State.ASSESSMENT, people)

    services.case_transition(other, "classify_repeated", by=people["teacher5"])

    second = Recurrence.objects.get(pupil=bully, number=2)
    assert (second.case, second.outside_help_advised) == (other, False)
    texts = DossierEntry.objects.filter(pupil=bully, kind="recurrence").values_list(
        "text", flat=True
    )
    assert not any("hulp van buitenaf" in text for text in texts)


def test_after_reopen_the_stap_6_talks_must_cover_what_if_it_goes_on(case, people):
    walk(case, State.CLOSED, people)
    services.case_transition(case, "reopen", by=people["ib"])
    services.case_transition(case, "start_talks", by=people["teacher5"])

    with pytest.raises(ValidationError) as error:
        services.talk_record(
            case,
            TalkKind.BULLY,
            by=people["teacher5"],
            held_on=timezone.localdate(),
            answers=answers(TalkKind.BULLY, level=0),
        )

    assert "als het pesten doorgaat" in str(error.value)


def test_after_reopen_talks_of_the_first_cycle_do_not_count(case, people):
    walk(case, State.CLOSED, people)
    services.case_transition(case, "reopen", by=people["ib"])
    services.case_transition(case, "start_talks", by=people["teacher5"])

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case, "start_reflection", by=people["teacher5"])

    assert len(refused.value.reasons) == 3


def test_editing_a_talk_adds_a_version_and_keeps_the_old_one(case, people):
    walk(case, State.VICTIM_TALK, people)
    first = record(case, TalkKind.VICTIM, people["teacher5"], how_often="Twee keer per week.")

    second = services.talk_record(
        case,
        TalkKind.VICTIM,
        by=people["ib"],
        held_on=timezone.localdate(),
        answers=answers(TalkKind.VICTIM, how_often="Elke dag."),
        talk=first.talk,
    )

    first.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert first.answers["how_often"] == "Twee keer per week."
    assert case.current_version(TalkKind.VICTIM) == second


def test_talk_with_missing_answers_is_refused_in_dutch(case, people):
    walk(case, State.VICTIM_TALK, people)

    with pytest.raises(ValidationError) as error:
        services.talk_record(
            case,
            TalkKind.VICTIM,
            by=people["teacher5"],
            held_on=timezone.localdate(),
            answers={"what_happens": "Schelden"},
        )

    assert "Hoe vaak gebeurt het?" in str(error.value)
    assert not Talk.objects.filter(case=case).exists()


def test_talk_cannot_be_held_in_the_future(case, people):
    walk(case, State.VICTIM_TALK, people)

    with pytest.raises(ValidationError) as error:
        services.talk_record(
            case,
            TalkKind.VICTIM,
            by=people["teacher5"],
            held_on=timezone.localdate() + datetime.timedelta(days=1),
            answers=answers(TalkKind.VICTIM),
        )

    assert "toekomst" in str(error.value)


def test_signal_without_a_victim_is_refused(school, people, bully):
    with pytest.raises(ValidationError):
        services.case_create(
            school=school,
            by=people["teacher5"],
            pupils=[(bully, "bully")],
            reporter_kind="teacher",
            place="gym",
            description="x",
        )


def test_signal_with_a_pupil_of_another_school_is_refused(school, other_school, people, victim):
    from schools.models import Pupil

    stranger = Pupil.objects.create(school=other_school, first_name="Eva", last_name="Smit")
    with pytest.raises(ValidationError):
        services.case_create(
            school=school,
            by=people["teacher5"],
            pupils=[(victim, "victim"), (stranger, "bully")],
            reporter_kind="teacher",
            place="gym",
            description="x",
        )


def test_case_references_count_up_per_school(school, people, victim, bully):
    first = new_case(school, people["teacher5"], victim, bully)
    second = new_case(school, people["teacher5"], victim, bully)

    year = timezone.localdate().year
    assert (first.reference, second.reference) == (f"{year}-001", f"{year}-002")


def test_signed_plan_locks_and_refuses_another_signature(case, people):
    walk(case, State.ACTION_PLAN, people)
    satisfy(case, "start_coaching", people)
    plan = case.plans.get()

    assert plan.locked_at is not None
    with pytest.raises(ValidationError):
        plan_services.plan_sign(plan.signatories.first(), by=people["ib"])
