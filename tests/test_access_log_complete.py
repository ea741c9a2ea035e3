"""Every page that shows pupil data writes its read to the access log.

The walk opens every named URL with GET as a persona that may open it (status 200)
and fails when the page writes no access record. The URL names that show no pupil
data are declared in ``SHOWS_NO_PUPIL_DATA``, each with the reason; every other
name is assumed to show pupil data, so a new page fails here until it records its
read or someone declares otherwise. A name that is neither walked nor declared
fails ``test_every_url_is_walked_or_declared``.

The world is the one of ``test_access_matrix`` (the demo data, seeded once for
this module) with a letter on the victim talk, so ``noblame:letter`` has a file
to serve; the URL arguments and who may open what come from its ``TABLE``.
"""

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db.models import Max
from django.urls import reverse

from audit.models import AccessRecord
from cases.access import visible_cases
from cases.models import Case
from tests.test_access_matrix import PERSONAS, TABLE, _pick_objects, named_urls

# Out of scope by namespace: Django's own admin, and the beheer pages (``schools``),
# which are covered by their own tests.
OUT_OF_SCOPE_NAMESPACES = {"admin", "schools"}

# URL name -> why it shows no pupil data (and so writes no access record).
SHOWS_NO_PUPIL_DATA = {
    "home": "redirects to the start page",
    "login": "the login form",
    "logout": "POST only: logs out and redirects",
    "set_language": "switches the language and redirects",
    "health": "database and file store answer: ok or error, for monitoring",
    "noblame:school_settings": "a school's No Blame dates and rounds (beheer), no pupil",
    "audit:log": "the access log itself: usernames, object types and ids, never a pupil",
    # Overviews: a row per case (reference, pupils' names and part, stap) to find a
    # case by; opening the case, talk, plan or traject is the read that is recorded.
    "cases:start": "overview of the user's own open cases and what is due",
    "cases:todo": "overview of planned talks: date, kind of talk, case reference",
    "cases:list": "overview of the cases the user may see",
    "cases:dashboard": "overview: figures, charts and a list of cases",
    "noblame:list": "overview of the trajects: case reference, school, phase, date",
    # The year report: counts only (small ones hidden), never a pupil, a case or a text.
    "reports:school": "anonymous figures of a school",
    "reports:school_pdf": "anonymous figures of a school, as PDF",
    "reports:school_csv": "anonymous figures of a school, as CSV",
    "reports:board": "anonymous figures of the board's schools",
    "reports:board_pdf": "anonymous figures of the board's schools, as PDF",
    "reports:board_csv": "anonymous figures of the board's schools, as CSV",
    "cases:signal_new": "a blank form; the only pupils on it are the ones the user picks",
    # The picker of the signal form: names (and class) of pupils of the user's own
    # school as the user types, to choose from; no case, talk or dossier is read.
    "cases:pupil_search": "the pupil picker: names matching what the user types",
    "cases:pupil_row": "the pupil picker: the row of the pupil just picked",
    # The same picker for the support group chosen with the victim (No Blame).
    "noblame:pick_search": "the pupil picker: names matching what the user types",
    "noblame:pick_row": "the pupil picker: the row of the pupil just picked",
    # POST only: they change something and redirect to a page that records its read.
    "cases:fire": "POST only",
    "cases:plan_talk": "POST only",
    "cases:outcome": "POST only",
    "cases:coaches": "POST only",
    "cases:evidence_add": "POST only",
    "noblame:fire": "POST only",
    "noblame:confirm": "POST only",
    "noblame:participant_remove": "POST only",
    "noblame:meeting_plan": "POST only",
    # Accounts (issue 14): the user's own account, login steps and staff invitations.
    "accounts:two_factor": "the second login step: a code field",
    "accounts:sso_start": "redirects to the school account's provider",
    "accounts:sso_callback": "signs in and redirects",
    "accounts:invitation": "the invitee's own name, username and password",
    "accounts:account": "the user's own account, second factor and sessions",
    "accounts:setup": "setting up the user's own authenticator app",
    "accounts:setup_qr": "the QR code of the user's own app",
    "accounts:backup_codes": "the user's own backup codes",
    "accounts:sessions_end": "POST only",
    "accounts:session_end": "POST only",
    "accounts:password_change": "the user's own password form",
    "accounts:password_change_done": "a confirmation",
    "accounts:password_reset": "an e-mail address form",
    "accounts:password_reset_done": "a confirmation",
    "accounts:password_reset_confirm": "a new password form",
    "accounts:password_reset_complete": "a confirmation",
    "accounts:staff_invite": "beheer: invitations of staff (addresses, roles), no pupils",
    "accounts:staff_invite_revoke": "POST only",
    "accounts:staff_two_factor": "POST only",
    "accounts:staff_sso": "POST only",
    "accounts:staff_two_factor_reset": "POST only",
}

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def in_scope(name: str) -> bool:
    return ":" not in name or name.split(":")[0] not in OUT_OF_SCOPE_NAMESPACES


WALKED = sorted(name for name in TABLE if name not in SHOWS_NO_PUPIL_DATA and in_scope(name))


def test_every_url_is_walked_or_declared():
    names = {name for name in named_urls() if in_scope(name)}

    missing = names - set(WALKED) - set(SHOWS_NO_PUPIL_DATA)

    assert not missing, (
        f"{sorted(missing)}: add each to TABLE in test_access_matrix (then the walk opens "
        "it), or declare it in SHOWS_NO_PUPIL_DATA if it shows no pupil data"
    )


