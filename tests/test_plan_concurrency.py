"""Two signatures at the same moment: both are kept and the plan is locked and filed once."""

import pytest

from demo.plans import draw_signature
from dossier.models import DossierEntry
from plans import services as plan_services
from plans.models import PlanDocument, PlanSignatory
from tests.plan_helpers import case_in_stap4, full_plan
from tests.test_concurrency import run_together


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_last_two_signatures_at_once_lock_the_plan_once(school, people, victim, bully):
    case = case_in_stap4(school, people, victim, bully)
    plan = full_plan(case, people)
    *first, one, two = list(plan.signatories.all())
    for signatory in first:
        plan_services.plan_sign(
            signatory, by=signatory.user or people["teacher5"], signature=draw_signature("x")
        )

    def sign(signatory):
        return lambda: plan_services.plan_sign(
            PlanSignatory.objects.get(pk=signatory.pk),
            by=signatory.user or people["teacher5"],
            signature=draw_signature(signatory.name),
        )

    results = run_together(sign(one), sign(two))

    assert not [r for r in results if isinstance(r, Exception)]
    plan.refresh_from_db()
    assert plan.locked_at is not None
    assert not plan.signatories.filter(signed_at__isnull=True).exists()
    assert PlanDocument.objects.filter(plan=plan).count() == 1
    assert DossierEntry.objects.filter(plan=plan, kind="plan").count() == case.pupils.count()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_signature_twice_at_once_is_kept_once(school, people, victim, bully):
    case = case_in_stap4(school, people, victim, bully)
    plan = full_plan(case, people)
    parent = plan.signatories.filter(guardian__isnull=False).first()

    def sign():
        return plan_services.plan_sign(
            PlanSignatory.objects.get(pk=parent.pk),
            by=people["teacher5"],
            signature=draw_signature(parent.name),
        )

    results = run_together(sign, sign)

    assert sum(isinstance(r, Exception) for r in results) == 1
    parent.refresh_from_db()
    assert parent.signed_at is not None
