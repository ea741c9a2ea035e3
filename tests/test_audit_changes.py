"""The change history (django-auditlog): what is kept, by whom, and named by id only."""

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cases import services
from cases.models import Case, CasePupil, Talk, TalkVersion
from cases.talks import TalkKind
from schools.models import Guardian, GuardianRelation, Pupil
from tests.walk import new_case, record


def entries_for(obj):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk)
    )


@pytest.mark.parametrize(
    "label",
    [
        "cases.Case",
        "cases.CasePupil",
        "cases.Talk",
        "cases.TalkVersion",
        "plans.ActionPlan",
        "plans.PlanSignatory",
        "dossier.DossierEntry",
        "cases.Evidence",
        "schools.Pupil",
        "schools.Guardian",
        "schools.GuardianRelation",
    ],
)
def test_case_and_pupil_models_are_tracked(label):
    assert auditlog.contains(apps.get_model(label))


def test_every_noblame_model_is_tracked():
    models = list(apps.get_app_config("noblame").get_models())

    assert models
    assert all(auditlog.contains(m) for m in models)


def test_a_pupil_change_is_kept_under_its_id_not_its_name(victim):
    victim.last_name = "de Vries-Smit"
    victim.save()

    entry = entries_for(victim).latest("timestamp")
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.object_repr == f"Pupil #{victim.pk}"
    assert "Sanne" not in entry.object_repr
    assert entry.changes_dict["last_name"] == ["de Vries", "de Vries-Smit"]


def test_guardian_relation_entry_does_not_carry_names(victim):
    relation = GuardianRelation.objects.get(pupil=victim)

    entry = entries_for(relation).get(action=LogEntry.Action.CREATE)

    assert entry.object_repr == f"GuardianRelation #{relation.pk}"
    assert "Vries" not in entry.object_repr


def test_talk_participants_are_listed_by_id(school, teacher5, victim, bully):
    case = new_case(school, teacher5, victim, bully)
    services.case_transition(case, "start_victim_talk", by=teacher5)
    record(case, TalkKind.VICTIM, teacher5)
    version = TalkVersion.objects.get(talk__case=case)

    version.pupils.set([victim])

    entry = entries_for(version).filter(changes__icontains="pupils").latest("timestamp")
    assert entry.changes_dict["pupils"]["objects"] == [f"Pupil #{victim.pk}"]
    assert "Sanne" not in str(entry.changes)
    assert entries_for(Talk.objects.get(case=case)).exists()


def test_a_transition_through_the_page_records_the_actor_and_address(
    client, school, teacher5, victim, bully
):
    case = new_case(school, teacher5, victim, bully)
    client.force_login(teacher5)

    client.post(reverse("cases:fire", args=[case.pk, "start_victim_talk"]), REMOTE_ADDR="10.1.2.3")

    case.refresh_from_db()
    entry = entries_for(case).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == teacher5
    assert entry.remote_addr == "10.1.2.3"
    assert entry.changes_dict["state"][1] == case.state
    assert entry.object_repr == f"Case #{case.pk}"


def test_deleting_a_guardian_is_kept(victim):
    guardian = Guardian.objects.create(first_name="Piet", last_name="Pieters")
    pk = guardian.pk

    guardian.delete()

    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Guardian),
        object_pk=str(pk),
        action=LogEntry.Action.DELETE,
    )
    assert entry.object_repr == f"Guardian #{pk}"


def test_notifications_are_not_part_of_the_history():
    from cases.models import Notification

    assert not auditlog.contains(Notification)
    assert auditlog.contains(Case)
    assert auditlog.contains(CasePupil)
    assert auditlog.contains(Pupil)
