"""The plan van aanpak as PDF: what it says, its signatures, its pages, its stored file."""

import hashlib
import io

import pypdf
import pytest

from plans.documents import render_plan_pdf
from tests.plan_helpers import case_in_stap4, full_plan, sign_all


@pytest.fixture
def signed(school, people, victim, bully):
    case = case_in_stap4(school, people, victim, bully)
    return sign_all(full_plan(case, people), people)


def pdf_of(plan):
    with plan.document.file.open("rb") as stored:
        return pypdf.PdfReader(io.BytesIO(stored.read()))


def text_of(reader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_pdf_names_school_case_parties_and_version(signed):
    text = text_of(pdf_of(signed))

    assert signed.case.school.name.upper() in text.upper()
    assert f"casus {signed.case.reference}" in text
    assert "versie 1" in text
    for name in ("Sanne de Vries", "Daan Jansen", "Ouder de Vries", "Anna de Boer"):
        assert name in text


def test_pdf_holds_the_agreements_planning_coaches_and_activities(signed):
    text = text_of(pdf_of(signed))

    assert "Daan laat Sanne met rust op het plein." in text
    assert "De groep maakt drie pleinafspraken." in text
    for talk in signed.talks.all():
        assert str(talk.get_kind_display()) in text
        assert talk.participants in text
    assert "4 maart 2027" in text  # the first planned talk, written the Dutch way
    assert "Ingrid Bakker" in text  # coach of the bully
    assert "Een maatje voor de grote pauze." in text


def test_pdf_carries_one_signature_image_per_signatory(signed):
    reader = pdf_of(signed)

    # WeasyPrint shares one resource list between pages: count distinct images.
    images = {
        hashlib.sha256(image.data).hexdigest() for page in reader.pages for image in page.images
    }
    assert len(images) == signed.signatories.count()


def test_pdf_signature_block_has_name_role_and_time(signed):
    text = text_of(pdf_of(signed))

    for signatory in signed.signatories.all():
        assert signatory.name in text
        assert signatory.role in text
    assert "Getekend op" in text
    assert "op het scherm" in text


def test_pdf_has_page_numbers_pagina_x_van_y(signed):
    reader = pdf_of(signed)
    total = len(reader.pages)

    for number, page in enumerate(reader.pages, start=1):
        assert f"pagina {number} van {total}" in page.extract_text()


def test_pdf_is_a4(signed):
    box = pdf_of(signed).pages[0].mediabox

    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_diacritics_come_through(school, people, victim, bully):
    victim.first_name, victim.last_name = "Zoë", "Çelik"
    victim.save()
    case = case_in_stap4(school, people, victim, bully)
    plan = full_plan(case, people, activities_other="Wójcik en Şahin lezen samen; daarná ook Noël.")

    text = text_of(pypdf.PdfReader(io.BytesIO(render_plan_pdf(plan))))

    assert "Zoë Çelik" in text
    assert "Wójcik en Şahin lezen samen; daarná ook Noël." in text


def test_stored_file_still_matches_its_sha256(signed):
    document = signed.document
    with document.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == document.sha256


def test_a_draft_pdf_says_it_is_a_concept(school, people, victim, bully):
    case = case_in_stap4(school, people, victim, bully)
    plan = full_plan(case, people)

    text = text_of(pypdf.PdfReader(io.BytesIO(render_plan_pdf(plan))))

    assert "Concept: nog niet door iedereen getekend" in text
    assert "Datum:" in text  # an empty line to sign on paper


def test_file_name_carries_no_pupil_names(signed):
    name = signed.pdf_filename()

    assert name == f"plan-van-aanpak-{signed.case.reference}-v1.pdf"
