"""The anti-pestcoördinator: sees the school's cases like the director, acts on none of them,
and is the named contact for parents on what they get on paper."""

from django.contrib.auth.models import User
from django.urls import reverse

from cases import printables
from cases.access import can_see_case, visible_cases
from cases.models import Case
from dossier.export import dossier_context
from plans.documents import plan_context
from plans.models import ActionPlan
from schools.models import Role, School


def test_the_coordinator_sees_every_case_of_their_school_only(seeded):
    coordinator = User.objects.get(username="coordinator")
    school = School.objects.get(name="OBS De Regenboog")

    assert set(visible_cases(coordinator)) == set(Case.objects.filter(school=school))
    assert not can_see_case(coordinator, Case.objects.exclude(school=school).first())


def test_the_coordinator_is_the_parents_contact_on_the_plan(seeded):
    plan = ActionPlan.objects.filter(case__school__name="OBS De Regenboog").first()

    staff = plan_context(plan, signature_src=lambda s: "")["staff"]

    assert {
        "role": "anti-pestcoördinator (aanspreekpunt voor ouders)",
        "name": "Nadia El Idrissi",
    } in [{"role": str(s["role"]), "name": s["name"]} for s in staff]


def test_no_coordinator_no_contact_line(seeded):
    plan = ActionPlan.objects.filter(case__school__name="CBS Het Kompas").first()

    roles = [str(s["role"]) for s in plan_context(plan, signature_src=lambda s: "")["staff"]]

    assert not [role for role in roles if "anti-pest" in role]


def test_the_coordinator_is_named_in_the_parents_dossier_export(seeded):
    case = Case.objects.filter(school__name="OBS De Regenboog", state="closed").first()
    pupil = case.pupils.first()

    assert dossier_context(pupil, school=case.school)["contacts"] == ["Nadia El Idrissi"]


def test_a_deactivated_coordinator_is_no_contact(seeded):
    User.objects.filter(username="coordinator").update(is_active=False)

    assert School.objects.get(name="OBS De Regenboog").contact_names() == []


def test_the_coordinator_may_not_fire_a_transition(seeded, client):
    coordinator = User.objects.get(username="coordinator")
    case = Case.objects.filter(school__name="OBS De Regenboog", state="signaled").first()
    client.force_login(coordinator)

    client.post(reverse("cases:fire", args=[case.pk, "start_victim_talk"]))

    case.refresh_from_db()
    assert case.state == "signaled"
    assert coordinator.memberships.get().role == Role.COORDINATOR


def test_the_coordinator_is_named_on_the_digital_bullying_leaflet(seeded, monkeypatch):
    case = Case.objects.filter(school__name="OBS De Regenboog").first()
    html = []
    monkeypatch.setattr(printables, "render_pdf", lambda text, **kw: html.append(text) or b"")

    printables.render("digitaal-pesten", case)

    assert "Nadia El Idrissi" in html[0]
