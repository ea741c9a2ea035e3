"""Issue 15, point 7: messages read as sentences, an error shows once, a stap says what it is."""

import pytest
from django.urls import reverse

from cases.models import State
from cases.talks import TalkKind
from noblame.models import TrajectState
from noblame.views import STATE_REACHED
from tests.walk import answers, new_case, walk


def test_every_no_blame_phase_has_a_sentence_after_a_step():
    assert set(STATE_REACHED) == set(TrajectState.values)
    for state, text in STATE_REACHED.items():
        assert str(text).endswith("."), state
        assert str(text) != TrajectState(state).label


@pytest.mark.django_db
def test_stap_2_1_says_it_is_solved_only_once_the_outcome_is_noted(school, people, victim, bully):
    from cases import services

    case = walk(new_case(school, people["teacher5"], victim, bully), State.RESOLVED_OTHER, people)
    assert case.stap_label == "Stap 2.1: geen pesten, nog op te lossen"

    services.case_note_outcome(case, "Samen uitgepraat.", by=people["teacher5"])

    assert case.stap_label == "Stap 2.1: geen pesten, opgelost"


@pytest.mark.django_db
def test_a_refused_talk_shows_its_reason_once(client, school, people, victim, bully):
    case = walk(new_case(school, people["teacher5"], victim, bully), State.ASSESSMENT, people)
    client.force_login(people["teacher5"])
    data = {f"q_{k}": v for k, v in answers(TalkKind.BULLY).items()}
    data["held_on"] = case.signal_date.isoformat()

    # The stap 6 talk with the bully does not fit stap 2: the service says no.
    response = client.post(reverse("cases:talk", args=[case.pk, TalkKind.BULLY]), data)

    html = response.content.decode()
    assert response.status_code == 200
    errors = html.count('class="alert alert-danger" role="alert"')
    assert errors == 1


@pytest.mark.django_db
def test_a_missing_page_is_the_dutch_404_also_in_development(client, settings, people):
    settings.DEBUG = True
    client.force_login(people["teacher5"])

    response = client.get("/bestaat-niet/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "Deze pagina is er niet" in html
    assert "URLconf" not in html


@pytest.mark.django_db
def test_a_superuser_debugging_gets_the_debug_page(client, settings, django_user_model):
    settings.DEBUG = True
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.nl", "x"))

    response = client.get("/bestaat-niet/")

    assert response.status_code == 404
    assert "URLconf" in response.content.decode()


def test_an_empty_choice_reads_as_a_dutch_prompt():
    from django import forms

    from schools.models import SchoolClass

    class Form(forms.Form):
        school_class = forms.ModelChoiceField(queryset=SchoolClass.objects.none())
        kind = forms.ChoiceField(choices=[("", "---------"), ("a", "A")])

    html = str(Form())

    assert "---------" not in html
    assert html.count(">Kies…</option>") == 2
