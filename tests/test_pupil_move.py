"""A pupil who moves to another school of the board takes no case content along.

The new school's dossier page and right-of-access export hold only the new school's
entries; the old school keeps its own (and still reads and exports them).
"""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from cases import services
from cases.access import dossier_schools
from cases.models import CasePupil, Place, ReporterKind, State
from cases.talks import TalkKind
from dossier import services as dossier_services
from dossier.export import render_dossier_pdf
from dossier.models import DossierEntry
from dossier.retention import purge_expired
from schools.models import Membership, Pupil, Role, SchoolClass
from tests.conftest import make_pupil, make_user
from tests.walk import answers, walk

OLD_DESCRIPTION = "Op het plein van De Regenboog steeds uitgelachen om haar bril."
OLD_TALK_NOTES = "Gesprek in de Regenboog-gang, moeder was erg verdrietig."
OLD_NOTE = "Regenboog-notitie: afspraak met de schoolarts gemaakt."
NEW_DESCRIPTION = "In de klas van Het Kompas werd haar tas verstopt."
NEW_NOTE = "Kompas-notitie: goede start in de nieuwe groep."


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def dossier_url(pupil):
    return reverse("dossier:pupil", args=[pupil.pk])


def export_url(pupil):
    return reverse("dossier:export", args=[pupil.pk])


def log_case(school, by, victim, bully, description):
    return services.case_create(
        school=school,
        by=by,
        pupils=[(victim, CasePupil.Role.VICTIM), (bully, CasePupil.Role.BULLY)],
        reporter_kind=ReporterKind.PARENT,
        place=Place.PLAYGROUND,
        description=description,
    )


@pytest.fixture
def groep6_kompas(other_school):
    return SchoolClass.objects.create(
        school=other_school, school_year="2026-2027", name="groep 6 Kompas"
    )


@pytest.fixture
def teacher_kompas(other_school, groep6_kompas):
    user = make_user("juf.kompas", other_school, Role.TEACHER)
    groep6_kompas.teachers.add(user)
    return user


@pytest.fixture
def old_case(school, people, victim, bully):
    """At school 1: a one-off case (with its dossier entries), a talk, and a loose note."""
    case = walk(
        log_case(school, people["teacher5"], victim, bully, OLD_DESCRIPTION),
        State.ONE_OFF_REVIEW,
        people,
    )
    services.talk_record(
        case,
        TalkKind.OTHER,
        by=people["teacher5"],
        held_on=case.signal_date,
        answers=answers(TalkKind.OTHER),
        notes=OLD_TALK_NOTES,
        pupils=[victim],
    )
    dossier_services.dossier_add(victim, DossierEntry.Kind.NOTE, OLD_NOTE, by=people["ib"])
    return case


@pytest.fixture
def moved(old_case, victim, other_school, groep6_kompas, teacher_kompas, ib_other):
    """The victim moves to school 2 (the beheerder changes school and class), where a case
    of their own and a note follow."""
    victim.school = other_school
    victim.school_class = groep6_kompas
    victim.full_clean()
    victim.save()
    classmate = make_pupil(other_school, groep6_kompas, "Mees", "Visser")
    new_case = walk(
        log_case(other_school, teacher_kompas, victim, classmate, NEW_DESCRIPTION),
        State.ONE_OFF_REVIEW,
        {"teacher5": teacher_kompas, "ib": ib_other},
    )
    dossier_services.dossier_add(victim, DossierEntry.Kind.NOTE, NEW_NOTE, by=ib_other)
    return new_case


# The new school's side.


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["ib_other", "teacher_kompas"])
def test_new_school_dossier_page_holds_only_its_own_entries(
    client, request, moved, old_case, victim, persona
):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(dossier_url(victim))

    html = response.content.decode()
    assert response.status_code == 200
    assert NEW_NOTE in html
    assert moved.school.name in html
    assert "groep 6 Kompas" in html
    for secret in (OLD_NOTE, OLD_DESCRIPTION, OLD_TALK_NOTES, "De Regenboog"):
        assert secret not in html
    entries = DossierEntry.objects.filter(pupil=victim)
    assert entries.filter(school=old_case.school).count() == 2  # the old note and one-off
    assert html.count("dossier-entries") == 1
    assert html.count('class="list-group-item px-0"') == 2  # the new one-off and note


@pytest.mark.django_db
def test_new_school_export_holds_only_its_own_part(client, moved, victim, ib_other):
    client.force_login(ib_other)

    response = client.get(export_url(victim))

    text = pdf_text(response.content)
    assert response.status_code == 200
    assert "Sanne de Vries" in text
    assert NEW_DESCRIPTION in text
    assert NEW_NOTE in text
    assert "CBS Het Kompas" in text
    for secret in (OLD_DESCRIPTION, OLD_TALK_NOTES, OLD_NOTE, "Regenboog", "Daan", "Jansen"):
        assert secret not in text
    assert "Aantal casussen 1" in text


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["teacher5", "teacher7", "smw", "beheerder"])
def test_only_ib_and_director_export_after_the_move(client, people, moved, victim, persona):
    client.force_login(people[persona])

    assert client.get(export_url(victim)).status_code == 404


