"""A pupil's dossier: every entry across cases, newest first, with the filed plans."""

import pytest
import time_machine
from django.urls import reverse

from cases.access import dossier_pupils
from cases.models import State
from dossier import services as dossier_services
from dossier.models import DossierEntry
from tests.plan_helpers import case_in_stap4, full_plan, sign_all
from tests.walk import new_case, walk


@pytest.fixture
def signed(school, people, victim, bully):
    case = case_in_stap4(school, people, victim, bully)
    return sign_all(full_plan(case, people), people)


def test_dossier_lists_entries_newest_first_across_cases(client, school, people, victim, bully):
    with time_machine.travel("2027-01-10 10:00 +0100"):
        one_off = walk(
            new_case(school, people["teacher5"], victim, bully), State.ONE_OFF_REVIEW, people
        )
    with time_machine.travel("2027-02-10 10:00 +0100"):
        later = case_in_stap4(school, people, victim, bully)
        sign_all(full_plan(later, people), people)
    client.force_login(people["ib"])

    html = client.get(reverse("dossier:pupil", args=[victim.pk])).content.decode()

    plan_entry = html.index("Plan van aanpak versie 1 is door iedereen getekend")
    one_off_entry = html.index("Eenmalig incident besproken")
    assert plan_entry < one_off_entry
    assert one_off.reference in html
    assert later.reference in html


def test_dossier_links_the_filed_pdf(client, signed, people, victim):
    client.force_login(people["teacher5"])

    html = client.get(reverse("dossier:pupil", args=[victim.pk])).content.decode()

    assert reverse("plans:pdf", args=[signed.pk]) in html


def test_stap_10_adds_a_closing_entry_that_refers_to_the_plan(
    client, school, people, victim, bully
):
    case = walk(new_case(school, people["teacher5"], victim, bully), State.CLOSED, people)
    client.force_login(people["ib"])

    entry = DossierEntry.objects.get(pupil=bully, case=case, kind=DossierEntry.Kind.CLOSING)
    html = client.get(reverse("dossier:pupil", args=[bully.pk])).content.decode()

    assert entry.plan == case.plans.get()
    assert reverse("plans:pdf", args=[entry.plan_id]) in html


@pytest.mark.parametrize(("who", "status"), [("teacher7", 404), ("ib_other", 404), ("smw", 200)])
def test_dossier_only_for_who_may_see_the_pupil(client, signed, people, victim, who, status):
    client.force_login(people[who])

    response = client.get(reverse("dossier:pupil", args=[victim.pk]))

    assert response.status_code == status


def test_a_teacher_assigned_to_the_case_sees_the_dossier(client, school, people, groep7):
    from tests.conftest import make_pupil

    pupil = make_pupil(school, groep7, "Mila", "Kok")
    other = make_pupil(school, groep7, "Finn", "Bos")
    new_case(school, people["teacher7"], pupil, other)  # the groep 7 teacher logs it

    assert set(dossier_pupils(people["teacher7"])) >= {pupil, other}
    assert pupil not in dossier_pupils(people["teacher5"])


def test_the_director_sees_every_dossier_of_the_school(people, victim, bully):
    assert {victim, bully} <= set(dossier_pupils(people["director"]))
    assert victim not in dossier_pupils(people["ib_other"])


def test_dossier_shows_a_note_outside_any_case(client, signed, people, victim):
    dossier_services.dossier_add(
        victim, DossierEntry.Kind.NOTE, "Los van een casus.", by=people["ib"]
    )
    client.force_login(people["teacher5"])

    html = client.get(reverse("dossier:pupil", args=[victim.pk])).content.decode()

    assert "Los van een casus." in html


# --- every entry by the rule of its case ---------------------------------------------------

SHARED, SECRET, LOOSE = "Uit de gedeelde casus.", "Uit een casus van groep 7.", "Los genoteerd."


@pytest.fixture
def shared(school, people, victim, groep7):
    """Mila of groep 7 is in a case with the groep 5 victim (teacher5 opens it) and in a case
    of groep 7 only (teacher5 does not); a note about her in each, and one outside a case."""
    from tests.conftest import make_pupil

    mila = make_pupil(school, groep7, "Mila", "Kok")
    ours = new_case(school, people["ib"], victim, mila)
    theirs = new_case(school, people["teacher7"], mila, make_pupil(school, groep7, "Finn", "Bos"))
    for case, text in ((ours, SHARED), (theirs, SECRET)):
        dossier_services.dossier_add(mila, DossierEntry.Kind.NOTE, text, case=case, by=people["ib"])
    dossier_services.dossier_add(mila, DossierEntry.Kind.NOTE, LOOSE, by=people["teacher7"])
    return mila, ours, theirs


def test_a_teacher_sharing_a_case_reads_only_that_cases_entry(client, shared, people):
    mila, ours, theirs = shared
    client.force_login(people["teacher5"])

    html = client.get(reverse("dossier:pupil", args=[mila.pk])).content.decode()

    assert SHARED in html
    assert reverse("cases:detail", args=[ours.pk]) in html
    for hidden in (SECRET, LOOSE, theirs.reference, "meester.tim"):
        assert hidden not in html
    assert html.count("Aantekening uit een andere casus") == 1
    assert html.count("Aantekening buiten een casus") == 1
    # Each entry keeps its date and kind.
    assert html.count("<time ") == 3
    assert html.count('border">aantekening</span>') == 3


def test_the_ib_reads_every_entry_of_the_school(client, shared, people):
    mila, _ours, _theirs = shared
    client.force_login(people["ib"])

    html = client.get(reverse("dossier:pupil", args=[mila.pk])).content.decode()

    assert all(text in html for text in (SHARED, SECRET, LOOSE))
    assert "Aantekening uit een andere casus" not in html
    assert "Aantekening buiten een casus" not in html
