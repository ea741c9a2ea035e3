"""Retention: `manage.py purge_expired` removes or anonymises the data of pupils who left."""

import datetime
import io
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from cases.evidence import evidence_store
from cases.models import Case, CasePupil, Evidence, State, StateChange, Talk
from dossier.models import DossierEntry
from dossier.retention import ANONYMOUS_FIRST_NAME, purge_expired
from noblame.models import (
    FollowUpTalk,
    Idea,
    Meeting,
    Round,
    SupportGroupMember,
    Traject,
    VictimTalk,
)
from plans import services as plan_services
from plans.models import PlanDocument, PlanSignatory
from schools.models import Guardian, GuardianRelation, Pupil
from tests.conftest import make_pupil
from tests.walk import new_case, walk

NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)
THREE_YEARS_AGO = datetime.date(2023, 7, 10)
ONE_YEAR_AGO = datetime.date(2025, 7, 10)
# A real 1x1 PNG: an upload is decoded, a PNG header alone is refused.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def add_noblame_rows(case, by, pupils):
    """Rows of every No Blame model on the case's traject, a stored letter included."""
    traject = Traject.objects.filter(case=case).first()
    if traject is None:  # a pupil had No Blame before: the case went straight to stap 4
        return None
    talk = VictimTalk.objects.create(
        traject=traject,
        number=1,
        held_on=NOW.date(),
        what_happens="Buitengesloten.",
        when_happens="In de pauze.",
        who_could_help="Klasgenoten.",
        wants_change="yes",
        assignment="Let op wie aardig doet.",
        check_in_on=NOW.date(),
        author=by,
        letter=SimpleUploadedFile("tekening.png", PNG),
    )
    talk.chosen_pupils.set(pupils)
    members = [
        SupportGroupMember.objects.create(traject=traject, pupil=p, role="helpful", position=n)
        for n, p in enumerate(pupils, start=1)
    ]
    round_ = Round.objects.create(traject=traject, number=1)
    meeting = Meeting.objects.create(round=round_, number=1, held_on=NOW.date(), author=by)
    meeting.attendees.set(members)
    Idea.objects.create(meeting=meeting, member=members[0], text="Samen buitenspelen.")
    FollowUpTalk.objects.create(
        round=round_,
        member=members[0],
        number=1,
        held_on=NOW.date(),
        what_changed="Meer samen.",
        how_now="Goed.",
        did_their_part="yes",
        author=by,
    )
    return talk


def closed_case_with_files(school, people, victim, bully, *extra):
    case = new_case(school, people["teacher5"], victim, bully, *extra)
    # Evidence is kept while the case is open.
    evidence_store(case, SimpleUploadedFile("schermafbeelding.png", PNG), by=people["teacher5"])
    walk(case, State.CLOSED, people)
    add_noblame_rows(case, people["smw"], [p for p, _role in extra] or [bully])
    return case


def stored_files(case):
    files = [e.file.path for e in Evidence.objects.filter(case=case)]
    files += [d.file.path for d in PlanDocument.objects.filter(plan__case=case)]
    files += [
        s.signature.path for s in PlanSignatory.objects.filter(plan__case=case) if s.signature
    ]
    files += [t.letter.path for t in VictimTalk.objects.filter(traject__case=case)]
    return [Path(f) for f in files]


def run(*args):
    out = io.StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def leave(*pupils, on=THREE_YEARS_AGO):
    Pupil.objects.filter(pk__in=[p.pk for p in pupils]).update(left_on=on)


@pytest.mark.django_db(transaction=True)
def test_case_of_expired_pupils_goes_with_its_files(school, groep5, people, media):
    victim = make_pupil(school, groep5, "Sanne", "de Vries")
    bully = make_pupil(school, groep5, "Daan", "Jansen")
    case = closed_case_with_files(school, people, victim, bully)
    files = stored_files(case)
    assert len(files) >= 4
    assert all(f.exists() for f in files)
    leave(victim, bully)

    run("--apply")

    assert not Case.objects.filter(pk=case.pk).exists()
    assert not [f for f in files if f.exists()]
    assert not Talk.objects.filter(case_id=case.pk).exists()
    assert not StateChange.objects.filter(case_id=case.pk).exists()
    assert not Traject.objects.filter(case_id=case.pk).exists()
    assert not DossierEntry.objects.filter(pupil__in=[victim, bully]).exists()


