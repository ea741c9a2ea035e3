"""The beheerder's admin: data of their own school, and no second way to change a state."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.walk import new_case


@pytest.fixture
def beheerder(people):
    user = people["beheerder"]
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["schools", "cases"])
    )
    return user


@pytest.fixture
def case(school, people, victim, bully):
    return new_case(school, people["teacher5"], victim, bully)


def test_state_is_read_only_in_the_admin(client, beheerder, case):
    client.force_login(beheerder)
    url = reverse("admin:cases_case_change", args=[case.pk])

    page = client.get(url)

    assert page.status_code == 200
    assert 'name="state"' not in page.content.decode()
    assert "state" not in page.context["adminform"].form.fields


def test_posting_a_state_in_the_admin_changes_nothing(client, beheerder, case):
    client.force_login(beheerder)
    url = reverse("admin:cases_case_change", args=[case.pk])
    page = client.get(url)
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None
    }

    client.post(url, {**data, "state": "closed"})

    case.refresh_from_db()
    assert case.state == "signaled"


def test_beheerder_sees_only_their_own_schools_pupils(client, beheerder, other_school, victim):
    from schools.models import Pupil

    Pupil.objects.create(school=other_school, first_name="Elders", last_name="Leerling")
    client.force_login(beheerder)

    page = client.get(reverse("admin:schools_pupil_changelist"))

    content = page.content.decode()
    assert victim.last_name in content
    assert "Elders" not in content


def test_admin_cannot_add_a_case_beside_the_signal_form(client, beheerder):
    client.force_login(beheerder)

    assert client.get(reverse("admin:cases_case_add")).status_code == 403
