"""Right of access: a pupil's dossier as a PDF for the parents, other pupils as letters."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cases import services
from cases.models import CasePupil, State
from cases.talks import TalkKind
from dossier import services as dossier_services
from dossier.export import Pseudonyms, dossier_context, render_dossier_pdf
from tests.conftest import make_pupil
from tests.walk import answers, new_case, walk

SECRET = "Thuis speelt een scheiding; niet met anderen delen."


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


@pytest.fixture
def case(school, people, victim, bully, follower):
    case = walk(
        new_case(school, people["teacher5"], victim, bully, (follower, CasePupil.Role.FOLLOWER)),
        State.ONE_OFF_REVIEW,
        people,
    )
    services.talk_record(
        case,
        TalkKind.OTHER,
        by=people["teacher5"],
        held_on=case.signal_date,
        answers=answers(
            TalkKind.OTHER, summary="Daan Jansen en Noah lachten Sanne uit; daan zei sorry."
        ),
        notes="Noah Bakker keek toe.",
        confidential_notes=SECRET,
        pupils=[victim, bully],
    )
    return case


def url(pupil):
    return reverse("dossier:export", args=[pupil.pk])


@pytest.mark.django_db
def test_pdf_names_the_pupil_and_hides_the_others(case, victim):
    text = pdf_text(render_dossier_pdf(victim))

    assert "Sanne de Vries" in text
    assert case.reference in text
    for name in ("Daan", "Jansen", "Noah", "Bakker"):
        assert name not in text
    assert "leerling A" in text
    assert "leerling B" in text


@pytest.mark.django_db
def test_confidential_notes_are_never_printed(case, victim, bully):
    for pupil in (victim, bully):
        assert "scheiding" not in pdf_text(render_dossier_pdf(pupil))


@pytest.mark.django_db
def test_the_same_pupil_keeps_the_same_letter(case, victim):
    context = dossier_context(victim)
    section = context["sections"][0]
    letters = {o["role"]: o["name"] for o in section["others"]}
    other_talk = next(t for t in section["talks"] if t["talk"].kind == TalkKind.OTHER)
    summary = other_talk["answers"][0]["answer"]

    assert letters == {"pester": "leerling A", "meeloper": "leerling B"}
    assert summary == "leerling A en leerling B lachten Sanne uit; leerling A zei sorry."
    assert other_talk["notes"] == "leerling B keek toe."
    assert "leerling A" in other_talk["present"]


def test_scrub_replaces_full_names_before_first_names():
    class P:
        def __init__(self, pk, first, last):
            self.pk, self.first_name, self.last_name = pk, first, last
            self.full_name = f"{first} {last}"

    names = Pseudonyms(P(1, "Eva", "Smit"))
    names.add(P(2, "Ali", "Bos"))
    names.add(P(3, "Bo", "Ali"))
    names.add(P(4, "Eva", "de Wit"))

    assert names.scrub("Ali  Bos, Bo Ali en Ali.") == "leerling A, leerling B en leerling A."
    # A first name the pupil shares with another stays; the full name does not.
    assert names.scrub("Eva en Eva de Wit; Alina") == "Eva en leerling C; Alina"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["ib", "director"])
def test_ib_and_director_download_it_without_a_name_in_the_file(
    client, people, case, victim, persona
):
    client.force_login(people[persona])

    response = client.get(url(victim))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="inzage-leerling-{victim.pk}.pdf"'
    assert "Sanne de Vries" in pdf_text(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["teacher5", "teacher7", "smw", "ib_other", "beheerder"])
def test_everyone_else_gets_404(client, people, case, victim, persona):
    client.force_login(people[persona])

    assert client.get(url(victim)).status_code == 404


@pytest.mark.django_db
def test_deactivated_ib_gets_no_pdf(client, people, victim):
    client.force_login(people["inactive_ib"])

    response = client.get(url(victim))

    assert response.status_code == 302
    assert response["Content-Type"] != "application/pdf"


@pytest.mark.django_db
def test_unknown_pupil_is_404(client, people):
    client.force_login(people["ib"])

    assert client.get(reverse("dossier:export", args=[99999])).status_code == 404


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, victim):
    response = client.get(url(victim))

    assert response.status_code == 302
    assert re.search(r"/login|inloggen", response["Location"])


@pytest.mark.django_db
def test_export_is_recorded_as_access(client, people, victim):
    from audit.models import AccessRecord

    client.force_login(people["director"])
    client.get(url(victim))

    record = AccessRecord.objects.get(action="export")
    assert (record.object_type, record.object_id) == ("schools.pupil", str(victim.pk))
    assert record.user == people["director"]


@pytest.mark.django_db
def test_pupil_without_cases_gets_a_short_document(school, groep5, people):
    pupil = make_pupil(school, groep5, "Jesse", "Ünal")

    text = pdf_text(render_dossier_pdf(pupil))

    assert "Jesse Ünal" in text
    assert "geen casussen" in text
    assert "pagina 1 van 1" in text


@pytest.mark.django_db
def test_every_dossier_entry_is_in_it(school, groep5, people, victim):
    dossier_services.dossier_add(
        victim, "note", "Gesprek met moeder over de overstap.", by=people["ib"]
    )

    text = pdf_text(render_dossier_pdf(victim))

    assert "Gesprek met moeder over de overstap." in text


BULLY_PARENTS_TEXT = "Vader van de pester vertelt over de thuissituatie."
VICTIM_PARENTS_TEXT = "Moeder van de gepeste merkt dat het beter gaat."


@pytest.fixture
def stap6(school, people, victim, bully):
    """Stap 6 with the talk with the bully's parents and the one with the victim and
    the victim's parents recorded, each with a sentence of its own."""
    case = walk(new_case(school, people["teacher5"], victim, bully), State.TALKS, people)
    teacher = people["teacher5"]
    services.talk_record(
        case,
        TalkKind.BULLY_PARENTS,
        by=teacher,
        held_on=case.signal_date,
        answers=answers(TalkKind.BULLY_PARENTS, case.cycle),
        notes=BULLY_PARENTS_TEXT,
        staff=[teacher],
        guardians=list(bully.guardians.all()),
    )
    services.talk_record(
        case,
        TalkKind.VICTIM_PARENTS,
        by=teacher,
        held_on=case.signal_date,
        answers=answers(TalkKind.VICTIM_PARENTS, case.cycle),
        notes=VICTIM_PARENTS_TEXT,
        staff=[teacher],
        pupils=[victim],
        guardians=list(victim.guardians.all()),
    )
    return case


