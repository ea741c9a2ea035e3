"""Stored files follow their rows: a failed write leaves no file behind, a file no row
refers to is swept up, and every download is named by the case, never by the upload."""

import io
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from cases.evidence import evidence_store
from cases.models import Evidence, State
from cases.uploads import download_name
from demo.plans import draw_signature
from noblame.models import Traject, TrajectState, VictimTalk
from plans import services as plan_services
from plans.models import PlanDocument, PlanSignatory
from tests.noblame_walk import record_victim_talk, walk_traject
from tests.plan_helpers import case_in_stap4, full_plan
from tests.walk import new_case, walk

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
UPLOADED = "pesten Anas El Ouardi 2026.png"
TWO_DAYS = 48 * 3600


class Boom(Exception):
    pass


@pytest.fixture
def media(settings):
    return settings.MEDIA_ROOT  # a tmp folder per test (tests.conftest)


def files_in(media) -> set[str]:
    if not media.exists():
        return set()
    return {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}


def age(media, names, seconds=TWO_DAYS):
    then = time.time() - seconds
    for name in names:
        os.utime(media / name, (then, then))


def sweep(*args) -> str:
    out = io.StringIO()
    call_command("purge_orphan_files", *args, stdout=out)
    return out.getvalue()


def sign(signatory, people):
    return plan_services.plan_sign(
        signatory,
        by=signatory.user or people["teacher5"],
        signature=draw_signature(signatory.name),
    )


# --- the five kinds of file, each with the later step in its service that can fail ---------
# A writer prepares everything before the write and returns (the write, the later step as
# object and attribute to break).


def evidence_writer(people, case_in, plan_in, traject_in):
    case = case_in()
    upload = SimpleUploadedFile(UPLOADED, PNG)
    return lambda: evidence_store(case, upload, by=people["teacher5"]), (Evidence, "save")


def scan_writer(people, case_in, plan_in, traject_in):
    plan = plan_in()
    first = plan.signatories.first()
    upload = SimpleUploadedFile(UPLOADED, PDF)

    def write():
        plan_services.plan_sign_paper(
            plan, by=people["teacher5"], upload=upload, signatories=[first]
        )

    return write, (PlanSignatory, "save")


def signature_writer(people, case_in, plan_in, traject_in):
    signatory = plan_in().signatories.get(user=people["teacher5"])
    return lambda: sign(signatory, people), (PlanSignatory, "save")


def letter_writer(people, case_in, plan_in, traject_in):
    traject = traject_in()
    upload = SimpleUploadedFile(UPLOADED, PNG)
    return lambda: record_victim_talk(traject, letter=upload), (VictimTalk, "save")


def plan_pdf_writer(people, case_in, plan_in, traject_in):
    plan = plan_in()
    for signatory in plan.signatories.all():
        sign(signatory, people)
    # The last signature locked the plan and its task filed the PDF (at once in the tests).
    # Filing is its own unit of work: take the PDF away and file it again, then the dossier
    # is told.
    document = PlanDocument.objects.get(plan=plan)
    document.file.delete(save=False)
    document.delete()
    write = lambda: plan_services.plan_file_pdf(plan, by=people["teacher5"])  # noqa: E731
    return write, (plan_services.plan_locked, "send")


WRITERS = {
    "evidence": evidence_writer,
    "scan": scan_writer,
    "signature": signature_writer,
    "letter": letter_writer,
    "plan_pdf": plan_pdf_writer,
}
NEW_FILES = {"evidence": 1, "scan": 1, "signature": 1, "letter": 1, "plan_pdf": 1}


@pytest.fixture(params=list(WRITERS))
def kind(request):
    return request.param


@pytest.fixture
def writer(kind, school, people, victim, bully):
    def case_in():
        return new_case(school, people["teacher5"], victim, bully)

    def plan_in():
        return full_plan(case_in_stap4(school, people, victim, bully), people)

    def traject_in():
        case = walk(case_in(), State.SUPPORT_GROUP, people)
        return walk_traject(Traject.objects.get(case=case), TrajectState.VICTIM_TALK)

    return WRITERS[kind](people, case_in, plan_in, traject_in)


def test_a_failure_after_the_write_inside_the_service_leaves_no_file(
    kind, writer, media, monkeypatch
):
    write, (target, attribute) = writer
    before = files_in(media)
    seen = []

    def later_step_fails(*args, **kwargs):
        seen.append(files_in(media) - before)
        raise Boom

    monkeypatch.setattr(target, attribute, later_step_fails)
    with pytest.raises(Boom):
        write()

    assert len(seen[0]) == NEW_FILES[kind]  # the file was written before the failure
    assert files_in(media) == before


def in_a_transaction_that_rolls_back(write):
    with transaction.atomic():
        write()
        raise Boom


def test_an_outer_rollback_leaves_an_orphan_the_sweep_removes(kind, writer, media):
    write, _later_step = writer
    before = files_in(media)
    with pytest.raises(Boom):
        in_a_transaction_that_rolls_back(write)
    left = files_in(media) - before
    # No rollback hook in Django: the service's helper cannot see this one.
    assert len(left) == NEW_FILES[kind]
    age(media, left)

    sweep("--apply")

    assert files_in(media) == before


# --- the orphan sweep ------------------------------------------------------------------------


