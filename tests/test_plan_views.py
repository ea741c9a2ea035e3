"""The plan van aanpak pages: writing, signing on screen, uploading a scan, downloading."""

import base64
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demo.plans import draw_signature
from plans.models import ActionPlan, PlanSignatory
from tests.plan_helpers import case_in_stap4, full_plan, sign_all

PASSWORD = "a-long-test-pass"  # tests.conftest.make_user


@pytest.fixture
def stap4(school, people, victim, bully):
    return case_in_stap4(school, people, victim, bully)


@pytest.fixture
def plan(stap4, people):
    return full_plan(stap4, people)


def data_url(name="Anna"):
    return "data:image/png;base64," + base64.b64encode(draw_signature(name)).decode()


def plan_form_data(case, **extra):
    from plans.content import signatory_candidates

    data = {
        "agreements": "Samen zorgen we voor een veilige groep.",
        "party_0": "Sanne meldt het meteen.",
        "registration": "In de casus.",
        "signatories": [c.key for c in signatory_candidates(case) if c.default],
        "activities": ["books"],
        "talks-TOTAL_FORMS": "2",
        "talks-INITIAL_FORMS": "0",
        "talks-0-planned_on": "2027-03-04",
        "talks-0-kind": "bully",
        "talks-0-participants": "leerkracht en Daan",
        "talks-1-planned_on": "",
        "talks-1-kind": "bully",
        "talks-1-participants": "",
    }
    data.update(extra)
    return data


def test_case_page_offers_to_write_the_plan(client, stap4, people):
    client.force_login(people["teacher5"])

    html = client.get(reverse("cases:detail", args=[stap4.pk])).content.decode()

    assert reverse("plans:edit", args=[stap4.pk]) in html
    assert "Plan van aanpak opstellen" in html


def test_plan_form_proposes_the_planning_of_stap_6_to_10(client, stap4, people):
    client.force_login(people["teacher5"])

    html = client.get(reverse("plans:edit", args=[stap4.pk])).content.decode()

    assert "Stap 6: gesprek met de pester" in html
    assert "Stap 10: afsluitend gesprek" in html
    assert "Ouders/verzorgers van Sanne" in html


def test_writing_a_plan_saves_version_1(client, stap4, people):
    client.force_login(people["teacher5"])

    response = client.post(reverse("plans:edit", args=[stap4.pk]), plan_form_data(stap4))

    plan = ActionPlan.objects.get(case=stap4)
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:detail", args=[plan.pk])
    assert list(plan.talks.values_list("kind", "participants")) == [("bully", "leerkracht en Daan")]
    assert plan.party_agreements.get().text == "Sanne meldt het meteen."
    assert plan.signatories.count() == 4


def test_bad_plan_form_says_so_in_dutch_and_saves_nothing(client, stap4, people):
    client.force_login(people["teacher5"])
    data = plan_form_data(stap4, signatories=[], **{"talks-0-planned_on": "morgen"})

    response = client.post(reverse("plans:edit", args=[stap4.pk]), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Kies wie het plan ondertekenen." in html
    assert "Samen zorgen we voor een veilige groep." in html  # what was typed is kept
    assert not ActionPlan.objects.filter(case=stap4).exists()


def test_changing_a_signed_plan_makes_version_2(client, stap4, people, plan):
    sign_all(plan, people)
    client.force_login(people["ib"])

    client.post(reverse("plans:edit", args=[stap4.pk]), plan_form_data(stap4))

    assert list(stap4.plans.values_list("version", flat=True)) == [1, 2]


@pytest.mark.parametrize(("who", "status"), [("teacher7", 404), ("ib_other", 404), ("smw", 403)])
def test_plan_form_refused_to_others(client, stap4, people, who, status):
    client.force_login(people[who])

    response = client.get(reverse("plans:edit", args=[stap4.pk]))

    assert response.status_code == status


def sign_url(plan, signatory):
    return reverse("plans:sign", args=[plan.pk, signatory.pk])


def test_staff_signature_needs_the_right_password(client, plan, people):
    signatory = plan.signatories.get(user=people["teacher5"])
    client.force_login(people["teacher5"])

    response = client.post(
        sign_url(plan, signatory), {"signature": data_url(), "password": "verkeerd"}
    )

    assert "Dit wachtwoord klopt niet. Er is niets getekend." in response.content.decode()
    signatory.refresh_from_db()
    assert signatory.signed_at is None


def test_staff_signs_after_confirming_the_password(client, plan, people):
    signatory = plan.signatories.get(user=people["teacher5"])
    client.force_login(people["teacher5"])

    response = client.post(
        sign_url(plan, signatory), {"signature": data_url(), "password": PASSWORD}
    )

    assert response.status_code == 302
    signatory.refresh_from_db()
    assert signatory.method == PlanSignatory.Method.SCREEN


def test_a_parent_signs_on_the_teachers_screen_without_password(client, plan, people):
    parent = plan.signatories.filter(guardian__isnull=False).first()
    client.force_login(people["teacher5"])

    client.post(sign_url(plan, parent), {"signature": data_url("Ouder")})

    parent.refresh_from_db()
    assert parent.signed_at is not None
    assert parent.recorded_by == people["teacher5"]


def test_an_empty_signature_is_refused_in_dutch(client, plan, people):
    parent = plan.signatories.filter(guardian__isnull=False).first()
    client.force_login(people["teacher5"])

    response = client.post(sign_url(plan, parent), {"signature": ""})

    assert "Zet eerst een handtekening in het vak." in response.content.decode()
    parent.refresh_from_db()
    assert parent.signed_at is None


def test_nobody_signs_for_a_colleague(client, plan, people):
    signatory = plan.signatories.get(user=people["ib"])
    client.force_login(people["teacher5"])

    response = client.post(
        sign_url(plan, signatory), {"signature": data_url(), "password": PASSWORD}
    )

    assert response.status_code == 302
    signatory.refresh_from_db()
    assert signatory.signed_at is None


def test_sign_page_loads_the_pad_from_the_project_without_inline_script(client, plan, people):
    parent = plan.signatories.filter(guardian__isnull=False).first()
    client.force_login(people["teacher5"])

    html = client.get(sign_url(plan, parent)).content.decode()

    assert "/static/vendor/signature_pad/signature_pad.umd.min.js" in html
    assert "/static/js/plan_sign.js" in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


def scan_post(client, plan, content, name="getekend.pdf"):
    return client.post(
        reverse("plans:scan", args=[plan.pk]),
        {
            "scan": SimpleUploadedFile(name, content),
            "signatories": [str(s.pk) for s in plan.signatories.all()],
            "confirm": "on",
        },
    )


def test_uploading_a_scan_signs_and_locks(client, plan, people):
    client.force_login(people["teacher5"])

    response = scan_post(client, plan, b"%PDF-1.4 getekend")

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.locked_at is not None
    assert plan.scans.count() == 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ not a pdf", "getekend.pdf", "is geen echt PDF-bestand"),
        (b"PK\x03\x04 word", "getekend.docx", "kan alleen een PDF-, JPEG- of PNG-bestand zijn"),
        (b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), "getekend.jpg", "groter dan 10 MB"),
    ],
    ids=["wrong-content", "word-document", "too-big"],
)
def test_a_bad_scan_is_refused_in_dutch(client, plan, people, content, name, message):
    client.force_login(people["teacher5"])

    response = scan_post(client, plan, content, name)

    assert message in response.content.decode()
    assert not plan.scans.exists()
    assert not plan.signatories.filter(signed_at__isnull=False).exists()


