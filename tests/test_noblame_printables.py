"""The printables for the support group: what is on them, what never is, who gets them."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cases.models import State
from noblame import printables
from noblame.models import Traject, TrajectState
from tests.noblame_walk import record_meeting, record_victim_talk, walk_traject
from tests.walk import new_case, walk

SECRET = "Mama is ziek en dat weet niemand in de klas."


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def traject(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.SUPPORT_GROUP, people)
    traject = Traject.objects.get(case=case)
    walk_traject(traject, TrajectState.VICTIM_TALK)
    record_victim_talk(traject, confidential_agreements=f"{SECRET}\nNiet zeggen wie het vertelde.")
    walk_traject(traject, TrajectState.GROUP_MEETING)
    return traject


@pytest.fixture
def met(traject):
    members = list(traject.members())
    ideas = {
        m: f"{m.pupil.first_name} zegt goedemorgen en vraagt of Sanne meespeelt." for m in members
    }
    # Someone copied a confidential agreement into an idea by mistake.
    ideas[members[0]] += " " + SECRET
    record_meeting(traject, ideas=ideas)
    return traject


def test_invitation_list_names_every_member_in_order(traject):
    text = text_of(printables.invitation_list_pdf(traject))

    for member in traject.members():
        assert member.pupil.full_name in text
    assert "Uitnodiging voor de steungroep" in text


def test_invitation_list_holds_nothing_confidential(traject):
    text = text_of(printables.invitation_list_pdf(traject))

    assert "Mama is ziek" not in text
    assert "wie het vertelde" not in text


def test_invitation_list_does_not_label_the_children(traject):
    text = text_of(printables.invitation_list_pdf(traject))

    for label in ("aanvoerder", "meeloper", "omstander", "pester"):
        assert label not in text.lower()


def test_each_slip_holds_that_members_own_idea(met):
    text = text_of(printables.help_slips_pdf(met))

    for member in met.members():
        assert f"Hulpopdracht voor {member.pupil.first_name}" in text
        assert f"{member.pupil.first_name} zegt goedemorgen" in text


def test_slips_hold_nothing_confidential_even_when_copied_into_an_idea(met):
    text = text_of(printables.help_slips_pdf(met))

    assert "Mama is ziek" not in text
    assert "[vertrouwelijk]" in text


def test_dutch_letters_survive_in_the_pdf(met):
    member = met.members().first()
    member.pupil.first_name = "Zoë"
    member.pupil.save()

    assert "Hulpopdracht voor Zoë" in text_of(printables.help_slips_pdf(met))


def test_file_names_carry_the_reference_not_a_name(met):
    name = printables.filename("slips", met)

    assert name == f"steungroep-hulpbriefjes-{met.case.reference}.pdf"


@pytest.mark.parametrize("kind", ["uitnodiging", "hulpbriefjes"])
def test_served_as_an_attachment_to_who_may_see_the_case(client, met, people, kind):
    client.force_login(people["teacher5"])

    response = client.get(reverse("noblame:print", args=[met.case_id, kind]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert met.case.reference in disposition
    assert not any(m.pupil.last_name in disposition for m in met.members())
    assert "Mama is ziek" not in text_of(response.content)


@pytest.mark.parametrize("persona", ["teacher7", "ib_other", "beheerder"])
def test_404_for_who_may_not_see_the_case(client, met, people, persona):
    client.force_login(people[persona])

    response = client.get(reverse("noblame:print", args=[met.case_id, "hulpbriefjes"]))

    assert response.status_code == 404


def test_slips_are_404_before_the_meeting_is_recorded(client, traject, people):
    client.force_login(people["smw"])

    response = client.get(reverse("noblame:print", args=[traject.case_id, "hulpbriefjes"]))

    assert response.status_code == 404


def test_login_is_needed(client, met):
    response = client.get(reverse("noblame:print", args=[met.case_id, "uitnodiging"]))

    assert response.status_code == 302
