"""A school's own settings and holidays on a beheer page: the protocol's dates are defaults
each school may change; only the beheerder of that school changes them, through a service,
and bad input is a Dutch message on the page with nothing saved."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from noblame import services as nb_services
from noblame.models import SchoolSettings
from schools import services
from schools.holidays import holiday_on
from schools.models import Role, School, SchoolHoliday
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SETTINGS = {
    "one_off_review_days": "10",
    "one_off_review_late_days": "3",
    "victim_outside_help_months": "18",
    "holiday_region": "zuid",
    "teachers_need_two_factor": "on",
}


@pytest.fixture
def as_beheerder(client, beheerder):
    client.force_login(beheerder)
    return client


def test_the_beheerder_changes_the_schools_settings(as_beheerder, school):
    url = reverse("schools:school_settings", args=[school.pk])
    assert as_beheerder.get(url).status_code == 200

    response = as_beheerder.post(url, SETTINGS)

    assert response.status_code == 302
    school.refresh_from_db()
    assert school.one_off_review_days == 10
    assert school.one_off_review_late_days == 3
    assert school.victim_outside_help_months == 18
    assert school.holiday_region == "zuid"
    assert school.teachers_need_two_factor is True


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("one_off_review_days", "0"),
        ("one_off_review_days", "91"),
        ("one_off_review_late_days", "61"),
        ("victim_outside_help_months", "0"),
        ("victim_outside_help_months", "veel"),
        ("holiday_region", "oost"),
    ],
)
def test_a_value_out_of_range_is_refused_on_the_page(as_beheerder, school, field, value):
    before = School.objects.values().get(pk=school.pk)

    response = as_beheerder.post(
        reverse("schools:school_settings", args=[school.pk]), {**SETTINGS, field: value}
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "is-invalid" in response.content.decode()
    assert School.objects.values().get(pk=school.pk) == before


def test_another_schools_settings_are_out_of_reach(as_beheerder, other_school):
    url = reverse("schools:school_settings", args=[other_school.pk])
    before = School.objects.values().get(pk=other_school.pk)

    assert as_beheerder.get(url).status_code == 404
    assert as_beheerder.post(url, SETTINGS).status_code == 404
    add = reverse("schools:holiday_add", args=[other_school.pk])
    assert as_beheerder.post(add, {"name": "x", "starts_on": "2027-03-01"}).status_code == 404
    assert School.objects.values().get(pk=other_school.pk) == before
    assert not SchoolHoliday.objects.exists()


@pytest.mark.parametrize("persona", ["ib", "director", "teacher5"])
def test_other_roles_do_not_reach_the_settings(client, people, school, persona):
    client.force_login(people[persona])
    url = reverse("schools:school_settings", args=[school.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, SETTINGS).status_code == 403


def test_the_service_refuses_a_school_the_user_does_not_manage(school, other_school, beheerder):
    with pytest.raises(PermissionDenied):
        services.school_settings_save(other_school, by=beheerder, one_off_review_days=5)
    ib = make_user("ib.zelf", school, Role.IB)
    with pytest.raises(PermissionDenied):
        services.school_settings_save(school, by=ib, one_off_review_days=5)


def test_a_holiday_of_its_own_replaces_the_regions(as_beheerder, school):
    carnival = datetime.date(2027, 2, 10)  # in the spring holiday of region zuid
    school.holiday_region = "zuid"
    school.save()
    assert holiday_on(school, carnival) == "voorjaarsvakantie"

    response = as_beheerder.post(
        reverse("schools:holiday_add", args=[school.pk]),
        {"name": "Studiedagen", "starts_on": "2027-03-01", "ends_on": "2027-03-05"},
    )

    assert response.status_code == 302
    assert holiday_on(school, datetime.date(2027, 3, 3)) == "Studiedagen"
    assert holiday_on(school, carnival) is None  # its own list now, not the region's
    page = as_beheerder.get(reverse("schools:school_settings", args=[school.pk]))
    assert "Studiedagen" in page.content.decode()


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [
        ("2027-03-05", "2027-03-01", "vóór de eerste dag"),
        ("2027-02-28", "2027-03-02", "overlapt met"),
        ("", "2027-03-02", "verplicht"),
    ],
)
def test_a_wrong_holiday_is_refused_and_nothing_is_saved(
    as_beheerder, school, starts, ends, message
):
    SchoolHoliday.objects.create(
        school=school,
        name="Voorjaar",
        starts_on=datetime.date(2027, 3, 1),
        ends_on=datetime.date(2027, 3, 5),
    )

    response = as_beheerder.post(
        reverse("schools:holiday_add", args=[school.pk]),
        {"name": "Nog een", "starts_on": starts, "ends_on": ends},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert SchoolHoliday.objects.filter(school=school).count() == 1


def test_the_beheerder_removes_a_holiday_of_their_school_only(as_beheerder, school, other_school):
    first, last = datetime.date(2027, 3, 1), datetime.date(2027, 3, 2)
    own = SchoolHoliday.objects.create(school=school, name="Eigen", starts_on=first, ends_on=last)
    foreign = SchoolHoliday.objects.create(
        school=other_school, name="Elders", starts_on=first, ends_on=last
    )

    remove = "schools:holiday_remove"
    assert as_beheerder.post(reverse(remove, args=[foreign.pk])).status_code == 404
    assert as_beheerder.post(reverse(remove, args=[own.pk])).status_code == 302
    assert list(SchoolHoliday.objects.all()) == [foreign]


# --- the No Blame dates (noblame's page, same rules) ------------------------------------------

NO_BLAME = {
    "check_in_days": "5",
    "victim_follow_up_min_days": "7",
    "victim_follow_up_max_days": "12",
    "group_follow_up_min_days": "9",
    "group_follow_up_max_days": "15",
    "max_rounds": "4",
}


def test_the_beheerder_sets_the_no_blame_dates(as_beheerder, school):
    url = reverse("noblame:school_settings", args=[school.pk])
    assert as_beheerder.get(url).status_code == 200

    assert as_beheerder.post(url, NO_BLAME).status_code == 302

    saved = SchoolSettings.objects.get(school=school)
    assert (saved.check_in_days, saved.victim_follow_up_max_days, saved.max_rounds) == (5, 12, 4)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_rounds", "6", "5"),
        ("victim_follow_up_max_days", "6", "vóór de eerste dag"),
        ("check_in_days", "", "verplicht"),
    ],
)
def test_wrong_no_blame_dates_are_refused_on_the_page(as_beheerder, school, field, value, message):
    before = SchoolSettings.objects.filter(school=school).values().get()

    response = as_beheerder.post(
        reverse("noblame:school_settings", args=[school.pk]), {**NO_BLAME, field: value}
    )

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in response.content.decode()
    assert SchoolSettings.objects.filter(school=school).values().get() == before


def test_no_blame_dates_of_another_school_are_out_of_reach(client, as_beheerder, other_school, ib):
    url = reverse("noblame:school_settings", args=[other_school.pk])
    assert as_beheerder.get(url).status_code == 404
    assert as_beheerder.post(url, NO_BLAME).status_code == 404
    client.force_login(ib)
    assert client.post(url, NO_BLAME).status_code == 403
    assert SchoolSettings.objects.get(school=other_school).max_rounds == 5
    with pytest.raises(PermissionDenied):
        nb_services.school_settings_save(other_school, by=ib, max_rounds=3)


def test_the_application_admin_shows_the_settings_but_does_not_change_them(client, school):
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("root", "root@example.nl", "a-long-test-pass")
    client.force_login(root)
    settings_row = SchoolSettings.objects.get(school=school)
    url = reverse("admin:noblame_schoolsettings_change", args=[settings_row.pk])

    assert client.get(url).status_code == 200  # read-only
    client.post(url, {"check_in_days": "3", "max_rounds": "2"})
    assert SchoolSettings.objects.get(school=school).max_rounds == 5

    page = client.get(reverse("admin:schools_school_change", args=[school.pk])).content
    assert b'name="one_off_review_days"' not in page  # shown, not an input
