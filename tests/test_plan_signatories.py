"""Who must sign the plan van aanpak before stap 5, and a parent who will not sign.

Every person involved signs: staff, the parents with custody of the victim and of the
bully (and where fitting the pupils). A plan signed by staff alone does not open
stap 5. A parent's refusal is recorded by the IB (who, date, reason); the plan (screen
and PDF) shows it, and only then may stap 5 start without that signature. A signed
plan is locked; a change is a new version that needs signing again.
"""

import datetime
import io

import pypdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import State
from cases.services import TransitionRefused
from demo.plans import draw_signature
from dossier.models import DossierEntry
from plans import services as plan_services
from plans.models import PlanLocked, PlanSignatory
from schools.models import Guardian, GuardianRelation
from tests.plan_helpers import case_in_stap4, full_plan, sign_all

TODAY = timezone.localdate


@pytest.fixture
def stap4(school, people, victim, bully):
    return case_in_stap4(school, people, victim, bully)


def staff_only_plan(case, people):
    return plan_services.plan_create(
        case,
        by=people["ib"],
        signatories=[
            {"name": "Anna de Boer", "role": "leerkracht", "user": people["teacher5"]},
            {"name": "Ingrid Bakker", "role": "intern begeleider", "user": people["ib"]},
        ],
    )


def sign(signatory, people):
    return plan_services.plan_sign(
        signatory,
        by=signatory.user or people["teacher5"],
        signature=draw_signature(signatory.name),
    )


def parent_of(plan, pupil) -> PlanSignatory:
    return plan.signatories.get(guardian__pupils=pupil)


def refuse(signatory, people, **given):
    fields = {"refused_on": TODAY(), "reason": "Vader is het niet eens met de afspraken."}
    fields.update(given)
    return plan_services.plan_record_refusal(signatory, by=people["ib"], **fields)


def test_a_plan_signed_by_staff_only_does_not_open_stap_5(stap4, people, bully):
    plan = sign_all(staff_only_plan(stap4, people), people)
    assert plan.locked_at is not None  # all of its own signatories signed

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(stap4, "start_coaching", by=people["ib"])

    assert stap4.state == State.ACTION_PLAN
    assert any("Ouder Jansen" in r and "ondertekenaars" in r for r in refused.value.reasons)


def test_a_plan_signed_by_staff_and_both_families_opens_stap_5(stap4, people):
    sign_all(full_plan(stap4, people), people)

    services.case_transition(stap4, "start_coaching", by=people["ib"])

    assert stap4.state == State.COACHING


def test_an_unsigned_parent_keeps_stap_5_closed(stap4, people, bully):
    plan = full_plan(stap4, people)
    for signatory in plan.signatories.exclude(pk=parent_of(plan, bully).pk):
        sign(signatory, people)

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(stap4, "start_coaching", by=people["ib"])

    assert any("Ouder Jansen" in r for r in refused.value.reasons)


def test_a_recorded_refusal_lets_stap_5_start_without_that_signature(stap4, people, bully):
    plan = full_plan(stap4, people)
    refused = refuse(parent_of(plan, bully), people)
    for signatory in plan.signatories.exclude(pk=refused.pk):
        sign(signatory, people)
    plan.refresh_from_db()

    services.case_transition(stap4, "start_coaching", by=people["ib"])

    assert plan.locked_at is not None
    assert stap4.state == State.COACHING
    refused.refresh_from_db()
    assert (refused.refused_on, refused.recorded_by) == (TODAY(), people["ib"])


def test_the_plan_pdf_and_page_show_the_refusal(stap4, people, bully, client):
    plan = full_plan(stap4, people)
    refuse(parent_of(plan, bully), people)
    for signatory in plan.signatories.filter(refused_on__isnull=True):
        sign(signatory, people)
    plan.refresh_from_db()

    with plan.document.file.open("rb") as stored:
        reader = pypdf.PdfReader(io.BytesIO(stored.read()))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    client.force_login(people["teacher5"])
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()

    assert "Weigert te tekenen" in text
    assert "niet eens met de afspraken" in text
    assert "Ingrid Bakker" in text
    assert "Weigert te tekenen" in page
    assert "niet eens met de afspraken" in page


def test_the_dossier_entry_names_no_refusing_parent(stap4, people, bully, victim):
    plan = full_plan(stap4, people)
    refuse(parent_of(plan, bully), people)
    for signatory in plan.signatories.filter(refused_on__isnull=True):
        sign(signatory, people)

    entry = DossierEntry.objects.get(pupil=victim, kind=DossierEntry.Kind.PLAN)

    assert "weigerde te tekenen" in entry.text
    assert "Jansen" not in entry.text


