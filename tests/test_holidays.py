"""A talk planned in a school holiday gets a warning (issue 15): holidays per school, by
default those of the school's region."""

import datetime

import pytest
from django.urls import reverse

from cases.models import State
from cases.talks import TalkKind
from schools.holidays import REGION_HOLIDAYS, Region, holiday_on
from schools.models import SchoolHoliday
from tests.walk import new_case, walk

CHRISTMAS_DAY = datetime.date(2026, 12, 28)


def test_every_region_has_both_school_years():
    for region in Region.values:
        years = {first.year for _name, first, _last in REGION_HOLIDAYS[region]}
        assert years >= {2026, 2027, 2028}
        assert all(first <= last for _n, first, last in REGION_HOLIDAYS[region])


@pytest.mark.django_db
def test_the_region_decides_the_spring_holiday(school):
    day = datetime.date(2027, 2, 8)
    school.holiday_region = Region.ZUID
    assert holiday_on(school, day) == "voorjaarsvakantie"
    school.holiday_region = Region.MIDDEN
    assert holiday_on(school, day) is None


@pytest.mark.django_db
def test_a_school_with_its_own_list_follows_that(school):
    SchoolHoliday.objects.create(
        school=school,
        name="studieweek",
        starts_on=datetime.date(2027, 3, 1),
        ends_on=datetime.date(2027, 3, 5),
    )

    assert holiday_on(school, datetime.date(2027, 3, 3)) == "studieweek"
    assert holiday_on(school, CHRISTMAS_DAY) is None


@pytest.mark.django_db
def test_planning_a_talk_in_the_christmas_holiday_warns(client, school, people, victim, bully):
    case = walk(new_case(school, people["teacher5"], victim, bully), State.ACTION_PLAN, people)
    client.force_login(people["teacher5"])

    response = client.post(
        reverse("cases:plan_talk", args=[case.pk]),
        {"kind": TalkKind.EVALUATION, "planned_on": CHRISTMAS_DAY.isoformat()},
        follow=True,
    )

    html = response.content.decode()
    assert "Het gesprek is gepland." in html
    assert "valt in de kerstvakantie van de school" in html
    assert "valt in de kerstvakantie</span>" in html
