"""Every write of a case refuses the wrong person and the wrong stap, and then saves nothing.

One test per service for a wrong role and one for a wrong stap. "Nothing saved" is
checked on the rows of the case and on the change history (no new entry at all).
"""

import contextlib
import datetime
import io

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cases import services
from cases.evidence import evidence_store
from cases.models import Case, CasePupil, Evidence, Place, ReporterKind, State, Talk, TalkVersion
from cases.talks import TalkKind
from dossier import services as dossier_services
from dossier.models import DossierEntry
from tests.walk import answers, everyone, new_case, satisfy, walk

TODAY = timezone.localdate
WRITTEN = (Case, CasePupil, Talk, TalkVersion, Evidence, DossierEntry, LogEntry)


@contextlib.contextmanager
def nothing_saved():
    before = {model: model.objects.count() for model in WRITTEN}
    yield
    assert {model: model.objects.count() for model in WRITTEN} == before


@pytest.fixture
def case(school, people, victim, bully):
    """A fresh case, in stap 'signaled'."""
    return new_case(school, people["teacher5"], victim, bully)


@pytest.fixture
def closed(case, people):
    """Closed the short way: not bullying, solved, closed."""
    walk(case, State.RESOLVED_OTHER, people)
    satisfy(case, "close", people)
    services.case_transition(case, "close", by=people["teacher5"])
    return case


def png(name="scherm.png"):
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


# --- case_create ------------------------------------------------------------------------


def create(school, by, *pairs, **signal):
    return services.case_create(
        school=school,
        by=by,
        pupils=list(pairs),
        reporter_kind=ReporterKind.TEACHER,
        place=Place.CLASSROOM,
        description="Wordt uitgelachen bij het voorlezen.",
        **signal,
    )


@pytest.mark.parametrize("persona", ["director", "smw", "beheerder", "ib_other", "inactive_ib"])
def test_only_a_teacher_or_the_ib_of_the_school_logs_a_signal(school, people, victim, persona):
    with nothing_saved(), pytest.raises(PermissionDenied):
        create(school, people[persona], (victim, CasePupil.Role.VICTIM))


def test_a_teacher_logs_no_signal_about_pupils_of_another_class(school, people, victim):
    with nothing_saved(), pytest.raises(PermissionDenied):
        create(school, people["teacher7"], (victim, CasePupil.Role.VICTIM))


def test_a_case_cannot_be_created_in_another_stap(school, people, victim):
    with nothing_saved(), pytest.raises(TypeError):
        create(school, people["teacher5"], (victim, CasePupil.Role.VICTIM), state=State.CLOSED)


def test_a_signal_cannot_be_dated_in_the_future(school, people, victim):
    tomorrow = TODAY() + datetime.timedelta(days=1)

    with nothing_saved(), pytest.raises(ValidationError):
        create(school, people["teacher5"], (victim, CasePupil.Role.VICTIM), signal_date=tomorrow)


def test_a_new_case_starts_signaled_with_its_creation_in_the_history(school, people, victim):
    case = create(school, people["ib"], (victim, CasePupil.Role.VICTIM))

    assert case.state == State.SIGNALED
    assert case.logged_by == people["ib"]
    assert case.responsible_teacher is None
    for obj in (case, case.case_pupils.get()):
        assert LogEntry.objects.get_for_object(obj).filter(action=LogEntry.Action.CREATE)


# --- case_add_pupil ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["director", "beheerder", "teacher7", "ib_other"])
def test_only_who_works_on_the_case_adds_a_pupil(case, people, follower, persona):
    with nothing_saved(), pytest.raises(PermissionDenied):
        services.case_add_pupil(case, follower, CasePupil.Role.FOLLOWER, by=people[persona])


def test_no_pupil_is_added_to_a_closed_case(closed, people, follower):
    with nothing_saved(), pytest.raises(ValidationError):
        services.case_add_pupil(closed, follower, CasePupil.Role.FOLLOWER, by=people["ib"])


# --- case_note_outcome ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["director", "beheerder", "teacher7", "ib_other"])
def test_only_who_works_on_the_case_notes_an_outcome(case, people, persona):
    walk(case, State.RESOLVED_OTHER, people)

    with nothing_saved(), pytest.raises(PermissionDenied):
        services.case_note_outcome(case, "Uitgepraat.", by=people[persona])

    assert Case.objects.get(pk=case.pk).outcome == ""


def test_an_outcome_is_noted_only_in_stap_2_1(case, people):
    with nothing_saved(), pytest.raises(ValidationError) as refused:
        services.case_note_outcome(case, "Uitgepraat.", by=people["teacher5"])

    assert "stap 2.1" in str(refused.value)
    assert Case.objects.get(pk=case.pk).outcome == ""


# --- case_assign_coaches ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["smw", "director", "teacher7"])
def test_only_the_teacher_or_the_ib_assigns_coaches(case, people, persona):
    walk(case, State.COACHING, people)  # the plan of walk() leaves the coaches open

    with nothing_saved(), pytest.raises(PermissionDenied):
        services.case_assign_coaches(
            case, by=people[persona], bully=people["ib"], victim=people["teacher5"]
        )

    assert Case.objects.get(pk=case.pk).coach_bully is None


