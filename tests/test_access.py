"""Who sees which case, and who may act on it."""

import pytest
from django.urls import reverse

from cases.access import acting_roles, visible_cases
from tests.walk import new_case


@pytest.fixture
def case(school, people, victim, bully):
    return new_case(school, people["teacher5"], victim, bully)


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("teacher5", True),
        ("teacher7", False),
        ("ib", True),
        ("smw", True),
        ("director", True),
        ("ib_other", False),
        ("inactive_ib", False),
        ("beheerder", False),
    ],
)
def test_who_sees_the_case(case, people, persona, sees):
    assert visible_cases(people[persona]).filter(pk=case.pk).exists() is sees


def test_teacher_sees_a_case_they_are_assigned_to(case, people):
    case.coach_bully = people["teacher7"]
    case.save(update_fields=["coach_bully"])

    assert visible_cases(people["teacher7"]).filter(pk=case.pk).exists()


def test_teacher_of_another_class_cannot_act(case, people):
    assert acting_roles(people["teacher7"], case) == set()
    assert acting_roles(people["teacher5"], case) == {"teacher"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [("teacher5", 200), ("ib", 200), ("teacher7", 404), ("ib_other", 404)],
)
def test_case_page_answers_404_to_who_may_not_see_it(client, case, people, persona, status):
    client.force_login(people[persona])

    response = client.get(reverse("cases:detail", args=[case.pk]))

    assert response.status_code == status


def test_case_page_asks_anonymous_to_log_in(client, case):
    response = client.get(reverse("cases:detail", args=[case.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_firing_from_the_page_is_post_only(client, case, people):
    client.force_login(people["teacher5"])

    response = client.get(reverse("cases:fire", args=[case.pk, "start_victim_talk"]))

    assert response.status_code == 405


def test_firing_from_the_page_moves_the_case(client, case, people):
    client.force_login(people["teacher5"])

    client.post(reverse("cases:fire", args=[case.pk, "start_victim_talk"]))

    case.refresh_from_db()
    assert case.state == "victim_talk"


def test_refused_action_shows_its_reason_on_the_page(client, case, people):
    client.force_login(people["teacher5"])

    response = client.post(reverse("cases:fire", args=[case.pk, "assess"]), follow=True)

    assert "Dit kan niet in de huidige stap" in response.content.decode()


def test_other_school_cannot_fire_on_the_case(client, case, people):
    client.force_login(people["ib_other"])

    response = client.post(reverse("cases:fire", args=[case.pk, "start_victim_talk"]))

    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == "signaled"