# The old school's side.


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["ib", "director", "teacher5"])
def test_old_school_still_reads_its_own_entries(client, people, moved, victim, persona):
    client.force_login(people[persona])

    response = client.get(dossier_url(victim))

    html = response.content.decode()
    assert response.status_code == 200
    assert OLD_NOTE in html or persona == "teacher5"  # the note is outside the teacher's case
    assert "Eenmalig incident besproken" in html
    for secret in (NEW_NOTE, NEW_DESCRIPTION, "Het Kompas", "groep 6 Kompas"):
        assert secret not in html
    assert "niet (meer) op uw school ingeschreven" in html


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["ib", "director"])
def test_old_school_exports_its_own_part(client, people, moved, victim, persona):
    client.force_login(people[persona])

    response = client.get(export_url(victim))

    text = pdf_text(response.content)
    assert response.status_code == 200
    assert "Sanne de Vries" in text
    assert OLD_DESCRIPTION in text
    assert OLD_TALK_NOTES in text
    assert OLD_NOTE in text
    assert "OBS De Regenboog" in text
    for secret in (NEW_DESCRIPTION, NEW_NOTE, "Kompas", "Mees", "Visser"):
        assert secret not in text


@pytest.mark.django_db
def test_old_school_keeps_its_entries_under_its_own_retention(
    school, other_school, groep6_kompas, people, ib_other
):
    """The pupil comes to school 2 as a new record (the import): the old record expires at
    school 1 on its own; the new school's record and entries stay."""
    old = make_pupil(school, None, "Lotte", "Smit")
    dossier_services.dossier_add(old, DossierEntry.Kind.NOTE, OLD_NOTE, by=people["ib"])
    new = make_pupil(other_school, groep6_kompas, "Lotte", "Smit")
    dossier_services.dossier_add(new, DossierEntry.Kind.NOTE, NEW_NOTE, by=ib_other)
    Pupil.objects.filter(pk=old.pk).update(left_on=datetime.date(2020, 7, 10))

    purge_expired(years=2, apply=True, today=datetime.date(2026, 11, 20))

    assert not DossierEntry.objects.filter(pupil=old).exists()
    assert DossierEntry.objects.get(pupil=new).text == NEW_NOTE
    assert NEW_NOTE in pdf_text(render_dossier_pdf(new))
    assert OLD_NOTE not in pdf_text(render_dossier_pdf(new))


# Who works at both schools, and who never moved.


@pytest.mark.django_db
def test_staff_of_both_schools_read_both_parts_and_export_the_current_one(
    client, people, moved, old_case, victim, other_school
):
    Membership.objects.create(user=people["ib"], school=other_school, role=Role.IB)
    client.force_login(people["ib"])

    html = client.get(dossier_url(victim)).content.decode()
    text = pdf_text(client.get(export_url(victim)).content)

    assert set(dossier_schools(people["ib"], victim)) == {old_case.school, other_school}
    assert OLD_NOTE in html
    assert NEW_NOTE in html
    assert "niet (meer) op uw school" not in html
    assert NEW_NOTE in text
    assert OLD_NOTE not in text


@pytest.mark.django_db
def test_a_pupil_who_never_moved_shows_everything(client, people, old_case, victim):
    client.force_login(people["ib"])

    html = client.get(dossier_url(victim)).content.decode()
    text = pdf_text(client.get(export_url(victim)).content)

    assert OLD_NOTE in html
    assert "Eenmalig incident besproken" in html
    assert "groep 5" in html
    assert "niet (meer) op uw school" not in html
    for part in (OLD_DESCRIPTION, OLD_TALK_NOTES, OLD_NOTE, "Eenmalig incident besproken"):
        assert part in text


# The school of an entry.


@pytest.mark.django_db
def test_the_school_of_a_new_entry_is_filled_in(
    people, moved, old_case, victim, other_school, ib_other
):
    one_off = DossierEntry.objects.get(pupil=victim, case=old_case)
    old_note = DossierEntry.objects.get(pupil=victim, text=OLD_NOTE)
    new_note = DossierEntry.objects.get(pupil=victim, text=NEW_NOTE)
    new_one_off = DossierEntry.objects.get(pupil=victim, case=moved)

    # Of a case: the case's school, also after the move; outside a case: where the pupil was.
    assert one_off.school == old_case.school
    assert old_note.school == old_case.school
    assert new_note.school == other_school
    assert new_one_off.school == other_school
    later = dossier_services.dossier_add(
        victim, DossierEntry.Kind.NOTE, "Nog een.", case=old_case, by=people["ib"]
    )
    assert later.school == old_case.school
    with pytest.raises(ValidationError):
        DossierEntry.objects.create(
            pupil=victim,
            school=other_school,
            case=old_case,
            kind=DossierEntry.Kind.NOTE,
            text="Verkeerde school.",
            created_by=ib_other,
        )
