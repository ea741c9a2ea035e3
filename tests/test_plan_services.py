"""The plan van aanpak through its services: versions, signing, locking, filing, coaches, talks."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import State, Talk
from cases.talks import TalkKind
from demo.plans import draw_signature
from dossier.models import DossierEntry
from plans import services as plan_services
from plans.models import ActionPlan, PlanAgreement, PlanDocument, PlanLocked, PlanSignatory
from tests.plan_helpers import case_in_stap4, full_plan, sign_all, walk_on
from tests.walk import satisfy


@pytest.fixture
def stap4(school, people, victim, bully):
    return case_in_stap4(school, people, victim, bully)


def test_signatories_are_derived_from_the_case(stap4, people):
    plan = full_plan(stap4, people)

    people_signing = {(s.user_id, s.guardian_id, s.pupil_id) for s in plan.signatories.all()}
    guardians = {
        r.guardian_id
        for cp in stap4.case_pupils.all()
        for r in cp.pupil.guardian_relations.filter(has_custody=True)
    }
    assert people_signing == {
        (people["teacher5"].pk, None, None),
        (people["ib"].pk, None, None),
        *((None, g, None) for g in guardians),
    }


def test_signatories_can_be_chosen_per_plan(stap4, people, victim):
    plan = full_plan(
        stap4,
        people,
        signatories=[
            {"name": "Ingrid Bakker", "role": "intern begeleider", "user": people["ib"]},
            {"name": victim.full_name, "role": "leerling", "pupil": victim},
        ],
    )

    assert plan.signatories.count() == 2


def test_a_stranger_cannot_be_a_signatory(stap4, people, ib_other):
    with pytest.raises(ValidationError):
        full_plan(stap4, people, signatories=[{"name": "X", "role": "ib", "user": ib_other}])


def test_only_teacher_or_ib_write_a_plan(stap4, people):
    with pytest.raises(PermissionDenied):
        plan_services.plan_create(stap4, by=people["smw"], agreements="x")


def test_a_plan_belongs_to_stap_4_to_10(school, people, victim, bully):
    from tests.walk import new_case

    case = new_case(school, people["teacher5"], victim, bully)

    with pytest.raises(ValidationError):
        plan_services.plan_create(case, by=people["teacher5"], agreements="x")


def test_signing_records_png_name_role_and_time(stap4, people):
    plan = full_plan(stap4, people)
    signatory = plan.signatories.get(user=people["teacher5"])

    plan_services.plan_sign(signatory, by=people["teacher5"], signature=draw_signature("Anna"))

    signatory.refresh_from_db()
    assert signatory.signed_at is not None
    assert signatory.method == PlanSignatory.Method.SCREEN
    assert signatory.signature.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "Anna" not in signatory.signature.name


def test_staff_sign_only_for_themselves(stap4, people):
    plan = full_plan(stap4, people)
    signatory = plan.signatories.get(user=people["teacher5"])

    with pytest.raises(PermissionDenied):
        plan_services.plan_sign(signatory, by=people["ib"], signature=draw_signature("x"))

    signatory.refresh_from_db()
    assert signatory.signed_at is None


def test_a_parent_signs_on_the_screen_of_the_teacher_not_the_smw(stap4, people):
    plan = full_plan(stap4, people)
    parent = plan.signatories.filter(guardian__isnull=False).first()

    with pytest.raises(PermissionDenied):
        plan_services.plan_sign(parent, by=people["smw"], signature=draw_signature("x"))
    plan_services.plan_sign(parent, by=people["teacher5"], signature=draw_signature("x"))

    parent.refresh_from_db()
    assert parent.recorded_by == people["teacher5"]


@pytest.mark.parametrize(
    "data",
    [b"", b"GIF89a not a png", b"\x89PNG\r\n\x1a\n broken"],
    ids=["empty", "not-png", "broken-png"],
)
def test_a_signature_must_be_a_real_png(stap4, people, data):
    plan = full_plan(stap4, people)
    signatory = plan.signatories.get(user=people["teacher5"])

    with pytest.raises(ValidationError):
        plan_services.plan_sign(signatory, by=people["teacher5"], signature=data)


def test_an_empty_drawing_is_refused(stap4, people):
    import io

    from PIL import Image

    blank = io.BytesIO()
    Image.new("RGBA", (300, 100), (255, 255, 255, 0)).save(blank, format="PNG")
    plan = full_plan(stap4, people)

    with pytest.raises(ValidationError):
        plan_services.plan_sign(
            plan.signatories.get(user=people["teacher5"]),
            by=people["teacher5"],
            signature=blank.getvalue(),
        )


def test_the_plan_locks_when_the_last_signature_is_in(stap4, people):
    plan = full_plan(stap4, people)
    *first, last = list(plan.signatories.all())
    for signatory in first:
        plan_services.plan_sign(
            signatory, by=signatory.user or people["teacher5"], signature=draw_signature("x")
        )
    plan.refresh_from_db()
    assert plan.locked_at is None

    plan_services.plan_sign(last, by=last.user or people["teacher5"], signature=draw_signature("x"))

    plan.refresh_from_db()
    assert plan.locked_at is not None


def test_a_locked_plan_refuses_edits(stap4, people):
    plan = sign_all(full_plan(stap4, people), people)

    with pytest.raises(PlanLocked):
        plan_services.plan_update(plan, by=people["ib"], agreements="Anders.")
    plan.agreements = "Stiekem anders."
    with pytest.raises(PlanLocked):
        plan.save()
    agreement = plan.party_agreements.first()
    agreement.text = "Stiekem anders."
    with pytest.raises(PlanLocked):
        agreement.save()
    with pytest.raises(PlanLocked):
        PlanAgreement.objects.get(pk=agreement.pk).delete()

    plan.refresh_from_db()
    assert plan.agreements == "Niemand wordt buitengesloten of uitgelachen."


def test_a_draft_nobody_signed_can_change_in_place(stap4, people):
    plan = full_plan(stap4, people)

    plan_services.plan_update(
        plan, by=people["ib"], agreements="Nieuw.", registration="In de casus."
    )

    plan.refresh_from_db()
    assert (plan.version, plan.agreements) == (1, "Nieuw.")
    assert stap4.plans.count() == 1


def test_a_signed_draft_cannot_change_in_place(stap4, people):
    plan = full_plan(stap4, people)
    plan_services.plan_sign(
        plan.signatories.get(user=people["ib"]), by=people["ib"], signature=draw_signature("x")
    )

    with pytest.raises(PlanLocked):
        plan_services.plan_update(plan, by=people["ib"], agreements="Nieuw.")


def test_a_new_version_needs_new_signatures_and_old_ones_stay(stap4, people):
    first = sign_all(full_plan(stap4, people), people)

    second = full_plan(stap4, people, agreements="Ook in de gymzaal.")

    assert second.version == 2
    assert second.locked_at is None
    assert not second.signatories.filter(signed_at__isnull=False).exists()
    assert first.signatories.filter(signed_at__isnull=False).count() == first.signatories.count()
    assert services.transition_check(stap4, "start_coaching", people["ib"])  # v2 unsigned
    sign_all(second, people)
    assert services.transition_check(stap4, "start_coaching", people["ib"]) == []


def test_an_older_version_cannot_be_signed(stap4, people):
    first = full_plan(stap4, people)
    full_plan(stap4, people, agreements="Versie 2.")

    with pytest.raises(ValidationError):
        plan_services.plan_sign(
            first.signatories.get(user=people["ib"]), by=people["ib"], signature=draw_signature("x")
        )


def test_locking_files_the_pdf_once_with_its_sha256(stap4, people):
    plan = sign_all(full_plan(stap4, people), people)

    document = PlanDocument.objects.get(plan=plan)
    with document.file.open("rb") as stored:
        data = stored.read()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == document.sha256
    assert document.size == len(data)
    assert "Vries" not in document.file.name
    assert "Jansen" not in document.file.name


def test_locking_adds_an_entry_to_every_pupils_dossier(stap4, people, follower):
    services.case_add_pupil(stap4, follower, "follower", by=people["teacher5"])
    plan = sign_all(full_plan(stap4, people), people)

    entries = DossierEntry.objects.filter(plan=plan, kind=DossierEntry.Kind.PLAN)
    assert sorted(e.pupil_id for e in entries) == sorted(
        stap4.case_pupils.values_list("pupil_id", flat=True)
    )
    # The hash stays with the file (plan page, PDF download), not in the dossier text.
    assert plan.document.sha256 not in entries.first().text
    assert f"versie {plan.version}" in entries.first().text


def test_the_plan_entry_is_by_who_drew_up_the_plan(stap4, people):
    # The IB drew it up; the teacher enters the parents' signatures, the last one too.
    plan = sign_all(full_plan(stap4, people), people)

    entries = DossierEntry.objects.filter(plan=plan, kind=DossierEntry.Kind.PLAN)
    assert plan.signatories.order_by("-signed_at").first().recorded_by == people["teacher5"]
    assert {e.created_by for e in entries} == {people["ib"]}


def test_locking_applies_the_coaches_to_the_case(stap4, people):
    sign_all(full_plan(stap4, people), people)

    stap4.refresh_from_db()
    assert (stap4.coach_bully, stap4.coach_victim) == (people["ib"], people["teacher5"])


def test_a_coach_the_signed_plan_names_cannot_be_changed_on_the_case(stap4, people):
    sign_all(full_plan(stap4, people), people)
    services.case_transition(stap4, "start_coaching", by=people["ib"])

    with pytest.raises(ValidationError) as error:
        services.case_assign_coaches(
            stap4, by=people["ib"], bully=people["teacher5"], victim=people["teacher5"]
        )

    assert "nieuwe versie" in str(error.value)


def test_a_coach_the_plan_leaves_open_is_named_in_stap_5(stap4, people):
    sign_all(full_plan(stap4, people, coach_bully=None, coach_victim=None), people)
    services.case_transition(stap4, "start_coaching", by=people["ib"])

    services.case_assign_coaches(stap4, by=people["ib"], bully=people["ib"], victim=people["ib"])

    stap4.refresh_from_db()
    assert stap4.coach_bully == people["ib"]


def test_the_planning_becomes_the_cases_planned_talks(stap4, people):
    plan = sign_all(full_plan(stap4, people), people)

    planned = {
        (t.kind, t.planned_on) for t in Talk.objects.filter(case=stap4, planned_on__isnull=False)
    }
    assert planned == {(t.kind, t.planned_on) for t in plan.talks.all()}


def test_a_new_version_moves_planned_talks_and_drops_unheld_ones(stap4, people):
    first = sign_all(full_plan(stap4, people), people)
    bully_talk = first.talks.get(kind=TalkKind.BULLY).talk
    new_talks = [
        {"kind": t.kind, "planned_on": t.planned_on.replace(day=20), "participants": ""}
        for t in first.talks.exclude(kind=TalkKind.EVALUATION)
    ]

    sign_all(full_plan(stap4, people, talks=new_talks), people)

    bully_talk.refresh_from_db()
    assert bully_talk.planned_on.day == 20
    assert not Talk.objects.filter(case=stap4, kind=TalkKind.EVALUATION).exists()
    assert Talk.objects.filter(case=stap4, planned_on__isnull=False).count() == len(new_talks)


def test_the_planned_closing_talk_does_not_block_stap_9(stap4, people):
    sign_all(full_plan(stap4, people, talks=[], coach_bully=None, coach_victim=None), people)
    services.talk_plan(stap4, TalkKind.CLOSING, stap4.signal_date, by=people["teacher5"])

    walk_on(stap4, State.CLOSING, people)

    assert stap4.state == State.CLOSING


def test_closing_entry_refers_to_the_latest_locked_plan(stap4, people):
    signed = sign_all(
        full_plan(stap4, people, talks=[], coach_bully=None, coach_victim=None), people
    )
    walk_on(stap4, State.CLOSING, people)
    full_plan(stap4, people, talks=[], coach_bully=None, agreements="Nog een versie, ongetekend.")
    satisfy(stap4, "close", people)

    services.case_transition(stap4, "close", by=people["teacher5"])

    closing = DossierEntry.objects.filter(case=stap4, kind=DossierEntry.Kind.CLOSING)
    assert closing.exists()
    assert {e.plan_id for e in closing} == {signed.pk}


def test_paper_signatures_from_a_scan_lock_the_plan(stap4, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    plan = full_plan(stap4, people)
    scan = SimpleUploadedFile("getekend.pdf", b"%PDF-1.7 scan", content_type="application/pdf")

    plan_services.plan_sign_paper(
        plan, by=people["teacher5"], upload=scan, signatories=plan.signatories.all()
    )

    plan.refresh_from_db()
    assert plan.locked_at is not None
    assert set(plan.signatories.values_list("method", flat=True)) == {"paper"}
    assert plan.scans.get().sha256 == hashlib.sha256(b"%PDF-1.7 scan").hexdigest()


def test_database_refuses_a_signature_without_evidence(stap4, people):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    plan = full_plan(stap4, people)

    with pytest.raises(IntegrityError), transaction.atomic():
        PlanSignatory.objects.filter(plan=plan).update(signed_at=timezone.now())


def test_only_one_stored_pdf_per_plan(stap4, people):
    from django.db import IntegrityError, transaction

    plan = sign_all(full_plan(stap4, people), people)

    with pytest.raises(IntegrityError), transaction.atomic():
        PlanDocument.objects.create(plan=plan, file="x", size=1, sha256="0" * 64)
    assert ActionPlan.objects.get(pk=plan.pk).document.sha256 != "0" * 64