def test_only_the_ib_records_a_refusal(stap4, people, bully):
    plan = full_plan(stap4, people)

    with pytest.raises(PermissionDenied):
        plan_services.plan_record_refusal(
            parent_of(plan, bully), by=people["teacher5"], refused_on=TODAY(), reason="Nee."
        )

    assert not plan.signatories.filter(refused_on__isnull=False).exists()


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"reason": "  "}, "waarom"),
        ({"refused_on": TODAY() + datetime.timedelta(days=1)}, "toekomst"),
        ({"refused_on": TODAY() - datetime.timedelta(days=400)}, "voor de datum van dit plan"),
    ],
)
def test_a_refusal_needs_a_reason_and_a_real_date(stap4, people, bully, given, says):
    plan = full_plan(stap4, people)

    with pytest.raises(ValidationError) as refused:
        refuse(parent_of(plan, bully), people, **given)

    assert says in " ".join(refused.value.messages)


def test_staff_cannot_be_recorded_as_refusing(stap4, people):
    plan = full_plan(stap4, people)

    with pytest.raises(ValidationError) as refused:
        refuse(plan.signatories.get(user=people["teacher5"]), people)

    assert "ouder/verzorger" in refused.value.messages[0]


def test_a_parent_recorded_as_refusing_cannot_then_sign_this_version(stap4, people, bully):
    plan = full_plan(stap4, people)
    refused = refuse(parent_of(plan, bully), people)

    with pytest.raises(ValidationError) as again:
        sign(refused, people)

    assert "nieuwe versie" in again.value.messages[0]


def test_a_refusal_fixes_the_draft(stap4, people, bully):
    plan = full_plan(stap4, people)
    refuse(parent_of(plan, bully), people)

    with pytest.raises(PlanLocked):
        plan_services.plan_update(plan, by=people["ib"], agreements="Anders.")


def test_a_victim_without_a_known_parent_with_custody_blocks_stap_5(stap4, people, victim):
    GuardianRelation.objects.filter(pupil=victim).update(has_custody=False)
    sign_all(full_plan(stap4, people), people)

    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(stap4, "start_coaching", by=people["ib"])

    assert any("geen ouder/verzorger met gezag" in r for r in refused.value.reasons)


def test_a_parent_without_custody_need_not_sign(stap4, people, bully):
    stepfather = Guardian.objects.create(first_name="Stief", last_name="Vader")
    GuardianRelation.objects.create(
        pupil=bully, guardian=stepfather, relation="carer", has_custody=False
    )
    sign_all(full_plan(stap4, people), people)  # default signatories: custody only

    services.case_transition(stap4, "start_coaching", by=people["ib"])

    assert stap4.state == State.COACHING


def test_a_signed_plan_is_locked_and_a_new_version_needs_new_signatures(stap4, people):
    first = sign_all(full_plan(stap4, people), people)

    with pytest.raises(PlanLocked):
        plan_services.plan_update(first, by=people["ib"], agreements="Anders.")
    second = full_plan(stap4, people, agreements="Nieuwe afspraken.")
    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(stap4, "start_coaching", by=people["ib"])

    assert second.version == 2
    assert any("nog niet getekend" in r for r in refused.value.reasons)


# --- the page ---------------------------------------------------------------------------


def test_the_ib_records_a_refusal_on_its_page(stap4, people, bully, client):
    plan = full_plan(stap4, people)
    signatory = parent_of(plan, bully)
    client.force_login(people["ib"])
    url = reverse("plans:refusal", args=[plan.pk, signatory.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"refused_on": TODAY().isoformat(), "reason": "Wil niet."})

    assert response.status_code == 302
    signatory.refresh_from_db()
    assert signatory.refusal_reason == "Wil niet."


def test_the_refusal_page_keeps_what_was_typed_when_refused(stap4, people, bully, client):
    plan = full_plan(stap4, people)
    signatory = parent_of(plan, bully)
    client.force_login(people["ib"])
    url = reverse("plans:refusal", args=[plan.pk, signatory.pk])
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()

    response = client.post(url, {"refused_on": tomorrow, "reason": "Wil niet tekenen."})

    assert response.status_code == 200
    assert "toekomst" in response.content.decode()
    assert "Wil niet tekenen." in response.content.decode()


def test_a_teacher_may_not_open_the_refusal_page(stap4, people, bully, client):
    plan = full_plan(stap4, people)
    client.force_login(people["teacher5"])

    response = client.get(reverse("plans:refusal", args=[plan.pk, parent_of(plan, bully).pk]))

    assert response.status_code == 403