def test_coaches_are_assigned_only_in_stap_5(case, people):
    walk(case, State.ASSESSMENT, people)

    with nothing_saved(), pytest.raises(ValidationError) as refused:
        services.case_assign_coaches(
            case, by=people["ib"], bully=people["ib"], victim=people["teacher5"]
        )

    assert "stap 5" in str(refused.value)
    assert Case.objects.get(pk=case.pk).coach_bully is None


# --- talk_plan --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["director", "beheerder", "teacher7"])
def test_only_who_works_on_the_case_plans_a_talk(case, people, persona):
    walk(case, State.ACTION_PLAN, people)

    with nothing_saved(), pytest.raises(PermissionDenied):
        services.talk_plan(case, TalkKind.OTHER, TODAY(), by=people[persona])


@pytest.mark.parametrize("state", [State.SIGNALED, State.ASSESSMENT])
def test_no_talk_is_planned_before_stap_4(case, people, state):
    walk(case, state, people)

    with nothing_saved(), pytest.raises(ValidationError) as refused:
        services.talk_plan(case, TalkKind.OTHER, TODAY(), by=people["teacher5"])

    assert "stap 4" in str(refused.value)


# --- talk_record ------------------------------------------------------------------------


def record(case, kind, by, **extra):
    return services.talk_record(
        case,
        kind,
        by=by,
        held_on=TODAY(),
        answers=answers(kind, case.recurrence_level()),
        **everyone(case),
        **extra,
    )


@pytest.mark.parametrize("persona", ["director", "beheerder", "teacher7", "ib_other"])
def test_only_who_works_on_the_case_records_a_talk(case, people, persona):
    walk(case, State.VICTIM_TALK, people)

    with nothing_saved(), pytest.raises(PermissionDenied):
        record(case, TalkKind.VICTIM, people[persona])


def test_the_talk_of_stap_1_is_not_recorded_before_stap_1(case, people):
    with nothing_saved(), pytest.raises(ValidationError) as refused:
        record(case, TalkKind.VICTIM, people["teacher5"])

    assert "hoort niet bij de stap" in str(refused.value)


def test_no_talk_is_recorded_in_a_closed_case(closed, people):
    with nothing_saved(), pytest.raises(ValidationError):
        record(closed, TalkKind.OTHER, people["teacher5"])


def test_a_talk_of_another_stap_may_be_recorded_once_planned(case, people):
    walk(case, State.ACTION_PLAN, people)
    planned = services.talk_plan(case, TalkKind.BULLY, TODAY(), by=people["teacher5"])

    version = record(case, TalkKind.BULLY, people["teacher5"])

    assert version.talk == planned


# --- evidence_store ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["director", "beheerder", "teacher7"])
def test_only_who_works_on_the_case_keeps_evidence(case, people, persona):
    with nothing_saved(), pytest.raises(PermissionDenied):
        evidence_store(case, png(), by=people[persona])


def test_no_evidence_is_kept_with_a_closed_case(closed, people):
    with nothing_saved(), pytest.raises(ValidationError):
        evidence_store(closed, png(), by=people["teacher5"])


# --- dossier_add ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["director", "beheerder", "teacher7", "ib_other"])
def test_only_the_pupils_teacher_ib_or_smw_writes_in_the_dossier(people, victim, persona):
    with nothing_saved(), pytest.raises(PermissionDenied):
        dossier_services.dossier_add(victim, DossierEntry.Kind.NOTE, "Notitie.", by=people[persona])


def test_no_note_about_a_closed_case(closed, people, victim):
    with nothing_saved(), pytest.raises(ValidationError):
        dossier_services.dossier_add(
            victim, DossierEntry.Kind.NOTE, "Notitie.", case=closed, by=people["ib"]
        )


def test_a_note_cannot_pose_as_a_step_of_the_protocol(people, victim):
    with nothing_saved(), pytest.raises(ValidationError):
        dossier_services.dossier_add(victim, DossierEntry.Kind.PLAN, "Getekend.", by=people["ib"])


# --- the pages show a refusal as a message ----------------------------------------------


def test_an_outcome_posted_in_the_wrong_stap_is_a_message(client, case, people):
    client.force_login(people["teacher5"])

    with nothing_saved():
        response = client.post(
            reverse("cases:outcome", args=[case.pk]), {"outcome": "Uitgepraat."}, follow=True
        )

    assert response.status_code == 200
    assert "stap 2.1" in response.content.decode()


def test_a_talk_planned_in_the_wrong_stap_is_a_message(client, case, people):
    client.force_login(people["teacher5"])
    data = {"kind": TalkKind.OTHER, "planned_on": TODAY().isoformat()}

    with nothing_saved():
        response = client.post(reverse("cases:plan_talk", args=[case.pk]), data, follow=True)

    assert response.status_code == 200
    assert "stap 4" in response.content.decode()


def test_the_case_page_offers_no_form_the_service_would_refuse(client, case, people):
    client.force_login(people["teacher5"])

    response = client.get(reverse("cases:detail", args=[case.pk]))

    assert "outcome_form" not in response.context
    assert "plan_talk_form" not in response.context
    assert "evidence_form" in response.context
