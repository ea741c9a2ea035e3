"""Stap 2 is confirmed in plain words before it fires, with the remark before the button."""

import pytest
from django.urls import reverse

from cases.models import State
from tests.walk import new_case, walk


@pytest.fixture
def case(school, people, victim, bully):
    return walk(new_case(school, people["teacher5"], victim, bully), State.ASSESSMENT, people)


def confirm_url(case, name):
    return reverse("cases:confirm", args=[case.pk, name])


@pytest.mark.django_db
def test_the_case_page_links_to_the_confirmation_instead_of_firing(client, people, case):
    client.force_login(people["teacher5"])

    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()

    for name in ("classify_no_bullying", "classify_one_off", "classify_repeated"):
        assert f'href="{confirm_url(case, name)}"' in html
        assert f'formaction="{reverse("cases:fire", args=[case.pk, name])}"' not in html


@pytest.mark.django_db
def test_the_confirmation_says_what_happens_and_who_is_told(client, people, case):
    client.force_login(people["teacher5"])

    html = client.get(confirm_url(case, "classify_repeated")).content.decode()

    assert "stap 3" in html
    assert "schoolmaatschappelijk werker krijgen bericht" in html
    # The remark comes before the button that fires.
    assert html.index('name="remark"') < html.index("Ja, bevestig: Herhaald pesten")
    case.refresh_from_db()
    assert case.state == State.ASSESSMENT


@pytest.mark.django_db
def test_confirming_fires_with_the_remark(client, people, case):
    client.force_login(people["teacher5"])

    response = client.post(
        reverse("cases:fire", args=[case.pk, "classify_one_off"]), {"remark": "Eerste keer."}
    )

    case.refresh_from_db()
    assert response.status_code == 302
    assert case.state == State.ONE_OFF
    assert case.state_changes.order_by("-pk").first().remark == "Eerste keer."


@pytest.mark.django_db
def test_the_director_is_sent_back_with_the_reason(client, people, case):
    client.force_login(people["director"])

    response = client.get(confirm_url(case, "classify_one_off"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[case.pk])
    assert "Dat kan nu niet" in response.content.decode()


@pytest.mark.django_db
def test_a_teacher_of_another_class_gets_404(client, people, case):
    client.force_login(people["teacher7"])

    assert client.get(confirm_url(case, "classify_one_off")).status_code == 404


@pytest.mark.django_db
def test_an_unknown_transition_is_404(client, people, case):
    client.force_login(people["teacher5"])

    assert client.get(confirm_url(case, "nonsense")).status_code == 404


@pytest.mark.django_db
def test_a_choice_made_meanwhile_sends_back_with_the_reason(client, people, case):
    from cases import services

    services.case_transition(case, "classify_no_bullying", by=people["ib"])
    client.force_login(people["teacher5"])

    response = client.get(confirm_url(case, "classify_one_off"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[case.pk])
    assert "Dat kan nu niet" in response.content.decode()


@pytest.mark.django_db
def test_confirming_needs_a_get_and_firing_a_post(client, people, case):
    client.force_login(people["teacher5"])

    assert client.post(confirm_url(case, "classify_one_off")).status_code == 405
    assert client.get(reverse("cases:fire", args=[case.pk, "classify_one_off"])).status_code == 405
