"""The protocol across cases (issue 10, the case side): every rule from both sides, with
real cases driven through the services.

Recurrence per pupil, reopen by the history rule, outside help for the bully's parents
and for a victim's parents, history at stap 2 and the rule shown on the case page,
withdraw, one open case per situation, date windows, attendance, the 2.6 checklist,
the 5.1 advice and leaflet, and the stap 7 reflection assignment.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessRecord
from cases import queries, services
from cases.models import (
    OPEN_STATES,
    Case,
    CasePupil,
    CaseReport,
    Notification,
    Recurrence,
    State,
    Talk,
)
from cases.services import TransitionRefused
from cases.signs import BULLY_SIGNS, VICTIM_SIGNS
from cases.talks import TalkKind, questions_for
from dossier import services as dossier_services
from dossier.models import DossierEntry
from schools.models import Guardian
from tests.conftest import make_pupil
from tests.walk import answers, everyone, new_case, record, satisfy, walk

TODAY = timezone.localdate


def fire(case, name, people, actor="teacher5", remark=""):
    satisfy(case, name, people)
    return services.case_transition(case, name, by=people[actor], remark=remark)


def to_talks(case, people):
    """A case in stap 4 (action plan) on to stap 6: plan signed, coaches assigned."""
    fire(case, "start_coaching", people, "ib")
    fire(case, "start_talks", people)
    assert case.state == State.TALKS
    return case


def talk(case, kind, people, *, level=None, pupils=None, guardians=None, **given):
    """Record ``kind`` with the answers of ``level`` (the case's own when left out)."""
    present = everyone(case)
    return services.talk_record(
        case,
        kind,
        by=people["teacher5"],
        held_on=TODAY(),
        answers=answers(kind, case.recurrence_level() if level is None else level, **given),
        pupils=present["pupils"] if pupils is None else pupils,
        guardians=present["guardians"] if guardians is None else guardians,
    )


def guardians_of(pupil):
    return list(Guardian.objects.filter(pupils=pupil))


@pytest.fixture
def case(school, people, victim, bully):
    return new_case(school, people["teacher5"], victim, bully)


@pytest.fixture
def planned_before(case, people):
    """The bully's first case: closed after stap 10 with a signed plan van aanpak."""
    return walk(case, State.CLOSED, people)


@pytest.fixture
def second_victim(school, groep5):
    return make_pupil(school, groep5, "Lotte", "Visser")


@pytest.fixture
def third_victim(school, groep5):
    return make_pupil(school, groep5, "Mila", "Smit")


def classify_repeated(case, people):
    walk(case, State.ASSESSMENT, people)
    return services.case_transition(case, "classify_repeated", by=people["teacher5"])


# --- 5. reopen never skips --------------------------------------------------------------


def test_reopen_with_a_signed_plan_goes_to_stap_5(planned_before, people):
    services.case_transition(planned_before, "reopen", by=people["ib"])

    assert planned_before.state == State.COACHING
    change = planned_before.state_changes.last()
    assert change.rule == "reopen_signed_plan"


def test_reopen_without_a_plan_goes_by_history_not_to_stap_5(case, people):
    walk(case, State.ONE_OFF_REVIEW, people)
    fire(case, "close", people)

    services.case_transition(case, "reopen", by=people["teacher5"])

    assert case.state == State.SUPPORT_GROUP  # warned in a one-off: the repeated way
    change = case.state_changes.last()
    assert change.rule == "reopen_by_history"
    assert "geen getekend plan" in change.rule_reason
    assert not Recurrence.objects.filter(case=case).exists()


def test_reopen_after_the_cases_own_no_blame_goes_to_stap_4(case, people):
    walk(case, State.SUPPORT_GROUP, people)
    fire(case, "close", people, "smw")

    services.case_transition(case, "reopen", by=people["ib"])

    assert case.state == State.ACTION_PLAN
    assert case.state_changes.last().rule == "reopen_after_no_blame"


def test_reopen_needs_a_bully(school, people, victim):
    lone = services.case_create(
        school=school,
        by=people["teacher5"],
        pupils=[(victim, CasePupil.Role.VICTIM)],
        reporter_kind="teacher",
        place="gym",
        description="Ruzie bij het omkleden.",
    )
    walk(lone, State.RESOLVED_OTHER, people)
    fire(lone, "close", people)

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(lone, "reopen", by=people["teacher5"])

    assert "pester" in refused.value.reasons[0]


@pytest.mark.parametrize("with_plan", [True, False])
def test_stap_10_dossier_text_refers_to_a_plan_only_when_there_is_one(case, people, with_plan):
    if with_plan:
        walk(case, State.CLOSED, people)
        entry = DossierEntry.objects.filter(case=case, kind=DossierEntry.Kind.CLOSING).first()
    else:
        walk(case, State.ONE_OFF, people)  # no plan van aanpak exists
        dossier_services.on_case_transitioned(
            None,
            case=case,
            transition="close",
            source=State.CLOSING,
            target=State.CLOSED,
            by=people["teacher5"],
        )
        entry = DossierEntry.objects.filter(case=case, kind=DossierEntry.Kind.CLOSING).first()

    assert ("plan van aanpak" in entry.text) is with_plan
    assert (entry.plan_id is not None) is with_plan


# --- 1. recurrence per pupil across cases ----------------------------------------------


def test_bully_with_an_earlier_plan_has_a_recurrence_in_a_new_case(
    planned_before, school, people, bully, second_victim
):
    later = new_case(school, people["teacher5"], second_victim, bully)

    classify_repeated(later, people)

    assert later.state == State.ACTION_PLAN  # a new victim needs new agreements
    recurrence = Recurrence.objects.get(case=later)
    assert (recurrence.pupil, recurrence.number, recurrence.earlier_case) == (
        bully,
        1,
        planned_before,
    )
    change = later.state_changes.last()
    assert change.rule == "recurrence_after_plan"
    assert planned_before.reference in change.rule_reason
    assert DossierEntry.objects.filter(pupil=bully, case=later, kind="recurrence").exists()


def test_bully_without_an_earlier_plan_has_no_recurrence(
    case, school, people, bully, second_victim
):
    walk(case, State.ONE_OFF_REVIEW, people)
    fire(case, "close", people)
    later = new_case(school, people["teacher5"], second_victim, bully)

    classify_repeated(later, people)

    assert later.state == State.SUPPORT_GROUP
    assert later.state_changes.last().rule == "history_first_approach"
    assert not Recurrence.objects.filter(pupil=bully).exists()


def test_recurrences_are_counted_per_pupil_across_cases(
    planned_before, school, people, bully, second_victim
):
    services.case_transition(planned_before, "reopen", by=people["ib"])
    later = new_case(school, people["teacher5"], second_victim, bully)

    classify_repeated(later, people)

    numbers = Recurrence.objects.filter(pupil=bully).order_by("number")
    assert [(r.case, r.number) for r in numbers] == [(planned_before, 1), (later, 2)]


def test_a_bully_with_an_earlier_plan_is_no_one_off_again(
    planned_before, school, people, bully, second_victim
):
    later = new_case(school, people["teacher5"], second_victim, bully)
    walk(later, State.ASSESSMENT, people)

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(later, "classify_one_off", by=people["teacher5"])

    assert planned_before.reference in " ".join(refused.value.reasons)
    assert later.state == State.ASSESSMENT


def test_from_the_first_recurrence_stap_6_asks_what_happens_if_it_goes_on(
    planned_before, school, people, bully, second_victim
):
    later = new_case(school, people["teacher5"], second_victim, bully)
    to_talks(classify_repeated(later, people), people)  # a new case: still cycle 1

    with pytest.raises(ValidationError) as error:
        talk(later, TalkKind.BULLY, people, level=0)
    with pytest.raises(ValidationError):
        talk(later, TalkKind.BULLY_PARENTS, people, level=0)

    assert "als het pesten doorgaat" in str(error.value)
    assert talk(later, TalkKind.BULLY, people).answers["if_continues"]


def test_without_a_recurrence_stap_6_does_not_ask_what_if_it_goes_on(case, people):
    walk(case, State.TALKS, people)

    version = talk(case, TalkKind.BULLY, people)

    assert "if_continues" not in version.answers
    assert case.recurrence_level() == 0


def test_the_plan_of_a_recurrence_starts_from_the_earlier_plan(
    planned_before, school, people, bully, second_victim, client
):
    later = new_case(school, people["teacher5"], second_victim, bully)
    classify_repeated(later, people)
    client.force_login(people["ib"])

    page = client.get(reverse("plans:edit", args=[later.pk])).content.decode()

    earlier_text = planned_before.plans.get().agreements
    assert earlier_text in page
    assert planned_before.reference in page


def test_a_plan_without_a_recurrence_starts_empty(case, people, client):
    walk(case, State.ACTION_PLAN, people)
    client.force_login(people["ib"])

    page = client.get(reverse("plans:edit", args=[case.pk])).content.decode()

    assert "Dagelijks kort contact met de coach." not in page
    assert "Herhaling: dit plan begint" not in page


# --- 2. outside help for the bully's parents -------------------------------------------


@pytest.fixture
def second_recurrence(planned_before, school, people, bully, second_victim):
    """The bully's second recurrence, in a new case that reached stap 6."""
    services.case_transition(planned_before, "reopen", by=people["ib"])
    later = new_case(school, people["teacher5"], second_victim, bully)
    return to_talks(classify_repeated(later, people), people)


def test_second_recurrence_needs_the_advice_in_the_talk_with_the_parents(
    second_recurrence, people, bully
):
    with pytest.raises(ValidationError) as error:
        talk(second_recurrence, TalkKind.BULLY_PARENTS, people, level=1)

    assert "hulp van buitenaf" in str(error.value)
    recurrence = Recurrence.objects.get(case=second_recurrence)
    assert (recurrence.number, recurrence.outside_help_advised) == (2, False)
    texts = DossierEntry.objects.filter(pupil=bully).values_list("text", flat=True)
    assert not any("advies" in text for text in texts)


def test_the_advice_is_given_only_by_the_talk_that_records_it(second_recurrence, people, bully):
    version = talk(
        second_recurrence,
        TalkKind.BULLY_PARENTS,
        people,
        outside_help_response="De ouders melden zich bij het CJG.",
    )

    recurrence = Recurrence.objects.get(case=second_recurrence)
    assert (recurrence.outside_help_advised, recurrence.advice_talk) == (True, version)
    entry = DossierEntry.objects.filter(pupil=bully, case=second_recurrence).latest("pk")
    assert "dringende advies" in entry.text


def test_the_first_recurrence_does_not_ask_for_the_advice(
    planned_before, school, people, bully, second_victim
):
    later = new_case(school, people["teacher5"], second_victim, bully)
    to_talks(classify_repeated(later, people), people)

    talk(later, TalkKind.BULLY_PARENTS, people)

    keys = {q.key for q in questions_for(TalkKind.BULLY_PARENTS, later.recurrence_level())}
    assert "outside_help_advice" not in keys
    assert not Recurrence.objects.get(case=later).outside_help_advised


def test_case_page_shows_the_advice_as_a_task_until_the_talk(second_recurrence, people, client):
    client.force_login(people["teacher5"])
    url = reverse("cases:detail", args=[second_recurrence.pk])

    before = client.get(url).content.decode()
    talk(second_recurrence, TalkKind.BULLY_PARENTS, people)
    after = client.get(url).content.decode()

    assert "Nog te doen" in before
    assert "het dringende advies om hulp van buitenaf" in before
    assert "is gegeven aan de ouders" not in before
    assert "is gegeven aan de ouders" in after


# --- 7. withdraw ------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.SIGNALED, State.VICTIM_TALK, State.ASSESSMENT])
def test_the_ib_withdraws_a_signal_with_a_reason(case, people, state):
    walk(case, state, people)

    services.case_transition(case, "withdraw", by=people["ib"], remark="Verkeerde leerling.")

    case.refresh_from_db()
    assert case.state == State.WITHDRAWN
    change = case.state_changes.last()
    assert (change.remark, change.rule) == ("Verkeerde leerling.", "withdrawn")


def test_withdraw_needs_a_reason(case, people):
    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case, "withdraw", by=people["ib"], remark="  ")

    assert "reden" in refused.value.reasons[0]
    assert Case.objects.get(pk=case.pk).state == State.SIGNALED


