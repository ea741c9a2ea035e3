"""Who can be chosen for the support group: the pupils of the case's groepen that the user
may see, and a pupil of another groep only after the IB or SMW added them, on the record."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.models import CasePupil, State
from noblame import services
from noblame.models import OtherClassPupil, Traject, TrajectState
from schools.models import Pupil
from tests.conftest import make_pupil
from tests.noblame_walk import extra_pupils, record_victim_talk, walk_traject
from tests.walk import new_case, walk

T = TrajectState
HELPS = "De leerling noemde haar als iemand die helpt."


@pytest.fixture
def lina(school, groep7):
    """A pupil of groep 7: not in the case, not the groep 5 teacher's."""
    return make_pupil(school, groep7, "Lina", "Smit")


@pytest.fixture
def traject(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.SUPPORT_GROUP, people)
    return walk_traject(Traject.objects.get(case=case), T.VICTIM_TALK)


def url(name, traject):
    return reverse(f"noblame:{name}", args=[traject.case_id])


def talk_post(pupils, **given):
    return {
        "held_on": "2026-01-05",
        "what_happens": "Wordt weggestuurd.",
        "when_happens": "In de pauze.",
        "who_could_help": "Twee vriendjes.",
        "wants_change": "yes",
        "approach_explained": "on",
        "chosen_pupils": [p.pk for p in pupils],
        "assignment": "Let op wie aardig is.",
        **given,
    }


def add_lina(client, traject, who, lina, reason=HELPS):
    client.force_login(who)
    address = f"{url('other_class', traject)}?groep={lina.school_class_id}&terug=victim_talk"
    return client.post(address, {"pupil": lina.pk, "reason": reason})


# --- what the pickers offer ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["teacher5", "smw"])
def test_the_talk_form_offers_the_case_groepen_only(client, traject, people, lina, persona):
    classmate = extra_pupils(traject, 1)[0]
    client.force_login(people[persona])

    found = client.post(url("pick_search", traject), {"q": classmate.full_name})
    not_found = client.post(url("pick_search", traject), {"q": "Lina Smit"})

    assert f"{classmate.full_name} toevoegen" in found.content.decode()
    assert "Lina Smit toevoegen" not in not_found.content.decode()
    assert "Geen leerling gevonden" in not_found.content.decode()


def test_the_talk_form_is_a_search_and_add_picker(client, traject, people):
    classmate = extra_pupils(traject, 1)[0]
    client.force_login(people["teacher5"])

    html = client.get(url("victim_talk", traject)).content.decode()
    row = client.get(url("pick_row", traject), {"id": classmate.pk}).content.decode()

    assert 'id="chosen-search"' in html
    assert "Ctrl" not in html
    assert "<select" not in html.split('id="chosen-search"')[0].rsplit("<fieldset", 1)[-1]
    assert f'name="chosen_pupils" value="{classmate.pk}"' in row


def test_the_picker_refuses_a_pupil_it_does_not_offer(client, traject, people, lina):
    client.force_login(people["teacher5"])

    assert client.get(url("pick_row", traject), {"id": lina.pk}).status_code == 404


def test_the_picker_is_404_on_a_case_out_of_sight(client, traject, people):
    client.force_login(people["teacher7"])

    assert client.post(url("pick_search", traject), {"q": "Sanne"}).status_code == 404


def test_a_shared_case_keeps_the_other_groeps_case_pupil_selectable(
    school, people, victim, bully, lina
):
    case = new_case(school, people["ib"], victim, bully, (lina, CasePupil.Role.BYSTANDER))
    walk(case, State.SUPPORT_GROUP, people)
    traject = Traject.objects.get(case=case)
    classmate = make_pupil(school, lina.school_class, "Finn", "Bos")

    assert lina in services.pickable_pupils(traject, people["teacher5"])
    assert classmate not in services.pickable_pupils(traject, people["teacher5"])
    assert classmate in services.pickable_pupils(traject, people["smw"])  # a groep of the case


def test_only_the_ib_and_smw_see_the_step(client, traject, people):
    client.force_login(people["teacher5"])
    teacher_html = client.get(url("victim_talk", traject)).content.decode()
    client.force_login(people["ib"])
    ib_html = client.get(url("victim_talk", traject)).content.decode()

    assert "Leerling uit een andere groep toevoegen" not in teacher_html
    assert "Leerling uit een andere groep toevoegen" in ib_html


