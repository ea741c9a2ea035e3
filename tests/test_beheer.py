"""The beheer pages: a beheerder keeps classes, pupils, guardians and staff roles of the
schools they manage, and can reach nothing of another school, by any page or forged POST."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from schools.models import Guardian, GuardianRelation, Membership, Pupil, Role, SchoolClass
from tests.conftest import make_pupil, make_user


@pytest.fixture
def other_pupil(other_school):
    groep = SchoolClass.objects.create(school=other_school, school_year="2026-2027", name="groep 6")
    return make_pupil(other_school, groep, "Elders", "Kompasstra")


@pytest.fixture
def other_teacher(other_school):
    return make_user("meester.elders", other_school, Role.TEACHER)


@pytest.fixture
def as_beheerder(client, beheerder):
    client.force_login(beheerder)
    return client


# --- Django's admin: the application manager only ------------------------------------------


def test_beheerder_has_no_access_to_djangos_admin(as_beheerder):
    page = as_beheerder.get(reverse("admin:index"))

    assert page.status_code == 302
    assert reverse("admin:login") in page["Location"]


def test_beheerder_cannot_add_a_membership_through_the_admin(as_beheerder, other_school):
    as_beheerder.post(
        reverse("admin:schools_membership_add"),
        {
            "user": User.objects.get(username="beheerder").pk,
            "school": other_school.pk,
            "role": "ib",
        },
    )

    assert not Membership.objects.filter(school=other_school).exists()


def test_superuser_reaches_the_admin(client, db):
    root = User.objects.create_superuser("root", "root@example.nl", "a-long-test-pass")
    client.force_login(root)

    assert client.get(reverse("admin:index")).status_code == 200


def test_no_case_content_is_registered_in_the_admin():
    labels = {model._meta.label_lower for model in admin.site._registry}
    content_apps = {"cases", "noblame", "plans", "dossier", "auditlog"}
    content = {label for label in labels if label.split(".")[0] in content_apps}

    assert content <= {"noblame.guidance", "noblame.schoolsettings"}
    assert not {"schools.pupil", "schools.guardian", "schools.schoolclass"} & labels


# --- who may open the beheer pages ---------------------------------------------------------


@pytest.mark.parametrize("name", ["schools:home", "schools:pupils", "schools:staff"])
def test_other_roles_are_refused(client, teacher5, ib, name):
    for user in (teacher5, ib):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 403


def test_beheerder_reads_no_case(as_beheerder, school, teacher5, victim, bully):
    from tests.walk import new_case

    case = new_case(school, teacher5, victim, bully)

    assert as_beheerder.get(reverse("cases:detail", args=[case.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("schools:pupil_edit", lambda p: [p.pk]),
        ("schools:guardian_add", lambda p: [p.pk]),
        ("schools:guardian_edit", lambda p: [p.pk, p.guardian_relations.first().pk]),
        ("schools:class_edit", lambda p: [p.school_class_id]),
    ],
)
def test_another_schools_objects_are_not_found(as_beheerder, other_pupil, name, args):
    url = reverse(name, args=args(other_pupil))

    assert as_beheerder.get(url).status_code == 404
    assert as_beheerder.post(url, {}).status_code == 404


def test_another_schools_staff_account_is_not_found(as_beheerder, ib_other):
    url = reverse("schools:staff_edit", args=[ib_other.pk])

    assert as_beheerder.get(url).status_code == 404
    assert as_beheerder.post(url, {"account": "1", "is_active": ""}).status_code == 404
    ib_other.refresh_from_db()
    assert ib_other.is_active


def test_pupil_list_shows_only_managed_schools(as_beheerder, victim, other_pupil):
    content = as_beheerder.get(reverse("schools:pupils")).content.decode()

    assert victim.last_name in content
    assert other_pupil.last_name not in content


def test_pupil_search_is_posted_and_scoped(as_beheerder, victim, other_pupil):
    page = as_beheerder.post(reverse("schools:pupils"), {"q": "e"})

    names = {p.pk for p in page.context["page"].object_list}
    assert victim.pk in names
    assert other_pupil.pk not in names


# --- forged POSTs with foreign ids ---------------------------------------------------------


def test_staff_create_for_another_school_is_refused(as_beheerder, other_school):
    page = as_beheerder.post(
        reverse("schools:staff_new"),
        {
            "username": "nieuw",
            "first_name": "Nieuwe",
            "last_name": "Collega",
            "email": "nieuw@example.nl",
            "password": "een-lang-wachtwoord-2026",
            "school": other_school.pk,
            "roles": ["ib"],
        },
    )

    assert page.status_code == 200
    assert "school" in page.context["form"].errors
    assert not User.objects.filter(username="nieuw").exists()


def test_roles_at_another_school_are_refused(as_beheerder, teacher5, other_school):
    url = reverse("schools:staff_edit", args=[teacher5.pk])

    as_beheerder.post(
        url, {"roles": "school-x", "school-x-school": other_school.pk, "school-x-roles": ["ib"]}
    )
    as_beheerder.post(
        url,
        {
            "roles": f"school-{other_school.pk}",
            f"school-{other_school.pk}-school": other_school.pk,
            f"school-{other_school.pk}-roles": ["ib"],
        },
    )

    assert not Membership.objects.filter(user=teacher5, school=other_school).exists()


def test_roles_form_with_a_foreign_school_in_the_hidden_field(
    as_beheerder, school, teacher5, other_school
):
    as_beheerder.post(
        reverse("schools:staff_edit", args=[teacher5.pk]),
        {
            "roles": f"school-{school.pk}",
            f"school-{school.pk}-school": other_school.pk,
            f"school-{school.pk}-roles": ["director"],
        },
    )

    assert not Membership.objects.filter(user=teacher5, role="director").exists()


def test_pupil_cannot_be_moved_to_another_school(as_beheerder, victim, other_school):
    page = as_beheerder.post(
        reverse("schools:pupil_edit", args=[victim.pk]),
        {"school": other_school.pk, "first_name": "Sanne", "last_name": "de Vries"},
    )

    assert "school" in page.context["form"].errors
    victim.refresh_from_db()
    assert victim.school_id != other_school.pk


def test_pupil_cannot_get_another_schools_class(as_beheerder, school, victim, other_pupil):
    page = as_beheerder.post(
        reverse("schools:pupil_edit", args=[victim.pk]),
        {
            "school": school.pk,
            "first_name": "Sanne",
            "last_name": "de Vries",
            "school_class": other_pupil.school_class_id,
        },
    )

    assert "school_class" in page.context["form"].errors
    victim.refresh_from_db()
    assert victim.school_class_id != other_pupil.school_class_id


def test_class_cannot_be_created_at_another_school(as_beheerder, other_school):
    as_beheerder.post(
        reverse("schools:class_new"),
        {"school": other_school.pk, "school_year": "2026-2027", "name": "groep 3"},
    )

    assert not SchoolClass.objects.filter(school=other_school, name="groep 3").exists()


def test_class_cannot_get_another_schools_teacher(as_beheerder, school, other_teacher):
    page = as_beheerder.post(
        reverse("schools:class_new"),
        {
            "school": school.pk,
            "school_year": "2026-2027",
            "name": "groep 3",
            "teachers": [other_teacher.pk],
        },
    )

    assert "teachers" in page.context["form"].errors
    assert not SchoolClass.objects.filter(name="groep 3").exists()


def test_guardian_of_another_school_is_not_linked_by_email(as_beheerder, victim, other_pupil):
    elsewhere = other_pupil.guardians.first()
    elsewhere.email = "ouder@elders.nl"
    elsewhere.save()

    as_beheerder.post(
        reverse("schools:guardian_add", args=[victim.pk]),
        {
            "first_name": "Ouder",
            "last_name": "Leerling",
            "email": "ouder@elders.nl",
            "relation": "mother",
            "has_custody": "on",
        },
    )

    assert not GuardianRelation.objects.filter(pupil=victim, guardian=elsewhere).exists()
    assert victim.guardians.filter(email="ouder@elders.nl").count() == 1


def test_guardian_link_of_another_pupil_is_not_found(as_beheerder, victim, other_pupil):
    foreign_link = other_pupil.guardian_relations.first()
    url = reverse("schools:guardian_unlink", args=[victim.pk, foreign_link.pk])

    assert as_beheerder.post(url).status_code == 404
    assert GuardianRelation.objects.filter(pk=foreign_link.pk).exists()


def test_services_refuse_a_foreign_school_directly(beheerder, other_school, other_pupil):
    from django.core.exceptions import PermissionDenied

    from schools import services

    with pytest.raises(PermissionDenied):
        services.staff_set_roles(beheerder, by=beheerder, school=other_school, roles=["admin"])
    with pytest.raises(PermissionDenied):
        services.pupil_save(other_pupil, by=beheerder, first_name="X")
    with pytest.raises(PermissionDenied):
        services.class_save(
            None, by=beheerder, school=other_school, school_year="2026-2027", name="g", teachers=[]
        )
    assert not Membership.objects.filter(user=beheerder, school=other_school).exists()


# --- what a beheerder does -------------------------------------------------------------------


def test_create_a_class_with_its_teacher(as_beheerder, school, teacher5):
    as_beheerder.post(
        reverse("schools:class_new"),
        {
            "school": school.pk,
            "school_year": "2026-2027",
            "name": "groep 3",
            "teachers": [teacher5.pk],
        },
    )

    groep3 = SchoolClass.objects.get(school=school, name="groep 3")
    assert list(groep3.teachers.all()) == [teacher5]


def test_duplicate_class_name_is_a_message(as_beheerder, school, groep5):
    page = as_beheerder.post(
        reverse("schools:class_new"),
        {"school": school.pk, "school_year": groep5.school_year, "name": groep5.name},
    )

    assert page.status_code == 200
    assert "al een groep met die naam" in page.content.decode()


def test_create_a_pupil_and_add_a_guardian(as_beheerder, school, groep5):
    page = as_beheerder.post(
        reverse("schools:pupil_new"),
        {
            "school": school.pk,
            "pupil_number": "1234",
            "first_name": "Mila",
            "last_name": "van Dijk",
            "date_of_birth": "2017-03-04",
            "school_class": groep5.pk,
        },
    )
    pupil = Pupil.objects.get(pupil_number="1234")
    assert page["Location"] == reverse("schools:pupil_edit", args=[pupil.pk])

    as_beheerder.post(
        reverse("schools:guardian_add", args=[pupil.pk]),
        {
            "first_name": "Eva",
            "last_name": "van Dijk",
            "email": "eva@example.nl",
            "phone": "0612345678",
            "relation": "mother",
            "has_custody": "on",
        },
    )

    link = pupil.guardian_relations.get()
    assert (link.guardian.email, link.relation, link.has_custody) == (
        "eva@example.nl",
        "mother",
        True,
    )


def test_sibling_shares_the_guardian(as_beheerder, victim, bully):
    parent = victim.guardians.first()
    parent.email = "gezin@example.nl"
    parent.save()

    as_beheerder.post(
        reverse("schools:guardian_add", args=[bully.pk]),
        {
            "first_name": "Ouder",
            "last_name": "X",
            "email": "GEZIN@example.nl",
            "relation": "parent",
        },
    )

    assert bully.guardians.filter(pk=parent.pk).exists()
    assert Guardian.objects.filter(email__iexact="gezin@example.nl").count() == 1


def test_guardian_with_a_child_elsewhere_keeps_their_details(as_beheerder, victim, other_pupil):
    shared = other_pupil.guardians.first()
    link = GuardianRelation.objects.create(pupil=victim, guardian=shared, relation="father")

    page = as_beheerder.post(
        reverse("schools:guardian_edit", args=[victim.pk, link.pk]),
        {"first_name": "Veranderd", "last_name": "Naam", "relation": "parent"},
    )

    shared.refresh_from_db()
    link.refresh_from_db()
    assert page.status_code == 302
    assert shared.first_name == "Ouder"  # disabled fields keep their value
    assert link.relation == "parent"


def test_pupil_edit_writes_a_read(as_beheerder, victim):
    from audit.models import AccessRecord

    as_beheerder.get(reverse("schools:pupil_edit", args=[victim.pk]))

    record = AccessRecord.objects.get()
    assert (record.object_type, record.object_id) == ("schools.pupil", str(victim.pk))


def test_future_date_of_birth_is_a_message(as_beheerder, school):
    page = as_beheerder.post(
        reverse("schools:pupil_new"),
        {"school": school.pk, "first_name": "A", "last_name": "B", "date_of_birth": "2999-01-01"},
    )

    assert "in de toekomst" in page.content.decode()
    assert not Pupil.objects.filter(first_name="A").exists()


def test_create_a_staff_account_with_roles(as_beheerder, school):
    as_beheerder.post(
        reverse("schools:staff_new"),
        {
            "username": "juf.lisa",
            "first_name": "Lisa",
            "last_name": "Mulder",
            "email": "lisa@example.nl",
            "password": "een-lang-wachtwoord-2026",
            "school": school.pk,
            "roles": ["teacher", "ib"],
        },
    )

    user = User.objects.get(username="juf.lisa")
    assert set(user.memberships.values_list("role", flat=True)) == {"teacher", "ib"}
    assert user.check_password("een-lang-wachtwoord-2026")
    assert not user.is_staff


def test_weak_first_password_is_refused(as_beheerder, school):
    page = as_beheerder.post(
        reverse("schools:staff_new"),
        {
            "username": "zwak",
            "first_name": "Z",
            "last_name": "W",
            "email": "z@example.nl",
            "password": "123",
            "school": school.pk,
            "roles": ["teacher"],
        },
    )

    assert "password" in page.context["form"].errors
    assert not User.objects.filter(username="zwak").exists()


def test_deactivate_an_account(as_beheerder, teacher5):
    as_beheerder.post(
        reverse("schools:staff_edit", args=[teacher5.pk]),
        {"account": "1", "first_name": "Anna", "last_name": "de Boer", "email": "a@example.nl"},
    )

    teacher5.refresh_from_db()
    assert not teacher5.is_active


def test_account_with_a_role_elsewhere_keeps_its_details(as_beheerder, teacher5, other_school):
    Membership.objects.create(user=teacher5, school=other_school, role=Role.TEACHER)

    page = as_beheerder.post(
        reverse("schools:staff_edit", args=[teacher5.pk]),
        {"account": "1", "first_name": "X", "last_name": "Y", "email": "x@example.nl"},
    )

    assert page.status_code == 403
    teacher5.refresh_from_db()
    assert teacher5.is_active
    assert teacher5.first_name == "Anna"


def test_set_and_remove_roles(as_beheerder, school, teacher5, groep5):
    prefix = f"school-{school.pk}"
    as_beheerder.post(
        reverse("schools:staff_edit", args=[teacher5.pk]),
        {"roles": prefix, f"{prefix}-school": school.pk, f"{prefix}-roles": ["ib"]},
    )

    assert set(teacher5.memberships.values_list("role", flat=True)) == {"ib"}
    assert not groep5.teachers.filter(pk=teacher5.pk).exists()


def test_beheerder_cannot_drop_their_own_admin_role(as_beheerder, school, beheerder):
    prefix = f"school-{school.pk}"
    as_beheerder.post(
        reverse("schools:staff_edit", args=[beheerder.pk]),
        {"roles": prefix, f"{prefix}-school": school.pk, f"{prefix}-roles": ["teacher"]},
    )

    assert beheerder.memberships.filter(role=Role.ADMIN, school=school).exists()


def test_superuser_account_is_not_changed_by_a_beheerder(as_beheerder, school):
    root = User.objects.create_superuser("root", "root@example.nl", "a-long-test-pass")
    Membership.objects.create(user=root, school=school, role=Role.TEACHER)
    prefix = f"school-{school.pk}"

    as_beheerder.post(
        reverse("schools:staff_edit", args=[root.pk]),
        {"roles": prefix, f"{prefix}-school": school.pk, f"{prefix}-roles": []},
    )
    as_beheerder.post(
        reverse("schools:staff_edit", args=[root.pk]),
        {"account": "1", "first_name": "X", "last_name": "Y", "email": "x@example.nl"},
    )

    root.refresh_from_db()
    assert root.is_active
    assert root.memberships.exists()


# --- the new school year ---------------------------------------------------------------------


@pytest.fixture
def year_school(school):
    classes = {
        name: SchoolClass.objects.create(school=school, school_year="2025-2026", name=name)
        for name in ("groep 4a", "groep 8", "groep 1/2")
    }
    make_pupil(school, classes["groep 4a"], "Vier", "A")
    make_pupil(school, classes["groep 4a"], "Vier", "B")
    make_pupil(school, classes["groep 8"], "Acht", "C")
    make_pupil(school, classes["groep 1/2"], "Kleuter", "D")
    return school


def test_new_year_preview_saves_nothing(as_beheerder, year_school):
    page = as_beheerder.post(
        reverse("schools:new_year"),
        {
            "school": year_school.pk,
            "from_year": "2025-2026",
            "leaving_on": "2026-07-31",
            "preview": "1",
        },
    )

    plan = page.context["plan"]
    assert (plan.moving, plan.leaving, plan.new_classes) == (2, 1, ["groep 5a"])
    assert [c.name for c, _ in plan.manual] == ["groep 1/2"]
    assert not SchoolClass.objects.filter(school_year="2026-2027").exists()


def test_new_year_moves_pupils_up_and_groep_8_leaves(as_beheerder, year_school):
    as_beheerder.post(
        reverse("schools:new_year"),
        {
            "school": year_school.pk,
            "from_year": "2025-2026",
            "leaving_on": "2026-07-31",
            "apply": "1",
        },
    )

    groep5a = SchoolClass.objects.get(school=year_school, school_year="2026-2027", name="groep 5a")
    assert set(groep5a.pupils.values_list("first_name", flat=True)) == {"Vier"}
    leaver = Pupil.objects.get(first_name="Acht")
    assert leaver.left_on == datetime.date(2026, 7, 31)
    assert Pupil.objects.get(first_name="Kleuter").school_class.name == "groep 1/2"


def test_new_year_twice_changes_nothing_more(as_beheerder, year_school, beheerder):
    from schools.services import school_year_advance, school_year_plan

    school_year_advance(
        year_school, "2025-2026", by=beheerder, leaving_on=datetime.date(2026, 7, 31)
    )

    plan = school_year_plan(year_school, "2025-2026", by=beheerder)
    assert (plan.moving, plan.leaving) == (0, 0)


def test_new_year_for_another_school_is_refused(as_beheerder, other_school, other_pupil):
    page = as_beheerder.post(
        reverse("schools:new_year"),
        {
            "school": other_school.pk,
            "from_year": "2026-2027",
            "leaving_on": "2027-07-31",
            "apply": "1",
        },
    )

    assert "school" in page.context["form"].errors
    assert not SchoolClass.objects.filter(school=other_school, school_year="2027-2028").exists()


def test_change_history_names_the_beheerder_in_a_request(as_beheerder, beheerder, school):
    from auditlog.models import LogEntry

    as_beheerder.post(
        reverse("schools:pupil_new"), {"school": school.pk, "first_name": "A", "last_name": "B"}
    )

    pupil = Pupil.objects.get(first_name="A")
    entry = LogEntry.objects.get_for_object(pupil).get()
    assert entry.actor == beheerder
    assert entry.remote_addr == "127.0.0.1"


def test_change_history_names_by_outside_a_request(beheerder, school):
    from auditlog.models import LogEntry

    from schools import services

    pupil = services.pupil_save(None, by=beheerder, school=school, first_name="C", last_name="D")
    services.pupil_save(pupil, by=beheerder, first_name="E")

    assert {e.actor for e in LogEntry.objects.get_for_object(pupil)} == {beheerder}