@pytest.mark.django_db
def test_the_victims_copy_leaves_out_the_talk_with_the_bullys_parents(stap6, victim):
    text = pdf_text(render_dossier_pdf(victim))

    assert VICTIM_PARENTS_TEXT in text
    assert BULLY_PARENTS_TEXT not in text
    assert str(TalkKind.BULLY_PARENTS.label) not in text


@pytest.mark.django_db
def test_the_bullys_copy_leaves_out_the_talk_with_the_victims_family(stap6, bully):
    text = pdf_text(render_dossier_pdf(bully))

    assert BULLY_PARENTS_TEXT in text
    assert VICTIM_PARENTS_TEXT not in text
    assert str(TalkKind.VICTIM_PARENTS.label) not in text


@pytest.mark.django_db
def test_the_preview_lists_what_goes_in_and_counts_what_stays_out(client, people, stap6, victim):
    client.force_login(people["ib"])

    page = client.get(reverse("dossier:export_preview", args=[victim.pk])).content.decode()

    assert str(TalkKind.VICTIM_PARENTS.label) in page
    assert str(TalkKind.BULLY_PARENTS.label) not in page
    assert "gesprek met een ander kind of een ander gezin gaat niet mee" in page
    assert reverse("dossier:export", args=[victim.pk]) in page


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["teacher5", "smw", "ib_other", "beheerder"])
def test_the_preview_is_refused_to_everyone_else(client, people, stap6, victim, persona):
    client.force_login(people[persona])

    assert client.get(reverse("dossier:export_preview", args=[victim.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "shown"), [("ib", True), ("director", True), ("smw", False)])
def test_the_dossier_page_offers_the_copy_to_ib_and_director(
    client, people, case, victim, persona, shown
):
    client.force_login(people[persona])

    page = client.get(reverse("dossier:pupil", args=[victim.pk])).content.decode()

    assert (reverse("dossier:export_preview", args=[victim.pk]) in page) is shown