@pytest.mark.django_db(transaction=True)
def test_expired_pupil_is_anonymised_and_guardian_removed(school, groep5, people, media):
    victim = make_pupil(school, groep5, "Sanne", "de Vries")
    bully = make_pupil(school, groep5, "Daan", "Jansen")
    Pupil.objects.filter(pk=victim.pk).update(date_of_birth=datetime.date(2012, 3, 4))
    walk(new_case(school, people["teacher5"], victim, bully), State.ONE_OFF_REVIEW, people)
    leave(victim, bully)

    run("--apply")

    victim.refresh_from_db()
    assert (victim.first_name, victim.last_name) == (ANONYMOUS_FIRST_NAME, f"#{victim.pk}")
    assert victim.date_of_birth is None
    assert victim.school_class is None
    assert not GuardianRelation.objects.filter(pupil=victim).exists()
    assert not Guardian.objects.filter(last_name="de Vries").exists()


@pytest.mark.django_db
def test_pupil_who_left_one_year_ago_is_untouched(school, groep5, people, media):
    victim = make_pupil(school, groep5, "Sanne", "de Vries")
    bully = make_pupil(school, groep5, "Daan", "Jansen")
    case = walk(new_case(school, people["teacher5"], victim, bully), State.ONE_OFF, people)
    leave(victim, bully, on=ONE_YEAR_AGO)

    report = purge_expired(apply=True)

    victim.refresh_from_db()
    assert victim.first_name == "Sanne"
    assert victim.school_class == groep5
    assert Case.objects.filter(pk=case.pk).exists()
    assert GuardianRelation.objects.filter(pupil=victim).exists()
    assert report.expired_pupils == []
    assert sum(report.deleted.values()) == 0


@pytest.mark.django_db(transaction=True)
def test_shared_case_with_a_current_pupil_is_kept(school, groep5, people, media):
    victim = make_pupil(school, groep5, "Sanne", "de Vries")
    bully = make_pupil(school, groep5, "Daan", "Jansen")
    helper = make_pupil(school, groep5, "Noah", "Bakker")
    case = closed_case_with_files(school, people, victim, bully, (helper, CasePupil.Role.BYSTANDER))
    files = stored_files(case)
    leave(bully)

    report = purge_expired(apply=True)

    assert report.kept_cases == [case.pk]
    assert report.deleted_cases == []
    assert Case.objects.get(pk=case.pk).talks.exists()
    assert all(f.exists() for f in files)
    bully.refresh_from_db()
    assert bully.first_name == ANONYMOUS_FIRST_NAME
    assert CasePupil.objects.filter(case=case, pupil=bully).exists()
    assert not DossierEntry.objects.filter(pupil=bully).exists()
    assert DossierEntry.objects.filter(pupil=victim, case=case).exists()
    victim.refresh_from_db()
    assert victim.first_name == "Sanne"


@pytest.mark.django_db
def test_guardian_of_a_current_sibling_stays(school, groep5, people, media):
    older = make_pupil(school, groep5, "Sanne", "de Vries")
    younger = make_pupil(school, groep5, "Lotte", "de Vries", guardian=False)
    parent = older.guardians.get()
    GuardianRelation.objects.create(pupil=younger, guardian=parent, relation="mother")
    leave(older)

    purge_expired(apply=True)

    assert Guardian.objects.filter(pk=parent.pk, last_name="de Vries").exists()
    assert list(parent.pupils.all()) == [younger]


@pytest.mark.django_db
def test_dry_run_changes_nothing(school, groep5, people, media):
    victim = make_pupil(school, groep5, "Sanne", "de Vries")
    bully = make_pupil(school, groep5, "Daan", "Jansen")
    case = walk(new_case(school, people["teacher5"], victim, bully), State.ONE_OFF, people)
    leave(victim, bully)

    output = run()

    assert "DRY RUN" in output
    assert f"Cases deleted: 1 (ids: {case.pk})" in output
    assert Case.objects.filter(pk=case.pk).exists()
    victim.refresh_from_db()
    assert victim.first_name == "Sanne"
    assert GuardianRelation.objects.filter(pupil=victim).exists()