@pytest.fixture
def stored(media, school, people, victim, bully):
    """An old file a row refers to, an old orphan and a fresh orphan."""
    case = new_case(school, people["teacher5"], victim, bully)
    referenced = evidence_store(case, SimpleUploadedFile("chat.png", PNG), by=people["teacher5"])
    (media / "evidence" / "1").mkdir(parents=True, exist_ok=True)
    (media / "evidence/1/0a1b2c").write_bytes(PNG)
    (media / "evidence/1/3d4e5f").write_bytes(PNG)
    age(media, [referenced.file.name, "evidence/1/0a1b2c"])
    return {
        "referenced": referenced.file.name,
        "old": "evidence/1/0a1b2c",
        "fresh": "evidence/1/3d4e5f",
    }


def test_the_sweep_lists_an_old_orphan_and_changes_nothing(stored, media):
    output = sweep()

    assert "DRY RUN" in output
    assert f"  {stored['old']}\n" in output
    assert "older than 24 hours, to remove: 1" in output
    assert stored["fresh"] not in output
    assert stored["referenced"] not in output
    assert files_in(media) == set(stored.values())


def test_the_sweep_removes_only_the_old_orphan_with_apply(stored, media):
    output = sweep("--apply")

    assert "older than 24 hours, removed: 1" in output
    assert "referenced by a row: 1" in output
    assert "(left alone): 1" in output
    assert files_in(media) == {stored["referenced"], stored["fresh"]}


def test_the_sweep_respects_a_longer_minimum_age(stored, media):
    sweep("--apply", "--min-age-hours", "72")

    assert stored["old"] in files_in(media)


def test_the_sweep_refuses_a_minimum_age_under_an_hour(db):
    with pytest.raises(CommandError):
        sweep("--min-age-hours", "0")


def test_the_sweep_leaves_hidden_files_alone(db, media):
    media.mkdir(parents=True)
    (media / ".gitkeep").write_bytes(b"")
    age(media, [".gitkeep"])

    sweep("--apply")

    assert files_in(media) == {".gitkeep"}


def test_the_sweep_with_no_media_folder_finds_nothing(db, media):
    assert "Files in the media store: 0" in sweep("--apply")


def test_the_retention_purge_runs_the_sweep_in_its_own_mode(stored, media):
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert f"  {stored['old']}\n" in out.getvalue()
    assert stored["old"] in files_in(media)

    call_command("purge_expired", "--apply", stdout=io.StringIO())

    assert files_in(media) == {stored["referenced"], stored["fresh"]}


# --- download names ------------------------------------------------------------------------


def test_download_name():
    assert download_name("2026-014", "bewijs", 3, ".png") == "2026-014-bewijs-3.png"
    assert download_name("2026-014", "brief") == "2026-014-brief"


def disposition(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return response["Content-Disposition"]


def test_evidence_is_named_by_case_and_place_with_the_extension_of_its_content(
    client, people, school, victim, bully
):
    case = new_case(school, people["teacher5"], victim, bully)
    evidence_store(case, SimpleUploadedFile("chat.png", PNG), by=people["teacher5"])
    second = evidence_store(case, SimpleUploadedFile(UPLOADED, PDF), by=people["teacher5"])
    client.force_login(people["ib"])

    header = disposition(client, reverse("cases:evidence", args=[case.pk, second.pk]))

    assert header == f'attachment; filename="{case.reference}-bewijs-2.pdf"'
    assert second.original_name == UPLOADED  # the staff's own label stays on the case page


def test_a_scan_is_named_by_case_plan_version_and_place(client, people, school, victim, bully):
    plan = full_plan(case_in_stap4(school, people, victim, bully), people)
    scan = plan_services.plan_sign_paper(
        plan,
        by=people["teacher5"],
        upload=SimpleUploadedFile(UPLOADED, PDF),
        signatories=[plan.signatories.first()],
    )
    client.force_login(people["teacher5"])

    header = disposition(client, reverse("plans:scan_file", args=[scan.pk]))

    assert header == f'attachment; filename="{plan.case.reference}-plan-v1-scan-1.pdf"'


def test_a_signature_is_named_by_case_plan_version_and_signatory(
    client, people, school, victim, bully
):
    plan = full_plan(case_in_stap4(school, people, victim, bully), people)
    signatory = plan.signatories.get(user=people["ib"])
    sign(signatory, people)
    client.force_login(people["teacher5"])

    header = disposition(client, reverse("plans:signature", args=[signatory.pk]))

    number = signatory.position + 1
    assert header == (
        f'attachment; filename="{plan.case.reference}-plan-v1-handtekening-{number}.png"'
    )


def test_the_letter_is_named_by_case_with_the_extension_of_its_content(
    client, people, school, victim, bully
):
    case = walk(new_case(school, people["teacher5"], victim, bully), State.SUPPORT_GROUP, people)
    traject = walk_traject(Traject.objects.get(case=case), TrajectState.VICTIM_TALK)
    record_victim_talk(traject, letter=SimpleUploadedFile(UPLOADED, PDF))
    client.force_login(people["smw"])

    header = disposition(client, reverse("noblame:letter", args=[case.pk]))

    assert header == f'attachment; filename="{case.reference}-brief.pdf"'


def test_the_stored_plan_pdf_is_named_by_case_and_version(client, people, school, victim, bully):
    plan = full_plan(case_in_stap4(school, people, victim, bully), people)
    for signatory in plan.signatories.all():
        sign(signatory, people)
    client.force_login(people["teacher5"])

    header = disposition(client, reverse("plans:pdf", args=[plan.pk]))

    assert header == f'attachment; filename="plan-van-aanpak-{plan.case.reference}-v1.pdf"'
