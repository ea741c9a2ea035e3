"""Access records for reads, and the access log page of the director and the beheerder."""

import datetime

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from audit import record_access
from audit.models import AccessRecord
from schools.models import Role
from tests.conftest import make_user
from tests.walk import new_case

LOG = reverse("audit:log")


@pytest.fixture
def case(school, teacher5, victim, bully):
    return new_case(school, teacher5, victim, bully)


def text_fields(record):
    return " ".join(
        str(getattr(record, f.attname))
        for f in AccessRecord._meta.fields
        if not isinstance(f, models.ForeignKey)
    )


def test_opening_a_case_page_is_recorded(client, case, teacher5):
    client.force_login(teacher5)

    client.get(reverse("cases:detail", args=[case.pk]), REMOTE_ADDR="192.0.2.7")

    record = AccessRecord.objects.get()
    assert record.user == teacher5
    assert record.roles == "teacher"
    assert (record.object_type, record.object_id) == ("cases.case", str(case.pk))
    assert record.action == "view"
    assert record.school_id == case.school_id
    assert record.ip_address == "192.0.2.7"


def test_an_access_record_holds_no_pupil_names(client, case, ib):
    client.force_login(ib)

    client.get(reverse("cases:detail", args=[case.pk]))

    stored = text_fields(AccessRecord.objects.get())
    assert "Sanne" not in stored
    assert "Vries" not in stored
    assert "Daan" not in stored


def test_a_refused_case_page_writes_no_record(client, case, teacher7, ib_other):
    for user in (teacher7, ib_other):
        client.force_login(user)
        assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404

    assert not AccessRecord.objects.exists()


def test_record_access_finds_the_school_through_the_pupil(rf, victim, ib):
    request = rf.get("/")
    request.user = ib

    record = record_access(request, victim, "print")

    assert record.school_id == victim.school_id
    assert record.object_type == "schools.pupil"
    assert record.roles == "ib"


def test_record_access_refuses_an_unknown_action(rf, victim, ib):
    request = rf.get("/")
    request.user = ib

    with pytest.raises(ValueError, match="Unknown access action"):
        record_access(request, victim, "peek")


# --- the access log page -------------------------------------------------------------


def read(client, user, case, n=1):
    client.force_login(user)
    for _ in range(n):
        client.get(reverse("cases:detail", args=[case.pk]))


@pytest.mark.parametrize("persona", ["director", "beheerder"])
def test_director_and_beheerder_read_their_schools_log(client, people, case, persona):
    read(client, people["ib"], case)
    client.force_login(people[persona])

    response = client.get(LOG)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Toegangslog" in html
    assert "Ingrid Bakker" in html
    assert "Casus" in html
    assert response.context["page"].paginator.count == 1


@pytest.mark.parametrize("persona", ["teacher5", "teacher7", "ib", "smw", "ib_other"])
def test_others_are_refused_the_log(client, people, persona):
    client.force_login(people[persona])

    assert client.get(LOG).status_code == 403


def test_a_deactivated_director_is_refused(client, school):
    former = make_user("oud.directie", school, Role.DIRECTOR, is_active=False)
    client.force_login(former)

    assert client.get(LOG).status_code in (302, 403)


def test_anonymous_visitors_go_to_the_login_page(client, db):
    response = client.get(LOG)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_director_never_sees_another_schools_log(client, people, case, other_school):
    read(client, people["ib"], case)
    other_director = make_user("directie2", other_school, Role.DIRECTOR)
    client.force_login(other_director)

    response = client.get(LOG)

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "Ingrid" not in response.content.decode()


def test_the_log_filters_by_user_action_type_and_date(client, people, case, victim):
    read(client, people["ib"], case)
    read(client, people["teacher5"], case)
    AccessRecord.objects.filter(user=people["teacher5"]).update(
        at=timezone.now() - datetime.timedelta(days=10)
    )
    client.force_login(people["director"])

    def count(**params):
        return client.get(LOG, params).context["page"].paginator.count

    assert count() == 2
    assert count(user=people["ib"].pk) == 1
    assert count(action="download") == 0
    assert count(action="view", object_type="cases.case") == 2
    assert count(object_type="schools.pupil") == 0
    assert count(date_from=(timezone.localdate() - datetime.timedelta(days=1)).isoformat()) == 1
    assert count(date_to=(timezone.localdate() - datetime.timedelta(days=5)).isoformat()) == 1


def test_the_log_says_so_when_the_dates_are_reversed(client, people):
    client.force_login(people["director"])

    response = client.get(LOG, {"date_from": "2026-05-02", "date_to": "2026-05-01"})

    assert "ligt voor de begindatum" in response.content.decode()


def test_the_log_is_paginated(client, people, case):
    AccessRecord.objects.bulk_create(
        AccessRecord(
            user=people["ib"],
            username="ib",
            object_type="cases.case",
            object_id=str(case.pk),
            action="view",
            school=case.school,
        )
        for _ in range(60)
    )
    client.force_login(people["director"])

    first = client.get(LOG)
    second = client.get(LOG, {"pagina": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 10
    assert "Volgende" in first.content.decode()


def test_the_log_is_read_only(client, people):
    client.force_login(people["director"])

    assert client.post(LOG).status_code == 405


# --- other reads that are recorded -------------------------------------------------------

# A real 1x1 PNG: an upload is decoded, a PNG header alone is refused.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def test_downloading_evidence_is_recorded(client, case, teacher5, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.evidence import evidence_store

    settings.MEDIA_ROOT = tmp_path
    evidence_store(case, SimpleUploadedFile("scherm.png", PNG), by=teacher5)
    evidence = case.evidence.get()
    client.force_login(teacher5)

    client.get(reverse("cases:evidence", args=[case.pk, evidence.pk]))

    record = AccessRecord.objects.get(action="download")
    assert (record.object_type, record.object_id) == ("cases.evidence", str(evidence.pk))
    assert record.school_id == case.school_id


def test_opening_a_no_blame_traject_is_recorded(client, case, people):
    from cases.models import State
    from tests.walk import walk

    walk(case, State.SUPPORT_GROUP, people)
    client.force_login(people["smw"])

    response = client.get(reverse("noblame:traject", args=[case.pk]))

    assert response.status_code == 200
    record = AccessRecord.objects.get(object_type="noblame.traject")
    assert record.roles == "smw"
    assert record.school_id == case.school_id


@pytest.mark.parametrize(
    ("persona", "shown"), [("director", True), ("beheerder", True), ("ib", False)]
)
def test_the_menu_links_the_log_for_director_and_beheerder(client, people, persona, shown):
    client.force_login(people[persona])

    html = client.get(reverse("cases:start")).content.decode()

    assert (f'href="{LOG}"' in html) is shown