@pytest.mark.django_db
def test_years_option_overrides_the_setting(school, groep5, people, media, settings):
    settings.RETENTION_YEARS = 5
    victim = make_pupil(school, groep5, "Sanne", "de Vries")
    leave(victim, on=ONE_YEAR_AGO)

    assert "Pupils anonymised: 0" in run("--apply")
    assert f"Pupils anonymised: 1 (ids: {victim.pk})" in run("--apply", "--years", "1")
    victim.refresh_from_db()
    assert victim.first_name == ANONYMOUS_FIRST_NAME


@pytest.mark.django_db
def test_years_must_be_positive(school):
    with pytest.raises(CommandError):
        run("--years", "0")


@pytest.mark.django_db
def test_report_names_no_pupil(school, groep5, people, media):
    victim = make_pupil(school, groep5, "Sanne", "de Vries")
    bully = make_pupil(school, groep5, "Daan", "Jansen")
    walk(new_case(school, people["teacher5"], victim, bully), State.ONE_OFF, people)
    leave(victim, bully)

    for output in (run(), run("--apply")):
        assert "cases.Case: 1" in output
        for name in ("Sanne", "Daan", "Vries", "Jansen"):
            assert name not in output


@pytest.mark.django_db
def test_second_run_finds_nothing_new(school, groep5, people, media):
    victim = make_pupil(school, groep5, "Sanne", "de Vries")
    bully = make_pupil(school, groep5, "Daan", "Jansen")
    walk(new_case(school, people["teacher5"], victim, bully), State.ONE_OFF, people)
    leave(victim, bully)
    purge_expired(apply=True)

    again = purge_expired(apply=True)

    assert again.anonymised_pupils == []
    assert sum(again.deleted.values()) == 0


@pytest.mark.django_db(transaction=True)
def test_failure_rolls_back_and_keeps_files(school, groep5, people, media, monkeypatch):
    victim = make_pupil(school, groep5, "Sanne", "de Vries")
    bully = make_pupil(school, groep5, "Daan", "Jansen")
    case = closed_case_with_files(school, people, victim, bully)
    files = stored_files(case)
    leave(victim, bully)

    def broken(objects):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("dossier.retention._forget_history", broken)
    with pytest.raises(RuntimeError):
        purge_expired(apply=True)

    assert Case.objects.filter(pk=case.pk).exists()
    assert all(f.exists() for f in files)
    victim.refresh_from_db()
    assert victim.first_name == "Sanne"


@pytest.mark.django_db
def test_audit_log_entries_of_purged_objects_go(school, groep5, people, media):
    from auditlog.models import LogEntry
    from django.apps import apps

    assert apps.is_installed("auditlog")
    victim = make_pupil(school, groep5, "Sanne", "de Vries")
    victim.first_name = "Sanna"
    victim.save()
    assert LogEntry.objects.get_for_object(victim).exists()
    leave(victim)

    report = purge_expired(apply=True)

    assert report.log_entries >= 1
    assert not LogEntry.objects.get_for_object(victim).exists()


@pytest.mark.django_db
def test_guardian_who_signed_a_kept_plan_is_anonymised_not_deleted(school, groep5, people, media):
    victim = make_pupil(school, groep5, "Sanne", "de Vries")
    bully = make_pupil(school, groep5, "Daan", "Jansen")
    case = walk(new_case(school, people["teacher5"], victim, bully), State.ACTION_PLAN, people)
    parent = bully.guardians.get()
    plan = plan_services.plan_create(
        case,
        by=people["ib"],
        signatories=[{"name": "Ouder Jansen", "role": "ouder", "guardian": parent}],
    )
    leave(bully)

    report = purge_expired(apply=True)

    assert report.anonymised_guardians == [parent.pk]
    assert report.deleted_guardians == []
    parent.refresh_from_db()
    assert (parent.first_name, parent.last_name, parent.email) == ("Oud-ouder", f"#{parent.pk}", "")
    assert plan.signatories.filter(guardian=parent).exists()
