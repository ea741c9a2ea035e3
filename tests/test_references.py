"""A case reference names one case across the board (issue 15): an SMW or IB of two
schools of one board never meets "2026-001" twice."""

import pytest
from django.db import IntegrityError, transaction

from cases.models import Case
from schools.models import Role, SchoolClass
from tests.conftest import make_pupil, make_user
from tests.walk import new_case


@pytest.fixture
def sister_case(other_school):
    """A case at another school of the same board."""
    groep = SchoolClass.objects.create(school=other_school, school_year="2026-2027", name="groep 3")
    teacher = make_user("juf.kompas", other_school, Role.TEACHER)
    groep.teachers.add(teacher)
    victim = make_pupil(other_school, groep, "Mees", "Kok")
    bully = make_pupil(other_school, groep, "Roos", "Dekker")
    return new_case(other_school, teacher, victim, bully)


@pytest.mark.django_db
def test_two_schools_of_one_board_get_different_references(
    school, people, victim, bully, sister_case
):
    case = new_case(school, people["teacher5"], victim, bully)

    assert case.board_id == sister_case.board_id == school.board_id
    assert case.reference != sister_case.reference
    assert case.reference.endswith("-002")


@pytest.mark.django_db
def test_the_database_refuses_a_reference_twice_in_one_board(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    twin = new_case(school, people["teacher5"], victim, bully)

    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=twin.pk).update(reference=case.reference)


@pytest.mark.django_db
def test_the_lists_show_school_and_pupils_beside_the_reference(
    client, school, people, victim, bully
):
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from cases import services
    from cases.models import State
    from cases.talks import TalkKind
    from tests.walk import walk

    case = walk(new_case(school, people["teacher5"], victim, bully), State.ACTION_PLAN, people)
    services.talk_plan(
        case, TalkKind.OTHER, timezone.localdate() - datetime.timedelta(days=1), by=people["ib"]
    )
    client.force_login(people["smw"])

    todo = client.get(reverse("cases:todo")).content.decode()
    # The case escalated to stap 4, so its traject is under the closed ones.
    trajects = client.get(reverse("noblame:list") + "?toon=afgesloten").content.decode()

    assert case.pupils_short == "Sanne V., Daan J."
    assert f"{school.name} · Sanne V., Daan J." in todo
    assert "Sanne V., Daan J." in trajects