def test_pdf_download_is_the_stored_file_as_attachment(client, plan, people):
    sign_all(plan, people)
    client.force_login(people["teacher5"])

    response = client.get(reverse("plans:pdf", args=[plan.pk]))

    assert response["Content-Disposition"] == (
        f'attachment; filename="plan-van-aanpak-{plan.case.reference}-v1.pdf"'
    )
    with plan.document.file.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()


def test_a_draft_downloads_as_concept(client, plan, people):
    client.force_login(people["ib"])

    response = client.get(reverse("plans:pdf", args=[plan.pk]))

    assert response.content.startswith(b"%PDF")
    assert "-concept.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize("who", ["teacher7", "ib_other", "inactive_ib"])
@pytest.mark.parametrize("view", ["plans:detail", "plans:pdf", "plans:print"])
def test_plan_pages_are_refused_to_who_may_not_see_the_case(client, plan, people, who, view):
    sign_all(plan, people)
    client.force_login(people[who])

    response = client.get(reverse(view, args=[plan.pk]))

    assert response.status_code in (404, 302)  # an inactive account is logged out
    assert not response.get("Content-Disposition")


def test_signature_image_only_for_who_may_see_the_case(client, plan, people):
    sign_all(plan, people)
    signatory = plan.signatories.first()
    url = reverse("plans:signature", args=[signatory.pk])

    client.force_login(people["teacher7"])
    assert client.get(url).status_code == 404
    client.force_login(people["director"])
    response = client.get(url)
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_scan_download_refused_to_another_school(client, plan, people):
    client.force_login(people["teacher5"])
    scan_post(client, plan, b"%PDF-1.4 getekend")
    scan = plan.scans.get()

    client.force_login(people["ib_other"])
    assert client.get(reverse("plans:scan_file", args=[scan.pk])).status_code == 404


def test_print_view_for_parents(client, plan, people):
    sign_all(plan, people)
    client.force_login(people["teacher5"])

    html = client.get(reverse("plans:print", args=[plan.pk])).content.decode()

    assert "Afdrukken" in html
    assert "Daan laat Sanne met rust op het plein." in html
    assert reverse("plans:signature", args=[plan.signatories.first().pk]) in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


def test_downloads_are_get_only(client, plan, people):
    client.force_login(people["teacher5"])

    assert client.post(reverse("plans:pdf", args=[plan.pk])).status_code == 405


def test_panel_shows_who_signed_and_who_not(client, stap4, plan, people):
    teacher = plan.signatories.get(user=people["teacher5"])
    from plans import services

    services.plan_sign(teacher, by=people["teacher5"], signature=draw_signature("Anna"))
    client.force_login(people["ib"])

    html = client.get(reverse("cases:detail", args=[stap4.pk])).content.decode()

    assert "getekend" in html
    assert "nog niet getekend" in html
    assert reverse("plans:sign", args=[plan.pk, plan.signatories.get(user=people["ib"]).pk]) in html