def test_every_declared_name_exists():
    assert set(SHOWS_NO_PUPIL_DATA) <= {name for name in named_urls() if in_scope(name)}


# --- the walk --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(demo, django_db_blocker):
    """The objects of test_access_matrix, and a letter on the victim talk of the traject."""
    with django_db_blocker.unblock():
        world = {**_pick_objects(), "media": demo}
        talk = world["traject"].victim_talk
        talk.letter.save("brief.png", ContentFile(PNG), save=False)
        talk.letter_name, talk.letter_content_type = "brief.png", "image/png"
        talk.save()
        return world


@pytest.fixture
def served(world, settings, db):
    """The world, with its files where the views look for them."""
    settings.MEDIA_ROOT = world["media"]
    return world


def openers(name: str) -> list[str]:
    """Usernames to try: who the matrix says gets the page first, then everyone else."""
    statuses = TABLE[name][1]["GET"].split()
    users = [
        (status != "200", user)
        for status, user in zip(statuses, PERSONAS.values(), strict=True)
        if user
    ]
    return [user for _later, user in sorted(users, key=lambda pair: pair[0])]


def records_of(client, user, url) -> tuple[int, list[AccessRecord]]:
    """GET ``url`` as ``user``: the status and the access records the request wrote."""
    client.force_login(user)
    before = AccessRecord.objects.aggregate(last=Max("pk"))["last"] or 0
    # No response.close(): it sends request_finished, whose close_old_connections ends the
    # test's PostgreSQL connection (the test client already closes the response safely).
    response = client.get(url)
    return response.status_code, list(AccessRecord.objects.filter(pk__gt=before))


@pytest.mark.django_db
@pytest.mark.parametrize("name", WALKED)
def test_a_page_of_pupil_data_writes_its_read(client, served, name):
    url = reverse(name, args=TABLE[name][0](served))
    for username in openers(name):
        status, records = records_of(client, User.objects.get(username=username), url)
        if status == 200:
            break
    else:
        pytest.fail(
            f"Nobody opens {name} with GET: give it arguments that lead to a page, or "
            "declare it in SHOWS_NO_PUPIL_DATA"
        )

    assert records, f"{name} shows pupil data but wrote no access record (as {username})"
    assert {r.school_id for r in records} == {served["case"].school_id}, (
        f"{name} wrote a record without the school, so no school's log shows it"
    )


# --- the pages that recorded nothing before --------------------------------------------------

NO_BLAME_PAGES = [
    "traject",
    "preparation",
    "victim_talk",
    "group",
    "meeting",
    "follow_up",
    "follow_up_victim",
    "follow_up_member",
]


@pytest.mark.parametrize("name", NO_BLAME_PAGES)
def test_a_no_blame_page_writes_one_record_on_the_traject(client, served, name):
    smw = User.objects.get(username="smw")
    url = reverse(f"noblame:{name}", args=TABLE[f"noblame:{name}"][0](served))

    status, records = records_of(client, smw, url)

    assert status == 200
    traject = served["traject"]
    assert [(r.object_type, r.object_id, r.action, r.school_id, r.user) for r in records] == [
        ("noblame.traject", str(traject.pk), "view", traject.case.school_id, smw)
    ]


@pytest.mark.parametrize("name", NO_BLAME_PAGES)
def test_a_no_blame_page_refused_writes_no_record(client, served, name):
    url = reverse(f"noblame:{name}", args=TABLE[f"noblame:{name}"][0](served))

    status, records = records_of(client, User.objects.get(username="leerkracht2"), url)

    assert (status, records) == (404, [])


def test_the_plan_form_writes_one_record_on_the_latest_plan(client, served):
    case = served["plan"].case
    latest = case.plans.order_by("-version").first()

    status, records = records_of(
        client, User.objects.get(username="ib"), reverse("plans:edit", args=[case.pk])
    )

    assert status == 200
    assert [(r.object_type, r.object_id, r.action, r.school_id) for r in records] == [
        ("plans.actionplan", str(latest.pk), "view", case.school_id)
    ]


def test_the_plan_form_of_a_case_without_a_plan_records_the_case(client, served):
    ib = User.objects.get(username="ib")
    case = Case.objects.filter(pk__in=visible_cases(ib), plans__isnull=True).first()

    status, records = records_of(client, ib, reverse("plans:edit", args=[case.pk]))

    assert status == 200
    assert [(r.object_type, r.object_id, r.action, r.school_id) for r in records] == [
        ("cases.case", str(case.pk), "view", case.school_id)
    ]


def test_the_plan_form_refused_writes_no_record(client, served):
    url = reverse("plans:edit", args=[served["plan"].case_id])

    status, records = records_of(client, User.objects.get(username="smw"), url)

    assert (status, records) == (403, [])


def test_the_form_for_a_new_talk_records_the_case(client, served):
    case = served["case"]

    status, records = records_of(
        client,
        User.objects.get(username="leerkracht"),
        reverse("cases:talk", args=[case.pk, "victim"]),
    )

    assert status == 200
    assert [(r.object_type, r.object_id, r.action, r.school_id) for r in records] == [
        ("cases.case", str(case.pk), "view", case.school_id)
    ]
