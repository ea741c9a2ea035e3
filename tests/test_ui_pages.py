"""The browser pages of each role: reachable, in Dutch, and only with what the role may see."""

import pytest
from django.urls import reverse

from cases.models import State
from tests.walk import new_case, walk


@pytest.fixture
def case(school, teacher5, victim, bully):
    return new_case(school, teacher5, victim, bully)


PAGES = ["cases:start", "cases:list", "cases:todo"]


@pytest.mark.parametrize("persona", ["teacher5", "teacher7", "ib", "smw", "director"])
@pytest.mark.parametrize("url_name", PAGES)
def test_every_role_opens_its_pages(client, people, case, persona, url_name):
    client.force_login(people[persona])

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert 'lang="nl"' in response.content.decode()


@pytest.mark.parametrize("persona", ["ib", "smw", "director"])
def test_school_wide_roles_open_the_dashboard(client, people, case, persona):
    client.force_login(people[persona])

    response = client.get(reverse("cases:dashboard"))

    assert response.status_code == 200
    assert case.reference in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("teacher5", 200), ("ib", 200), ("director", 403)])
def test_teachers_and_the_ib_log_signals(client, people, persona, status):
    client.force_login(people[persona])

    assert client.get(reverse("cases:signal_new")).status_code == status


def test_a_teacher_gets_no_dashboard(client, people, case):
    client.force_login(people["teacher5"])

    response = client.get(reverse("cases:dashboard"))

    assert response.status_code == 403


def test_the_root_sends_a_visitor_to_log_in(client, db):
    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))


def test_navigation_follows_the_role(client, people):
    client.force_login(people["teacher5"])
    teacher_nav = client.get(reverse("cases:start")).content.decode()
    client.force_login(people["ib"])
    ib_nav = client.get(reverse("cases:start")).content.decode()

    assert reverse("cases:dashboard") not in teacher_nav
    assert reverse("cases:dashboard") in ib_nav
    assert "Mijn casussen" in teacher_nav


def test_the_beheerder_is_sent_to_the_beheer_pages(client, people):
    client.force_login(people["beheerder"])

    html = client.get(reverse("cases:start")).content.decode()

    assert reverse("schools:home") in html
    assert reverse("admin:index") not in html
    assert reverse("cases:signal_new") not in html


@pytest.mark.parametrize("state", list(State))
def test_the_case_page_renders_in_every_state(client, people, case, state):
    walk(case, state, people)
    for persona in ("teacher5", "ib", "smw", "director"):
        client.force_login(people[persona])

        response = client.get(reverse("cases:detail", args=[case.pk]))

        assert response.status_code == 200, persona


def test_the_case_page_is_404_for_someone_who_may_not_see_it(client, people, case):
    client.force_login(people["teacher7"])

    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    client.force_login(people["ib_other"])
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404


def test_english_through_the_switch(client, people):
    client.force_login(people["teacher5"])

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("cases:start")).content.decode()

    assert 'lang="en"' in html
