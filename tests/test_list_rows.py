"""What a list row shows, fetched the cheap way (issue 11), says what the models say:
the pupils of a case come as one JSON column of its row, a capped list is counted in its
own query, and the class select is built from values. Each is checked against the model
objects or a COUNT query as the oracle.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from cases import queries, services
from cases.forms import DashboardFilterForm
from cases.models import Case, CasePupil, State, Talk
from cases.paging import capped
from cases.talks import TalkKind
from cases.templatetags.cases_ui import pupils_short
from noblame import todo
from schools.models import Membership, Role, SchoolClass
from tests.walk import new_case, walk

TODAY = datetime.date.today


def _expected_pupils(case) -> list[tuple[str, str, str]]:
    rows = CasePupil.objects.filter(case=case).select_related("pupil__school_class")
    rows = sorted(rows, key=lambda cp: (cp.role, cp.pupil.last_name, cp.pupil.first_name))
    return [
        (
            cp.pupil.full_name,
            cp.get_role_display(),
            cp.pupil.school_class.name if cp.pupil.school_class else "",
        )
        for cp in rows
    ]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_list_row_names_every_pupil_of_its_case_with_role_and_class(seeded, language):
    with translation.override(language):
        rows = list(queries.with_list_data(Case.objects.order_by("pk")))
        assert len(rows) > 50
        for case in rows:
            assert [tuple(p) for p in case.pupil_list] == _expected_pupils(case), case.reference


def test_a_row_of_a_pupil_without_a_class_shows_no_class(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    bully.school_class = None
    bully.save()

    (row,) = queries.with_list_data(Case.objects.filter(pk=case.pk))

    assert [p.class_name for p in row.pupil_list] == ["", victim.school_class.name]


def test_the_case_list_shows_the_pupils_from_the_row(client, school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    client.force_login(people["ib"])

    html = client.get(reverse("cases:list")).content.decode()

    assert case.reference in html
    assert f'<span class="text-nowrap">{bully.full_name}</span>' in html
    assert f'<span class="text-nowrap">{victim.full_name}</span>' in html
    assert "(pester, groep 5)</span><br>" in html  # the bully first: by role, then name
    assert "(gepeste, groep 5)</span></td>" in html


def test_a_capped_list_counts_every_row_in_the_same_query(
    school, people, victim, bully, django_assert_num_queries
):
    case = walk(new_case(school, people["teacher5"], victim, bully), State.ACTION_PLAN, people)
    for days in range(1, 5):
        services.talk_plan(
            case, TalkKind.OTHER, TODAY() - datetime.timedelta(days=days), by=people["ib"]
        )
    talks = queries.overdue_talks(people["ib"])

    with django_assert_num_queries(1):
        rows, total = capped(talks, 2)

    assert total == talks.count() >= 4
    assert [t.pk for t in rows] == [t.pk for t in talks[:2]]
    assert capped(Talk.objects.none()) == ([], 0)


def test_te_doen_counts_what_a_count_query_counts_for_every_demo_account(seeded):
    checked = 0
    for user in get_user_model().objects.order_by("pk"):
        lists = queries.todo_for(user, cap=2)
        counts = queries.todo_counts(user)
        assert (lists.overdue_count, lists.due_count) == (counts["overdue"], counts["due"])
        assert len(lists.overdue) == min(2, counts["overdue"])
        assert len(lists.due) == min(2, counts["due"])
        checked += counts["overdue"] + counts["due"]
    assert checked > 0


def _flat(choices) -> list:
    flat = []
    for value, label in choices:
        flat += label if isinstance(label, list) else [(value, label)]
    return flat


def test_the_class_select_of_one_school_is_a_flat_list(people, groep5, groep7):
    form = DashboardFilterForm(user=people["ib"])
    choices = list(form.fields["school_class"].choices)

    assert choices[0] == ("", "Alle groepen")
    assert choices[1:] == [(groep5.pk, "groep 5 (2026-2027)"), (groep7.pk, "groep 7 (2026-2027)")]


def test_the_class_select_of_several_schools_groups_the_classes_by_school(
    client, people, school, other_school, groep5, groep7
):
    ib = people["ib"]
    Membership.objects.create(user=ib, school=other_school, role=Role.IB)
    theirs = SchoolClass.objects.create(
        school=other_school, school_year="2026-2027", name="groep 5"
    )
    form = DashboardFilterForm(user=ib)

    groups = list(form.fields["school_class"].choices)[1:]

    assert [name for name, _classes in groups] == ["CBS Het Kompas", "OBS De Regenboog"]
    assert [pk for pk, _label in _flat(groups)] == [theirs.pk, groep5.pk, groep7.pk]
    client.force_login(ib)
    html = client.get(reverse("cases:dashboard")).content.decode()
    assert '<optgroup label="CBS Het Kompas">' in html


def test_a_class_of_another_school_is_refused_with_a_message(client, people, other_school):
    elsewhere = SchoolClass.objects.create(
        school=other_school, school_year="2026-2027", name="groep 8"
    )
    form = DashboardFilterForm({"school_class": elsewhere.pk}, user=people["ib"])

    assert not form.is_valid()
    assert "school_class" in form.errors
    assert elsewhere.pk not in [pk for pk, _label in _flat(form.fields["school_class"].choices)]
    client.force_login(people["ib"])
    response = client.get(reverse("cases:dashboard") + f"?school_class={elsewhere.pk}")
    assert response.status_code == 200
    assert "groep 8" not in response.content.decode()


def _short_names_oracle(case) -> str:
    order = {"victim": 0, "bully": 1}
    rows = sorted(
        CasePupil.objects.filter(case=case).select_related("pupil"),
        key=lambda cp: (order.get(cp.role, 2), cp.pk),
    )
    return ", ".join(
        f"{cp.pupil.first_name} {cp.pupil.last_name.split()[-1][:1]}."
        if cp.pupil.last_name.strip()
        else cp.pupil.first_name
        for cp in rows
    )


def test_a_talk_row_names_the_pupils_of_its_case_as_the_case_does(seeded):
    talks = list(queries.with_case_pupils(Talk.objects.select_related("case")))
    assert len({talk.case_id for talk in talks}) > 50
    for talk in talks:
        expected = _short_names_oracle(talk.case)
        assert pupils_short(talk.case_pupil_rows) == expected, talk.case.reference
        assert talk.case.pupils_short == expected


def test_te_doen_shows_the_pupils_beside_the_case(client, school, people, victim, bully):
    case = walk(new_case(school, people["teacher5"], victim, bully), State.ACTION_PLAN, people)
    services.talk_plan(case, TalkKind.OTHER, TODAY() + datetime.timedelta(days=1), by=people["ib"])
    client.force_login(people["ib"])

    html = client.get(reverse("cases:todo") + "?lijst=komend").content.decode()

    short = _short_names_oracle(case)
    assert short.startswith(f"{victim.first_name} ")  # the victim first
    assert f"{case.reference}</a>" in html
    assert short in html


def test_the_start_page_figure_counts_every_no_blame_item_for_every_demo_account(seeded):
    checked = 0
    for user in get_user_model().objects.order_by("pk"):
        items = len(todo.preparation_requests(user)) + len(todo.check_ins_due(user))
        assert todo.todo_count(user) == [items], user.username
        checked += items
    assert checked > 0


def test_a_list_capped_at_nothing_still_says_how_many(school, people, victim, bully):
    case = walk(new_case(school, people["teacher5"], victim, bully), State.ACTION_PLAN, people)
    services.talk_plan(case, TalkKind.OTHER, TODAY() - datetime.timedelta(days=1), by=people["ib"])

    assert capped(queries.overdue_talks(people["ib"]), 0) == ([], 1)


def test_a_case_fetched_without_its_rows_still_lists_its_pupils(school, people, victim, bully):
    case = Case.objects.get(pk=new_case(school, people["teacher5"], victim, bully).pk)

    assert [tuple(p) for p in case.pupil_list] == _expected_pupils(case)
    assert case.pupils_short == _short_names_oracle(case)
