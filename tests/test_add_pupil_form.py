"""The form to add a pupil to a case lists the school's pupils: the case page does not
render it, it is fetched when "Een leerling toevoegen" is opened (issue 11)."""

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from cases.models import CasePupil
from tests.conftest import make_pupil
from tests.walk import new_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(school, people, victim, bully):
    return new_case(school, people["teacher5"], victim, bully)


def test_the_case_page_links_the_form_and_lists_no_pupils(client, people, case, school, groep5):
    make_pupil(school, groep5, "Milan", "Yilmaz")
    client.force_login(people["ib"])

    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()

    assert reverse("cases:add_pupil", args=[case.pk]) in html
    assert "Milan Yilmaz" not in html


def test_opened_with_htmx_the_form_comes_as_a_fragment(client, people, case, school, groep5):
    make_pupil(school, groep5, "Milan", "Yilmaz")
    client.force_login(people["ib"])
    before = AccessRecord.objects.count()

    response = client.get(reverse("cases:add_pupil", args=[case.pk]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Milan Yilmaz" in html
    # Pupils already in the case are not offered again.
    bully = case.case_pupils.get(role=CasePupil.Role.BULLY).pupil
    assert f'value="{bully.pk}"' not in html
    assert AccessRecord.objects.count() == before + 1  # the read is logged


def test_without_javascript_the_form_is_a_page_of_its_own(client, people, case):
    client.force_login(people["teacher5"])

    html = client.get(reverse("cases:add_pupil", args=[case.pk])).content.decode()

    assert "<html" in html
    assert reverse("cases:detail", args=[case.pk]) in html


def test_who_may_not_add_a_pupil_gets_no_form(client, people, case):
    client.force_login(people["director"])
    assert client.get(reverse("cases:add_pupil", args=[case.pk])).status_code == 403
    client.force_login(people["teacher7"])
    assert client.get(reverse("cases:add_pupil", args=[case.pk])).status_code == 404


def test_adding_through_the_form_still_works(client, people, case, school, groep5):
    milan = make_pupil(school, groep5, "Milan", "Yilmaz")
    client.force_login(people["ib"])

    response = client.post(
        reverse("cases:add_pupil", args=[case.pk]),
        {"pupil": milan.pk, "role": CasePupil.Role.BYSTANDER},
    )

    assert response.status_code == 302
    assert case.case_pupils.filter(pupil=milan, role=CasePupil.Role.BYSTANDER).exists()