@pytest.mark.parametrize("persona", ["teacher5", "smw", "director"])
def test_only_the_ib_withdraws(case, people, persona):
    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case, "withdraw", by=people[persona], remark="Dubbel.")

    assert "intern begeleider" in refused.value.reasons[0]


def test_no_withdraw_after_stap_2(case, people):
    walk(case, State.ONE_OFF, people)

    with pytest.raises(TransitionRefused):
        services.case_transition(case, "withdraw", by=people["ib"], remark="Dubbel.")


def test_a_withdrawn_signal_is_kept_but_in_no_list_of_open_work(case, people, client):
    services.case_transition(case, "withdraw", by=people["ib"], remark="Dubbele melding.")

    assert State.WITHDRAWN not in OPEN_STATES
    assert Case.objects.filter(pk=case.pk).exists()
    counts = {s: n for s, _label, n in queries.counts_per_state(Case.objects.all())}
    assert State.WITHDRAWN not in counts
    assert counts[State.SIGNALED] == 0
    client.force_login(people["ib"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Dubbele melding." in page
    assert "Melding ingetrokken" in page


# --- 6. one open case per situation ------------------------------------------------------


def signal_post(victim, bully, **extra):
    data = {
        "pupil": [str(victim.pk), str(bully.pk)],
        f"role_{victim.pk}": "victim",
        f"role_{bully.pk}": "bully",
        "signal_date": TODAY().isoformat(),
        "place": "playground",
        "description": "Weer uitgelachen bij het voetbal.",
        "reporter_kind": "teacher",
        "reporter_name": "",
    }
    data.update(extra)
    return data


def test_a_signal_about_a_pupil_in_an_open_case_offers_that_case(
    case, people, victim, bully, client
):
    client.force_login(people["teacher5"])

    response = client.post(reverse("cases:signal_new"), signal_post(victim, bully))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Toevoegen aan casus {case.reference}" in page
    assert Case.objects.count() == 1


def test_add_to_that_case_is_a_dated_report_on_its_timeline(case, people, victim, bully, client):
    client.force_login(people["teacher5"])

    response = client.post(
        reverse("cases:signal_new"), signal_post(victim, bully, add_to=str(case.pk))
    )

    assert response.status_code == 302
    assert Case.objects.count() == 1
    report = CaseReport.objects.get(case=case)
    assert report.description == "Weer uitgelachen bij het voetbal."
    titles = [item.title for item in queries.case_timeline(case)]
    assert any(title.startswith("Nieuwe melding") for title in titles)


def test_a_separate_case_needs_a_reason_and_tells_the_ib(case, school, people, victim, bully):
    pairs = [(victim, "victim"), (bully, "bully")]
    signal = {"reporter_kind": "teacher", "place": "gym", "description": "Iets anders."}

    with pytest.raises(ValidationError):
        services.case_create(school=school, by=people["teacher5"], pupils=pairs, **signal)
    separate = services.case_create(
        school=school,
        by=people["teacher5"],
        pupils=pairs,
        separate_reason="Ander voorval, bij de gymles.",
        **signal,
    )

    assert separate.separate_reason == "Ander voorval, bij de gymles."
    told = Notification.objects.get(user=people["ib"], case=separate)
    assert case.reference in told.message
    assert victim.first_name not in told.message


def test_a_pupil_with_only_closed_cases_gets_a_new_case_at_once(
    case, people, victim, bully, client
):
    walk(case, State.RESOLVED_OTHER, people)
    fire(case, "close", people)
    client.force_login(people["teacher5"])

    response = client.post(reverse("cases:signal_new"), signal_post(victim, bully))

    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_a_report_is_not_added_to_a_closed_case(case, people):
    walk(case, State.RESOLVED_OTHER, people)
    fire(case, "close", people)

    with pytest.raises(ValidationError):
        services.case_add_report(
            case, by=people["teacher5"], reporter_kind="teacher", place="gym", description="x"
        )


def test_a_teacher_of_another_class_adds_no_report(case, people):
    with pytest.raises(PermissionDenied):
        services.case_add_report(
            case, by=people["teacher7"], reporter_kind="teacher", place="gym", description="x"
        )


# --- 3. outside help for a victim's parents ---------------------------------------------


def one_off_case(school, people, victim, bully, **signal):
    later = services.case_create(
        school=school,
        by=people["teacher5"],
        pupils=[(victim, "victim"), (bully, "bully")],
        reporter_kind="teacher",
        place="playground",
        description="Geduwd en uitgescholden.",
        separate_reason="Een andere pester.",
        **signal,
    )
    return walk(later, State.ONE_OFF, people)


def test_a_victim_in_a_third_case_gets_a_talk_about_outside_help(
    school, people, victim, bully, follower, second_victim, django_capture_on_commit_callbacks
):
    one_off_case(school, people, victim, bully)
    one_off_case(school, people, victim, follower)

    third = one_off_case(school, people, victim, second_victim)

    planned = Talk.objects.get(case=third, kind=TalkKind.OUTSIDE_HELP_VICTIM)
    assert planned.planned_on > TODAY()
    change = third.state_changes.last()
    assert "derde keer" in change.rule_reason
    assert Notification.objects.filter(user=people["ib"], case=third).exists()


def test_the_case_cannot_close_before_that_talk_has_an_outcome(
    school, people, victim, bully, follower, second_victim
):
    one_off_case(school, people, victim, bully)
    one_off_case(school, people, victim, follower)
    third = one_off_case(school, people, victim, second_victim)
    fire(third, "start_review", people)
    record(third, TalkKind.ONE_OFF_REVIEW, people["teacher5"], bullying_stopped="yes")

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(third, "close", by=people["teacher5"])
    assert "hulp van buitenaf" in " ".join(refused.value.reasons)

    with pytest.raises(ValidationError):  # the victim's parents must be there
        talk(third, TalkKind.OUTSIDE_HELP_VICTIM, people, guardians=[])
    talk(third, TalkKind.OUTSIDE_HELP_VICTIM, people, guardians=guardians_of(victim))
    services.case_transition(third, "close", by=people["teacher5"])
    assert third.state == State.CLOSED


def test_cases_before_the_period_do_not_count(
    school, people, victim, bully, follower, second_victim
):
    school.victim_outside_help_months = 24
    school.save()
    long_ago = TODAY() - datetime.timedelta(days=800)
    one_off_case(school, people, victim, bully, signal_date=long_ago)
    one_off_case(school, people, victim, follower)

    third = one_off_case(school, people, victim, second_victim)

    assert not Talk.objects.filter(case=third, kind=TalkKind.OUTSIDE_HELP_VICTIM).exists()


def test_cases_that_were_not_bullying_do_not_count(
    school, people, victim, bully, follower, second_victim
):
    not_bullying = new_case(school, people["teacher5"], victim, bully)
    walk(not_bullying, State.RESOLVED_OTHER, people)
    one_off_case(school, people, victim, follower)

    third = one_off_case(school, people, victim, second_victim)

    assert not Talk.objects.filter(case=third, kind=TalkKind.OUTSIDE_HELP_VICTIM).exists()


# --- 4. history at stap 2 and the rule on the case page ---------------------------------


def test_stap_2_shows_the_pupils_earlier_cases(
    planned_before, school, people, bully, second_victim, client
):
    later = new_case(school, people["teacher5"], second_victim, bully)
    walk(later, State.ASSESSMENT, people)
    client.force_login(people["teacher5"])

    page = client.get(reverse("cases:detail", args=[later.pk])).content.decode()

    assert "Eerdere casussen van deze leerlingen" in page
    assert planned_before.reference in page


def test_the_case_page_says_which_rule_sent_the_case_where(
    planned_before, school, people, bully, second_victim, client
):
    later = new_case(school, people["teacher5"], second_victim, bully)
    classify_repeated(later, people)
    client.force_login(people["teacher5"])

    page = client.get(reverse("cases:detail", args=[later.pk])).content.decode()

    assert "Waarom deze stap" in page
    assert "Herhaling na een plan van aanpak" in page
    reason = later.state_changes.last().rule_reason
    assert page.count(reason) == 2  # the panel and the timeline


def test_a_plain_step_stores_no_rule(case, people):
    walk(case, State.ASSESSMENT, people)

    assert set(case.state_changes.values_list("rule", flat=True)) == {""}


def test_a_pupil_warned_in_a_one_off_goes_the_repeated_way(
    case, school, people, bully, second_victim
):
    walk(case, State.ONE_OFF, people)
    later = new_case(school, people["teacher5"], second_victim, bully)
    walk(later, State.ASSESSMENT, people)

    with pytest.raises(TransitionRefused):
        services.case_transition(later, "classify_one_off", by=people["teacher5"])
    services.case_transition(later, "classify_repeated", by=people["teacher5"])

    assert later.state == State.SUPPORT_GROUP


# --- 9. the right people at each talk ----------------------------------------------------


def test_the_talk_with_the_bully_has_the_bully_present(case, people, bully, victim):
    walk(case, State.TALKS, people)

    with pytest.raises(ValidationError) as error:
        talk(case, TalkKind.BULLY, people, pupils=[victim])
    assert bully.full_name in str(error.value)

    assert talk(case, TalkKind.BULLY, people, pupils=[bully]).pupils.get() == bully


def test_the_talk_with_the_bullys_parents_has_a_guardian_of_the_bully(case, people, bully, victim):
    walk(case, State.TALKS, people)

    with pytest.raises(ValidationError):
        talk(case, TalkKind.BULLY_PARENTS, people, pupils=[], guardians=guardians_of(victim))

    version = talk(case, TalkKind.BULLY_PARENTS, people, pupils=[], guardians=guardians_of(bully))
    assert list(version.guardians.all()) == guardians_of(bully)


@pytest.mark.parametrize("missing", ["victim", "guardian"])
def test_the_talk_with_the_victim_and_parents_has_both(case, people, victim, missing):
    walk(case, State.TALKS, people)
    pupils = [] if missing == "victim" else [victim]
    guardians = [] if missing == "guardian" else guardians_of(victim)

    with pytest.raises(ValidationError):
        talk(case, TalkKind.VICTIM_PARENTS, people, pupils=pupils, guardians=guardians)

    talk(case, TalkKind.VICTIM_PARENTS, people, pupils=[victim], guardians=guardians_of(victim))


def test_the_one_off_talk_records_the_next_steps_told_to_the_bully(case, people):
    walk(case, State.ONE_OFF, people)

    with pytest.raises(ValidationError) as error:
        talk(case, TalkKind.ONE_OFF, people, next_steps_told="")
    assert "vervolgstappen" in str(error.value)

    talk(case, TalkKind.ONE_OFF, people, next_steps_told="Bij herhaling volgt stap 3 of 4.")


# --- 8. dates are windows ----------------------------------------------------------------


def test_a_review_before_its_window_needs_a_reason_shown_on_the_timeline(case, people):
    walk(case, State.ONE_OFF_REVIEW, people)
    review = Talk.objects.get(case=case, kind=TalkKind.ONE_OFF_REVIEW)
    assert review.window_opens == TODAY() + datetime.timedelta(days=14)

    with pytest.raises(ValidationError) as error:
        talk(case, TalkKind.ONE_OFF_REVIEW, people)
    assert "eerder" in str(error.value)

    version = services.talk_record(
        case,
        TalkKind.ONE_OFF_REVIEW,
        by=people["teacher5"],
        held_on=TODAY(),
        answers=answers(TalkKind.ONE_OFF_REVIEW),
        early_reason="De ouders vroegen om een eerder gesprek.",
    )
    assert version.early_reason == "De ouders vroegen om een eerder gesprek."
    details = [item.detail for item in queries.case_timeline(case)]
    assert any("De ouders vroegen om een eerder gesprek." in d for d in details)


def test_a_talk_held_in_its_window_needs_no_reason(case, people):
    walk(case, State.ONE_OFF_REVIEW, people)
    review = Talk.objects.get(case=case, kind=TalkKind.ONE_OFF_REVIEW)
    Talk.objects.filter(pk=review.pk).update(window_opens=TODAY(), planned_on=TODAY())

    version = talk(case, TalkKind.ONE_OFF_REVIEW, people)

    assert version.early_reason == ""


def test_a_talk_past_its_window_is_overdue(case, people):
    walk(case, State.ONE_OFF_REVIEW, people)
    review = Talk.objects.get(case=case, kind=TalkKind.ONE_OFF_REVIEW)
    inside = review.window_closes
    after = review.window_closes + datetime.timedelta(days=1)

    assert review not in queries.overdue_talks(people["ib"], today=inside)
    assert review in queries.overdue_talks(people["ib"], today=after)
    assert review in queries.todo_for(people["teacher5"], today=after).overdue


def test_the_schools_review_window_is_used(case, school, people):
    school.one_off_review_days, school.one_off_review_late_days = 10, 3
    school.save()

    walk(case, State.ONE_OFF, people)

    review = Talk.objects.get(case=case, kind=TalkKind.ONE_OFF_REVIEW)
    assert review.window_opens == TODAY() + datetime.timedelta(days=10)
    assert review.window_closes == TODAY() + datetime.timedelta(days=13)


# --- 10. checklist, digital advice, reflection assignment -------------------------------


def test_the_warning_sign_checklist_has_all_nine_signs_of_a_bully_and_eight_of_a_victim():
    slugs = {slug for slug, _label in BULLY_SIGNS}

    assert len(BULLY_SIGNS) == 9
    assert len(VICTIM_SIGNS) == 8
    assert {"bully_aggressive_idols", "bully_harsh_at_home"} <= slugs


def test_a_new_warning_sign_is_stored_and_an_unknown_one_refused(school, people, victim, bully):
    pairs = [(victim, "victim"), (bully, "bully")]
    signal = {"reporter_kind": "teacher", "place": "gym", "description": "Duwen."}

    logged = services.case_create(
        school=school,
        by=people["teacher5"],
        pupils=pairs,
        warning_signs=["bully_harsh_at_home"],
        **signal,
    )
    assert logged.warning_signs == ["bully_harsh_at_home"]
    with pytest.raises(ValidationError):
        services.case_create(
            school=school,
            by=people["teacher5"],
            pupils=pairs,
            warning_signs=["bully_unknown"],
            separate_reason="Test.",
            **signal,
        )


@pytest.mark.parametrize("digital", [True, False])
def test_the_case_page_gives_the_digital_advice_for_digital_bullying(
    school, people, victim, bully, client, digital
):
    logged = services.case_create(
        school=school,
        by=people["teacher5"],
        pupils=[(victim, "victim"), (bully, "bully")],
        reporter_kind="parent",
        place="online",
        description="Nare berichten in de groepsapp.",
        is_digital=digital,
    )
    client.force_login(people["teacher5"])

    page = client.get(reverse("cases:detail", args=[logged.pk])).content.decode()

    assert ("Digitaal pesten: wat te doen" in page) is digital
    assert ("Folder voor de ouders afdrukken" in page) is digital


@pytest.mark.parametrize("kind", ["digitaal-pesten", "reflectie-opdracht"])
def test_printables_are_pdfs_named_by_the_case_and_logged(case, people, client, kind):
    client.force_login(people["teacher5"])

    response = client.get(reverse("cases:printable", args=[case.pk, kind]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert case.reference in disposition
    assert "Daan" not in disposition
    assert AccessRecord.objects.filter(object_id=str(case.pk), action="print").exists()


def test_printables_refuse_who_may_not_see_the_case_and_unknown_kinds(case, people, client):
    client.force_login(people["teacher7"])
    assert (
        client.get(reverse("cases:printable", args=[case.pk, "digitaal-pesten"])).status_code == 404
    )
    client.force_login(people["teacher5"])
    assert client.get(reverse("cases:printable", args=[case.pk, "iets-anders"])).status_code == 404


def test_stap_7_records_the_reflection_and_the_apology_in_three_parts(case, people):
    walk(case, State.REFLECTION, people)

    with pytest.raises(TransitionRefused):
        services.case_transition(case, "start_group_discussion", by=people["teacher5"])
    with pytest.raises(ValidationError) as error:
        talk(case, TalkKind.REFLECTION, people, how_victim_notices="")
    assert "deel 3" in str(error.value)

    talk(case, TalkKind.REFLECTION, people)
    services.case_transition(case, "start_group_discussion", by=people["teacher5"])
    assert case.state == State.GROUP_DISCUSSION


# --- 11. the demo shows each rule ----------------------------------------------------------


def _demo_page(client, username, case):
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username=username))
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("username", ["ib", "directie"])
def test_the_demo_has_a_second_recurrence_with_the_advice_to_give(seeded, client, username):
    recurrence = Recurrence.objects.filter(number__gte=2).select_related("case").first()

    page = _demo_page(client, username, recurrence.case)

    assert f"Herhaling {recurrence.number} van" in page
    assert "hulp van buitenaf" in page


@pytest.mark.parametrize("username", ["ib", "leerkracht4"])
def test_the_demo_has_a_victim_in_a_third_case(seeded, client, username):
    planned = Talk.objects.filter(kind=TalkKind.OUTSIDE_HELP_VICTIM).select_related("case").get()

    page = _demo_page(client, username, planned.case)

    assert "Hulp van buitenaf voor de gepeste leerling" in page
    assert "www.cjg.nl" in page


@pytest.mark.parametrize("username", ["ib", "leerkracht4"])
def test_the_demo_has_a_withdrawn_signal(seeded, client, username):
    withdrawn = Case.objects.get(state=State.WITHDRAWN)

    page = _demo_page(client, username, withdrawn)

    assert "Melding ingetrokken" in page
    assert withdrawn.state_changes.last().remark in page
