"""Every main page runs the same number of SQL queries, whatever the history: counted on a
small school, then again after many more cases, talks, versions, trajects and dossier
entries were added. Counts, not times (the times are ``scripts/benchmark.py``'s job).

Transaction control (``BEGIN``/``COMMIT``/savepoints around the session save) is not
counted: SQLite's driver logs it as statements, PostgreSQL's does not.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Notification, State, Talk
from cases.talks import TalkKind
from noblame import queries as nb_queries
from noblame.models import Traject
from tests.conftest import make_pupil
from tests.noblame_walk import walk_traject
from tests.walk import answers, new_case, walk

# The most queries a main page may run (the session and its save, the user, roles, access
# log included). The export is no page but a document: constant, a few more.
LIMIT = 15
LIMIT_EXPORT = 16
NOT_COUNTED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def queries_of(client, url) -> list[str]:
    """The SQL statements of the second request for ``url``."""
    client.get(url)  # warm: first-request work (caches, lazy settings) is not the page's
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [
        q["sql"][:200]
        for q in queries.captured_queries
        if not q["sql"].upper().startswith(NOT_COUNTED)
    ]


def add_history(case, by, talks: int) -> None:
    """``talks`` more talks on ``case``, each with two versions, and as many planned ones (a
    planned talk shows the holiday it falls in)."""
    for n in range(talks):
        Talk.objects.create(
            case=case,
            kind=TalkKind.OTHER,
            cycle=case.cycle,
            planned_on=timezone.localdate() + datetime.timedelta(days=7 * n + 1),
            created_by=by,
        )
        version = services.talk_record(
            case, TalkKind.OTHER, by=by, held_on=timezone.localdate(), answers=answers("other")
        )
        services.talk_record(
            case,
            TalkKind.OTHER,
            by=by,
            held_on=timezone.localdate(),
            answers=answers("other"),
            talk=version.talk,
        )


def add_cases(n, school, people, victim, bully) -> None:
    """``n`` more cases, most of ``victim``, in several stappen (a No Blame traject each third),
    with overdue and coming talks and unread notifications for the IB."""
    today = timezone.localdate()
    groep = victim.school_class
    for i in range(n):
        if i % 3 == 0:
            # Pupils new to No Blame: a pupil who had it before goes straight to stap 4.
            pupils = [make_pupil(school, groep, f"Kind{i}", "Nieuw", guardian=False) for _ in "ab"]
            case = walk(new_case(school, people["teacher5"], *pupils), State.SUPPORT_GROUP, people)
        else:
            case = new_case(school, people["teacher5"], victim, bully)
        if i % 3 == 1:
            walk(case, State.ASSESSMENT, people)
        Talk.objects.create(  # planned talks feed Te doen and the dashboard, nothing else
            case=case,
            kind=TalkKind.OTHER,
            planned_on=today + datetime.timedelta(days=(i % 5) - 2),
            created_by=people["teacher5"],
        )
        Notification.objects.create(user=people["ib"], case=case, message="Casus gewijzigd.")


@pytest.fixture
def board(people, school, groep5, victim, bully):
    """A small school: one case far into the protocol (plan, traject), two more."""
    make_pupil(school, groep5, "Fleur", "Visser")
    main = walk(new_case(school, people["teacher5"], victim, bully), State.TALKS, people)
    add_history(main, people["teacher5"], 1)
    add_cases(2, school, people, victim, bully)
    return main


PAGES = [
    ("start", "ib", lambda case, pupil: reverse("cases:start")),
    ("start", "teacher5", lambda case, pupil: reverse("cases:start")),
    ("start", "smw", lambda case, pupil: reverse("cases:start")),
    ("te doen", "ib", lambda case, pupil: reverse("cases:todo")),
    ("te doen", "teacher5", lambda case, pupil: reverse("cases:todo")),
    ("te doen: te laat", "ib", lambda case, pupil: reverse("cases:todo") + "?lijst=te-laat"),
    ("case list", "ib", lambda case, pupil: reverse("cases:list")),
    ("case list", "teacher5", lambda case, pupil: reverse("cases:list")),
    ("case list: closed", "ib", lambda case, pupil: reverse("cases:list") + "?toon=afgesloten"),
    ("case list: waiting", "ib", lambda case, pupil: reverse("cases:list") + "?toon=wacht"),
    ("dashboard", "ib", lambda case, pupil: reverse("cases:dashboard")),
    ("dashboard", "director", lambda case, pupil: reverse("cases:dashboard")),
    (
        "dashboard: filtered",
        "ib",
        lambda case, pupil: reverse("cases:dashboard") + f"?leerling={pupil.pk}&state=assessment",
    ),
    (
        "dashboard: overdue",
        "ib",
        lambda case, pupil: reverse("cases:dashboard") + "?lijst=te-laat",
    ),
    ("case page", "ib", lambda case, pupil: reverse("cases:detail", args=[case.pk])),
    ("case page", "teacher5", lambda case, pupil: reverse("cases:detail", args=[case.pk])),
    ("pupil dossier", "ib", lambda case, pupil: reverse("dossier:pupil", args=[pupil.pk])),
    ("No Blame list", "smw", lambda case, pupil: reverse("noblame:list")),
    ("No Blame list", "ib", lambda case, pupil: reverse("noblame:list")),
    (
        "No Blame list: closed",
        "smw",
        lambda case, pupil: reverse("noblame:list") + "?toon=afgesloten",
    ),
    ("dossier export", "ib", lambda case, pupil: reverse("dossier:export", args=[pupil.pk])),
]


@pytest.mark.parametrize(
    ("label", "persona", "url"), PAGES, ids=[f"{p} ({r})" for p, r, _u in PAGES]
)
def test_a_main_page_runs_the_same_queries_with_more_history(
    client, people, school, victim, bully, board, label, persona, url
):
    client.force_login(people[persona])
    address = url(board, victim)
    small = queries_of(client, address)

    add_history(board, people["teacher5"], 6)
    add_cases(9, school, people, victim, bully)
    large = queries_of(client, address)

    assert len(large) == len(small), "\n".join(large)
    limit = LIMIT_EXPORT if label == "dossier export" else LIMIT
    assert len(large) <= limit, "\n".join(large)


PHASES = [
    Traject.State.PREPARATION,
    Traject.State.VICTIM_ASSIGNMENT,
    Traject.State.GROUP_FORMED,
    Traject.State.GROUP_MEETING,
    Traject.State.FOLLOW_UP,
]


def test_the_no_blame_list_computes_the_next_date_in_sql_as_the_traject_does(
    people, school, groep5
):
    """The list orders and shows by ``noblame.queries``; the traject page by
    ``Traject.next_due``: the same date and the same words, in every running phase."""
    for i, phase in enumerate(PHASES):
        pupils = [make_pupil(school, groep5, f"Fase{i}", f"Kind{n}", guardian=False) for n in "ab"]
        case = walk(new_case(school, people["teacher5"], *pupils), State.SUPPORT_GROUP, people)
        walk_traject(Traject.objects.get(case=case), phase)
    trajects = Traject.objects.all()

    in_sql = {t.pk: nb_queries.next_due(t) for t in nb_queries.with_next_due(trajects)}
    ordered = dict(nb_queries.by_next_due(trajects).values_list("pk", "next_on"))

    assert any(in_sql.values())
    for traject in trajects:
        expected = traject.next_due()
        found = in_sql[traject.pk]
        assert (found and (str(found[0]), found[1])) == expected, traject.state
        assert ordered[traject.pk] == (expected[1] if expected else None), traject.state
