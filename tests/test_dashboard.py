"""The IB's dashboard: action lists, figures, filters; and a fixed number of SQL queries for
every list and dashboard, whether a school has 10 cases or 200."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Notification, State, Talk
from cases.queries import Filters, filtered_cases, signals_per_month, signals_per_place
from cases.talks import TalkKind
from tests.conftest import make_pupil
from tests.walk import new_case, walk

TODAY = timezone.localdate


def make_cases(n, school, teacher, ib, victim, bully):
    """``n`` cases; every third has an overdue talk, every fifth a notification for the IB.

    The overdue talks are written directly: ``talk_plan`` plans from stap 4 on, and
    walking hundreds of cases there would take minutes. These only feed the lists.
    """
    for i in range(n):
        case = new_case(school, teacher, victim, bully)
        if i % 3 == 0:
            Talk.objects.create(
                case=case,
                kind=TalkKind.OTHER,
                planned_on=TODAY() - datetime.timedelta(days=2),
                created_by=teacher,
            )
        if i % 5 == 0:
            Notification.objects.create(user=ib, case=case, message="Casus in stap 3.")


PAGES = [
    ("teacher5", "cases:start"),
    ("teacher5", "cases:list"),
    ("teacher5", "cases:todo"),
    ("ib", "cases:start"),
    ("ib", "cases:list"),
    ("ib", "cases:dashboard"),
    ("ib", "cases:todo"),
    ("smw", "cases:start"),
    ("director", "cases:dashboard"),
]
# The most queries any of these pages may run (sessions, user, roles, lists, figures).
QUERY_LIMIT = 20


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("persona", "url_name"), PAGES)
def test_lists_run_the_same_queries_for_10_and_200_cases(
    client, people, school, victim, bully, persona, url_name
):
    client.force_login(people[persona])
    url = reverse(url_name)
    make_cases(10, school, people["teacher5"], people["ib"], victim, bully)
    with_10 = count_queries(client, url)
    make_cases(190, school, people["teacher5"], people["ib"], victim, bully)
    with_200 = count_queries(client, url)

    assert with_10 == with_200
    assert with_200 <= QUERY_LIMIT


def test_the_filtered_dashboard_runs_the_same_queries_for_10_and_200_cases(
    client, people, school, groep5, victim, bully
):
    client.force_login(people["ib"])
    url = (
        reverse("cases:dashboard")
        + f"?leerling={victim.pk}&school_class={groep5.pk}&state=signaled"
    )
    make_cases(10, school, people["teacher5"], people["ib"], victim, bully)
    with_10 = count_queries(client, url)
    make_cases(190, school, people["teacher5"], people["ib"], victim, bully)

    assert count_queries(client, url) == with_10 <= QUERY_LIMIT


def test_the_dashboard_shows_an_overdue_talk_in_red(client, people, school, victim, bully):
    case = walk(new_case(school, people["teacher5"], victim, bully), State.ACTION_PLAN, people)
    services.talk_plan(case, TalkKind.OTHER, TODAY() - datetime.timedelta(days=1), by=people["ib"])
    client.force_login(people["ib"])

    html = client.get(reverse("cases:dashboard")).content.decode()

    assert 'class="overdue-row"' in html
    assert case.reference in html


def test_a_case_in_stap_4_waits_for_the_ib(client, people, school, victim, bully):
    case = walk(new_case(school, people["teacher5"], victim, bully), State.ACTION_PLAN, people)
    Notification.objects.all().update(read_at=timezone.now())
    client.force_login(people["ib"])

    response = client.get(reverse("cases:dashboard"))

    assert list(response.context["waiting"]) == [case]


def test_filter_by_pupil_finds_their_cases(people, school, groep7, victim, bully):
    other = make_pupil(school, groep7, "Fleur", "Visser")
    mine = new_case(school, people["teacher5"], victim, bully)
    theirs = new_case(school, people["ib"], other, bully)  # groep 7: not the teacher's

    found = filtered_cases(people["ib"], Filters(pupils=[other.pk]))

    assert list(found) == [theirs]
    assert mine not in found


def test_filter_by_pupil_stays_within_what_the_user_may_see(people, school, victim, bully):
    new_case(school, people["teacher5"], victim, bully)

    assert not filtered_cases(people["ib_other"], Filters(pupils=[victim.pk])).exists()


def test_a_name_finds_the_pupils_it_matches(client, people, school, groep7, victim, bully):
    other = make_pupil(school, groep7, "Fleur", "Visser")
    new_case(school, people["teacher5"], victim, bully)
    theirs = new_case(school, people["ib"], other, bully)
    client.force_login(people["ib"])

    response = client.post(reverse("cases:dashboard"), {"name": "fleur vis"}, follow=True)

    assert response.redirect_chain == [
        (reverse("cases:dashboard") + f"?leerling={other.pk}#results-title", 302)
    ]
    assert list(response.context["page"].object_list) == [theirs]
    assert response.context["chosen_pupils"] == [other]


def test_a_name_that_matches_no_pupil_says_so(client, people, school, victim, bully):
    new_case(school, people["teacher5"], victim, bully)
    client.force_login(people["ib"])

    response = client.post(reverse("cases:dashboard"), {"name": "Zwartjes"})

    assert response.status_code == 200
    assert "Geen leerling gevonden met deze naam." in response.content.decode()


def test_the_pages_of_a_filtered_list_keep_the_pupil(client, people, school, victim, bully):
    make_cases(30, school, people["teacher5"], people["ib"], victim, bully)
    client.force_login(people["ib"])

    html = client.get(reverse("cases:dashboard"), {"leerling": victim.pk}).content.decode()

    assert f'href="?leerling={victim.pk}&amp;pagina=2"' in html


def test_filter_by_class_and_period(people, school, groep7, victim, bully):
    other = make_pupil(school, groep7, "Fleur", "Visser")
    old = new_case(school, people["teacher5"], victim, bully)
    old.signal_date = datetime.date(2026, 1, 10)
    old.save()
    recent = new_case(school, people["ib"], other, bully)  # groep 7: not the teacher's

    by_class = filtered_cases(people["ib"], Filters(school_class=groep7))
    by_period = filtered_cases(people["ib"], Filters(date_to=datetime.date(2026, 2, 1)))

    assert list(by_class) == [recent]
    assert list(by_period) == [old]


def test_the_charts_count_signals_per_month_and_place(people, school, victim, bully):
    for day in (datetime.date(2026, 3, 2), datetime.date(2026, 3, 20), datetime.date(2026, 5, 1)):
        case = new_case(school, people["teacher5"], victim, bully)
        case.signal_date = day
        case.save()
    cases = filtered_cases(people["ib"], Filters())

    months = signals_per_month(cases, datetime.date(2026, 3, 1), datetime.date(2026, 5, 31))
    places = signals_per_place(cases)

    assert months["values"] == [2, 0, 1]
    assert places["values"][places["labels"].index("op het schoolplein")] == 3


def test_the_chart_data_is_not_an_inline_script(client, people, school, victim, bully):
    new_case(school, people["teacher5"], victim, bully)
    client.force_login(people["ib"])

    html = client.get(reverse("cases:dashboard")).content.decode()

    assert '<script id="chart-per-month" type="application/json">' in html
    assert "/static/vendor/chartjs/chart.umd.min.js" in html
    assert "<script>" not in html
