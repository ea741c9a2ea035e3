"""The lists count and cap in SQL what the rules decide one case at a time (issue 11): the
SQL forms must say exactly what the rules say. Checked on every demo account and every
demo case and traject, against the rule itself as the oracle; and the flag that marks a
talk as recorded agrees with its versions.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone, translation

from cases import queries, services
from cases.access import acting_q, acting_roles, school_ids_of, visible_cases
from cases.models import Case, CasePupil, State, Talk
from cases.paging import CAP
from cases.talks import TalkKind
from noblame import rules as nb_rules
from noblame import services as nb_services
from noblame import todo
from noblame.models import Traject, TrajectState
from pestprotocol.operations import refresh_query_statistics
from schools.models import Role
from tests.walk import answers, new_case, walk

ROLE_SETS = (
    nb_rules.TALK_HOLDER.roles,
    frozenset({Role.IB}),
    frozenset({Role.TEACHER}),
    frozenset({Role.SMW, Role.IB}),
    frozenset({Role.DIRECTOR, Role.COORDINATOR}),
)


def accounts():
    return list(get_user_model().objects.order_by("pk"))


def test_acting_q_says_what_acting_roles_says_for_every_account_and_case(seeded):
    cases = list(Case.objects.all())
    checked = 0
    for user in accounts():
        for roles in ROLE_SETS:
            in_sql = set(Case.objects.filter(acting_q(user, roles)).values_list("pk", flat=True))
            one_by_one = {case.pk for case in cases if acting_roles(user, case) & roles}
            assert in_sql == one_by_one, (user.username, sorted(roles))
            checked += len(one_by_one)
    assert checked > 100  # the demo gives each rule something to say


def test_a_deactivated_account_acts_on_nothing(seeded):
    ib = get_user_model().objects.get(username="ib")
    ib.is_active = False

    assert not Case.objects.filter(acting_q(ib, {Role.IB})).exists()


def _preparation_oracle(user) -> set[int]:
    """The rule of ``Traject.preparation_list``, one traject at a time."""
    waiting = set()
    for traject in Traject.objects.filter(state=TrajectState.PREPARATION):
        case = traject.case
        visible = visible_cases(user).filter(pk=case.pk).exists()
        on_list = traject.participants.filter(user=user).exists()
        asked = (visible and user.pk in (case.responsible_teacher_id, case.ib_id)) or (
            on_list and case.school_id in school_ids_of(user)
        )
        unconfirmed = any(
            p.user_id == user.pk and p.confirmed_at is None for p in traject.preparation_list()
        )
        if asked and unconfirmed:
            waiting.add(traject.pk)
    return waiting


def _check_in_oracle(user, today) -> set[int]:
    """Check-ins due, decided per traject with the permission itself."""
    due = set()
    for traject in Traject.objects.filter(
        state__in=[
            TrajectState.VICTIM_ASSIGNMENT,
            TrajectState.GROUP_FORMED,
            TrajectState.GROUP_MEETING,
        ]
    ):
        case = traject.case
        if traject.check_ins.exists():
            continue
        if user.pk not in (case.responsible_teacher_id, case.ib_id, case.smw_id):
            continue
        if not visible_cases(user).filter(pk=case.pk).exists():
            continue
        latest = traject.victim_talks.order_by("-number").first()
        if latest is None or latest.check_in_on is None:
            continue
        if latest.check_in_on > today + datetime.timedelta(days=todo.CHECK_IN_SHOWN_DAYS_BEFORE):
            continue
        if nb_rules.TALK_HOLDER(traject, user):
            due.add(traject.pk)
    return due


def _same_preparation_requests() -> int:
    found = 0
    for user in accounts():
        in_sql = set(todo.preparation_requests(user).values_list("pk", flat=True))
        assert in_sql == _preparation_oracle(user), user.username
        found += len(in_sql)
    return found


def test_preparation_requests_in_sql_follow_the_rule_for_every_account(seeded):
    before = _same_preparation_requests()
    assert before >= 2  # the demo's request waits for leerkracht4 and the IB

    # One of them confirms, a remedial teacher is added: the SQL follows both.
    User = get_user_model()
    traject = Traject.objects.filter(state=TrajectState.PREPARATION).first()
    nb_services.preparation_confirm(traject, by=User.objects.get(username="ib"))
    added = User.objects.get(username="leerkracht2")
    nb_services.participant_add(traject, added, "remedial_teacher", by=traject.case.smw)

    assert _same_preparation_requests() == before
    assert traject.pk in set(todo.preparation_requests(added).values_list("pk", flat=True))


def test_check_ins_in_sql_follow_the_rule_for_every_account(seeded):
    # Far enough ahead that every recorded check-in date counts.
    today = timezone.localdate() + datetime.timedelta(days=60)
    found = 0
    for user in accounts():
        in_sql = set(todo.check_ins_due(user, today).values_list("pk", flat=True))
        assert in_sql == _check_in_oracle(user, today), user.username
        found += len(in_sql)
    assert found >= 1


def test_te_doen_caps_each_kind_and_says_how_many_more(seeded):
    User = get_user_model()
    ib, teacher = User.objects.get(username="ib"), User.objects.get(username="leerkracht4")
    waiting = todo.preparation_requests(ib).count()
    assert waiting >= 1

    capped = todo.todo_items(ib, cap=0)
    more = [item for item in capped if item.get("more")]
    assert [item for item in capped if not item.get("more")] == []
    assert str(waiting) in more[0]["more"]
    assert more[0]["url"]  # the IB opens the No Blame list
    # A teacher has no No Blame list to go to: the line says how many, without a link.
    assert [item["url"] for item in todo.todo_items(teacher, cap=0) if item.get("more")] == [""]
    # Under the cap nothing is cut and no line is added.
    assert not [item for item in todo.todo_items(ib, cap=CAP) if item.get("more")]
    assert sum(todo.todo_count(ib)) == len(todo.todo_items(ib, cap=CAP))


def test_every_demo_talk_is_recorded_exactly_when_it_has_a_version(seeded):
    wrong = Talk.objects.exclude(recorded=True).filter(versions__isnull=False)
    assert not wrong.exists()
    wrong = Talk.objects.filter(recorded=True, versions__isnull=True)
    assert not wrong.exists()
    assert Talk.objects.filter(recorded=False, planned_on__isnull=False).exists()


def test_recording_a_planned_talk_takes_it_off_the_open_list(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.TALKS, people)
    planned = services.talk_plan(
        case, TalkKind.BULLY, timezone.localdate() + datetime.timedelta(days=2), by=people["ib"]
    )
    assert not planned.recorded
    assert queries.open_planned_talks().filter(pk=planned.pk).exists()

    services.talk_record(
        case,
        TalkKind.BULLY,
        by=people["teacher5"],
        held_on=timezone.localdate(),
        answers=answers(TalkKind.BULLY),
        pupils=[bully],
        talk=planned,
    )

    planned.refresh_from_db()
    assert planned.recorded
    assert not queries.open_planned_talks().filter(pk=planned.pk).exists()


def test_choice_labels_follow_the_active_language(seeded):
    case = Case.objects.filter(state=State.SIGNALED).first()
    assert case.get_state_display() == str(State.SIGNALED.label)
    with translation.override("en"):
        english = case.get_state_display()
        assert english == str(State.SIGNALED.label)
    assert english != case.get_state_display()


def test_an_unknown_choice_value_shows_as_itself():
    assert CasePupil(role="not-a-role").get_role_display() == "not-a-role"
    assert CasePupil(role="bully").get_role_display() == str(CasePupil.Role.BULLY.label)


def test_query_statistics_are_refreshed(db):
    refresh_query_statistics()

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone()[0] == 1
