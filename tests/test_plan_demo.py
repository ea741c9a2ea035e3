"""Demo data: a closed case that went through stap 4–10 with its plan signed on screen and filed."""

import hashlib

from cases.models import Case, State
from dossier.models import DossierEntry


def test_a_closed_demo_case_has_its_plan_signed_on_screen_and_filed(seeded):
    case = Case.objects.filter(state=State.CLOSED, plans__locked_at__isnull=False).first()
    plan = case.plans.get(locked_at__isnull=False)

    assert case.state_changes.filter(transition="start_closing").exists()
    assert set(plan.signatories.values_list("method", flat=True)) == {"screen"}
    assert plan.signatories.filter(guardian__isnull=False).exists()
    with plan.document.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == plan.document.sha256
    for kind in (DossierEntry.Kind.PLAN, DossierEntry.Kind.CLOSING):
        entries = DossierEntry.objects.filter(case=case, plan=plan, kind=kind)
        assert {e.pupil_id for e in entries} == set(case.pupils.values_list("pk", flat=True))


def test_demo_plans_name_the_coaches_of_their_cases(seeded):
    for case in Case.objects.filter(plans__locked_at__isnull=False).distinct():
        plan = case.plans.filter(locked_at__isnull=False).order_by("-version").first()
        assert (case.coach_bully_id, case.coach_victim_id) == (
            plan.coach_bully_id,
            plan.coach_victim_id,
        )