def test_the_step_offers_the_other_groepen_then_their_pupils(client, traject, people, lina):
    client.force_login(people["smw"])

    groepen = client.get(url("other_class", traject)).content.decode()
    pupils = client.get(f"{url('other_class', traject)}?groep={lina.school_class_id}")

    assert "groep 7" in groepen
    assert "groep 5" not in groepen  # the case's own groep: already in the pickers
    assert "Lina Smit" in pupils.content.decode()


# --- refusals ------------------------------------------------------------------------------


def test_a_teacher_posting_a_pupil_of_another_groep_is_refused(client, traject, people, lina):
    client.force_login(people["teacher5"])

    response = client.post(url("victim_talk", traject), talk_post([lina]))

    assert response.status_code == 200
    assert traject.victim_talk is None


def test_the_service_refuses_a_pupil_the_user_may_not_choose(traject, people, lina):
    with pytest.raises(ValidationError) as refused:
        record_victim_talk(traject, by=people["teacher5"], chosen_pupils=[lina])

    assert "groepen van deze casus" in refused.value.messages[0]
    assert "Lina" not in refused.value.messages[0]
    assert traject.victim_talk is None


def test_the_group_refuses_a_pupil_of_another_groep_not_added(traject, people, lina):
    walk_traject(traject, T.VICTIM_ASSIGNMENT)
    pairs = [(lina, "helpful")] + [(p, "ringleader") for p in extra_pupils(traject, 5)]

    with pytest.raises(ValidationError):
        services.group_compose(traject, pairs, by=people["smw"])

    assert not traject.group_members.exists()


def test_a_teacher_cannot_take_the_step(client, traject, people, lina):
    assert client.get(url("other_class", traject)).status_code == 302  # to the login
    response = add_lina(client, traject, people["teacher5"], lina)

    assert response.status_code == 403
    assert not OtherClassPupil.objects.exists()
    with pytest.raises(PermissionDenied):
        services.other_class_pupil_add(traject, lina, by=people["teacher5"], reason=HELPS)


@pytest.mark.parametrize("persona", ["ib", "smw"])
def test_a_pupil_of_another_school_is_refused_for_everyone(traject, people, other_school, persona):
    stranger = Pupil.objects.create(school=other_school, first_name="Ver", last_name="Weg")

    with pytest.raises(ValidationError):
        services.other_class_pupil_add(traject, stranger, by=people[persona], reason=HELPS)
    with pytest.raises(ValidationError):
        record_victim_talk(traject, by=people[persona], chosen_pupils=[stranger])

    assert not OtherClassPupil.objects.exists()
    assert traject.victim_talk is None


def test_the_step_needs_a_reason(traject, people, lina):
    with pytest.raises(ValidationError):
        services.other_class_pupil_add(traject, lina, by=people["ib"], reason="  ")


def test_the_step_is_closed_once_the_group_meets(traject, people, lina):
    walk_traject(traject, T.GROUP_MEETING)

    with pytest.raises(ValidationError):
        services.other_class_pupil_add(traject, lina, by=people["ib"], reason=HELPS)


# --- the step, allowed and logged ----------------------------------------------------------


def test_the_ib_adds_a_pupil_of_another_groep_on_the_record(client, traject, people, lina):
    response = add_lina(client, traject, people["ib"], lina)

    added = OtherClassPupil.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("victim_talk", traject)
    assert (added.traject, added.pupil, added.by, added.reason) == (
        traject,
        lina,
        people["ib"],
        HELPS,
    )
    log = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(OtherClassPupil), object_pk=str(added.pk)
    )
    assert (log.action, log.actor) == (LogEntry.Action.CREATE, people["ib"])


def test_the_traject_history_shows_who_added_whom_and_why(client, traject, people, lina):
    add_lina(client, traject, people["ib"], lina)
    client.force_login(people["teacher5"])

    html = client.get(url("traject", traject)).content.decode()

    assert "Lina Smit (groep 7) uit een andere groep toegevoegd door Ingrid Bakker" in html
    assert HELPS in html


def test_once_added_the_teacher_may_choose_the_pupil(client, traject, people, lina):
    add_lina(client, traject, people["ib"], lina)
    client.force_login(people["teacher5"])

    response = client.post(url("victim_talk", traject), talk_post([lina]))

    assert response.status_code == 302
    assert list(traject.victim_talk.chosen_pupils.all()) == [lina]


def test_a_pupil_is_added_once(traject, people, lina):
    services.other_class_pupil_add(traject, lina, by=people["smw"], reason=HELPS)

    with pytest.raises(ValidationError):
        services.other_class_pupil_add(traject, lina, by=people["ib"], reason=HELPS)

    assert OtherClassPupil.objects.count() == 1
