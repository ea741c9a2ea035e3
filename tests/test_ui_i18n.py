"""Dutch by default, English through the switch: the compiled catalogue covers the UI texts."""

import pytest
from django.urls import reverse
from django.utils import translation

from cases.guidance import DECISION_AID, TALK_GUIDANCE
from cases.models import Place, State
from cases.steps import STATE_HELP, TRANSITION_LABELS
from cases.talks import QUESTIONS

TEXTS = [
    *STATE_HELP.values(),
    *TRANSITION_LABELS.values(),
    *State.labels,
    *Place.labels,
    *(
        line
        for g in TALK_GUIDANCE.values()
        for part in (g.opening, g.ask, g.avoid)
        for line in part
    ),
    *(title for title, _points in DECISION_AID),
    *(q.label for questions in QUESTIONS.values() for q in questions),
]


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_every_ui_text_has_an_english_translation(text):
    dutch = str(text)
    with translation.override("en"):
        english = str(text)

    assert english != dutch or dutch in {"online", "No Blame"}


def test_the_pages_switch_to_english_and_back(client, teacher5):
    client.force_login(teacher5)

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("cases:start")).content.decode()
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    dutch = client.get(reverse("cases:start")).content.decode()

    assert "New signal" in english
    assert "Nederlands" in english
    assert "Nieuwe melding" in dutch
    assert "English" in dutch
