"""The SMW's No Blame pages: who sees them, what they show, and that changes go through POST."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.models import State
from noblame.models import Guidance, Traject, TrajectState
from tests.noblame_walk import extra_pupils, walk_traject
from tests.walk import new_case, walk

T = TrajectState
# A real 1x1 PNG: an upload is decoded, a PNG header alone is refused.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


@pytest.fixture
def traject(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.SUPPORT_GROUP, people)
    return Traject.objects.get(case=case)


def url(name, traject, *args):
    return reverse(f"noblame:{name}", args=[traject.case_id, *args])


def page(client, user, address):
    client.force_login(user)
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


# --- who sees what ---------------------------------------------------------------------------

PAGES = ["traject", "preparation", "victim_talk", "group", "meeting", "follow_up"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["teacher7", "ib_other", "beheerder"])
def test_404_for_who_may_not_see_the_case(client, traject, people, name, persona):
    client.force_login(people[persona])

    assert client.get(url(name, traject)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_login_is_needed(client, traject, name):
    assert client.get(url(name, traject)).status_code == 302


def test_list_shows_only_trajects_the_user_may_see(client, traject, people):
    assert traject.case.reference in page(client, people["smw"], reverse("noblame:list"))
    assert traject.case.reference not in page(client, people["ib_other"], reverse("noblame:list"))


def test_a_case_without_a_traject_is_404(client, school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    client.force_login(people["smw"])

    assert client.get(reverse("noblame:traject", args=[case.pk])).status_code == 404


# --- the traject page ---------------------------------------------------------------------


def test_traject_page_says_the_sub_step_and_round_in_plain_words(client, traject, people):
    html = page(client, people["smw"], url("traject", traject))

    assert "bevestigt dat hij of zij de No Blame-aanpak kent" in html
    assert "Ronde 1 van hoogstens 5" in html
    assert "Ingrid Bakker heeft nog niet bevestigd de aanpak te kennen." in html


def test_a_disabled_button_says_why(client, traject, people):
    html = page(client, people["smw"], url("traject", traject))

    assert 'disabled aria-describedby="why-start_victim_talk"' in html
    assert "Eerst wat hierboven nog nodig is." in html


def test_the_button_is_enabled_once_the_guard_holds(client, traject, people):
    from noblame import services

    services.preparation_confirm(traject, by=people["teacher5"])
    services.preparation_confirm(traject, by=people["ib"])

    html = page(client, people["smw"], url("traject", traject))

    assert "Voorbereiding klaar: naar het gesprek met de leerling" in html
    assert "disabled" not in html.split("why-start_victim_talk")[0].split("<button")[-1]


def test_a_teacher_sees_no_transition_buttons(client, traject, people):
    html = page(client, people["teacher5"], url("traject", traject))

    assert "De schoolmaatschappelijk werker of de intern begeleider zet de volgende stap." in html
    assert url("fire", traject, "start_victim_talk") not in html


def test_only_post_fires_a_transition(client, traject, people):
    client.force_login(people["smw"])

    assert client.get(url("fire", traject, "close_ineffective")).status_code == 405


def test_posting_a_transition_moves_the_traject(client, traject, people):
    client.force_login(people["smw"])

    response = client.post(
        url("fire", traject, "close_ineffective"), {"remark": "Wil geen hulp."}, follow=True
    )

    traject.refresh_from_db()
    assert traject.state == T.CLOSED_INEFFECTIVE
    assert "Wil geen hulp." in response.content.decode()


def test_a_refused_transition_says_why_and_changes_nothing(client, traject, people):
    client.force_login(people["smw"])

    response = client.post(url("fire", traject, "start_victim_talk"), follow=True)

    traject.refresh_from_db()
    assert traject.state == T.PREPARATION
    assert "heeft nog niet bevestigd" in response.content.decode()


def test_a_teacher_posting_a_transition_is_refused(client, traject, people):
    client.force_login(people["teacher5"])

    client.post(url("fire", traject, "close_ineffective"), {"remark": "x"})

    traject.refresh_from_db()
    assert traject.state == T.PREPARATION


def test_the_case_page_panel_shows_state_round_and_link(traject):
    walk_traject(traject, T.GROUP_FORMED)

    html = render_to_string("noblame/_traject_panel.html", {"case": traject.case})

    assert "Steungroep samengesteld" in html
    assert "ronde 1 van hoogstens 5" in html
    assert url("traject", traject) in html


def test_the_panel_shows_the_next_due_date(traject):
    walk_traject(traject, T.FOLLOW_UP)
    due = traject.current_round.victim_follow_up_due

    html = render_to_string("noblame/_traject_panel.html", {"case": traject.case})

    assert "nabespreking met de gepeste leerling" in html
    assert str(due.year) in html


# --- preparation -----------------------------------------------------------------------------


def test_a_participant_confirms_on_the_page(client, traject, people):
    client.force_login(people["teacher5"])

    client.post(url("confirm", traject))

    assert traject.participants.get(user=people["teacher5"]).confirmed_at is not None


def test_the_smw_adds_a_remedial_teacher(client, traject, people):
    client.force_login(people["smw"])

    client.post(
        url("preparation", traject), {"user": people["teacher7"].pk, "role": "remedial_teacher"}
    )

    assert traject.participants.get(user=people["teacher7"]).role == "remedial_teacher"


def test_adding_someone_twice_is_a_form_error(client, traject, people):
    client.force_login(people["smw"])

    response = client.post(url("preparation", traject), {"user": people["ib"].pk, "role": "ib"})

    assert "staat al op de lijst" in response.content.decode()


# --- the talk with the victim ------------------------------------------------------------


def talk_data(traject, **given):
    data = {
        "held_on": "2026-01-05",
        "what_happens": "Wordt weggestuurd.",
        "when_happens": "In de pauze.",
        "who_could_help": "Twee vriendjes.",
        "wants_change": "yes",
        "approach_explained": "on",
        "chosen_pupils": [p.pk for p in extra_pupils(traject, 2)],
        "confidential_agreements": "Niets over thuis.",
        "assignment": "Let op wie aardig is.",
        "check_in_on": "",
        "notes": "",
    }
    data.update(given)
    return data


@pytest.fixture
def talking(traject):
    return walk_traject(traject, T.VICTIM_TALK)


def test_the_talk_form_has_the_guidance_beside_it(client, talking, people):
    html = page(client, people["smw"], url("victim_talk", talking))

    assert "Handreiking" in html
    assert "Vertel eerst wat u zelf is opgevallen" in html


def test_the_application_manager_edits_the_guidance_in_the_admin(client, talking, people, school):
    manager = User.objects.create_superuser("applicatiebeheer", "a@example.nl", "a-long-pass")
    guidance = Guidance.objects.get(school=school, talk="victim_talk")
    client.force_login(manager)
    admin_url = reverse("admin:noblame_guidance_change", args=[guidance.pk])

    client.post(
        admin_url, {"opening": "Eigen begin.", "questions": "Eigen vraag.", "avoid": "Iets."}
    )

    assert "Eigen begin." in page(client, people["smw"], url("victim_talk", talking))


def test_recording_the_talk(client, talking, people):
    client.force_login(people["smw"])

    response = client.post(url("victim_talk", talking), talk_data(talking))

    assert response.status_code == 302
    assert talking.victim_talk.confidential_agreements == "Niets over thuis."
    assert talking.victim_talk.chosen_pupils.count() == 2


def test_a_missing_answer_keeps_what_was_typed(client, talking, people):
    client.force_login(people["smw"])

    response = client.post(url("victim_talk", talking), talk_data(talking, when_happens=""))

    assert response.status_code == 200
    assert "Wordt weggestuurd." in response.content.decode()
    assert talking.victim_talk is None


def test_the_victim_cannot_be_chosen_on_the_form(client, talking, people, victim):
    client.force_login(people["smw"])

    response = client.post(
        url("victim_talk", talking), talk_data(talking, chosen_pupils=[victim.pk])
    )

    assert response.status_code == 200
    assert talking.victim_talk is None


def test_a_huge_id_is_a_form_error_not_a_server_error(client, talking, people):
    client.force_login(people["smw"])

    response = client.post(url("victim_talk", talking), talk_data(talking, chosen_pupils="9" * 30))

    assert response.status_code == 200


def test_the_letter_is_served_as_an_attachment_without_a_name(client, talking, people):
    client.force_login(people["smw"])
    letter = SimpleUploadedFile("brief van Sanne de Vries.png", PNG, content_type="image/png")
    client.post(url("victim_talk", talking), {**talk_data(talking), "letter_upload": letter})

    response = client.get(url("letter", talking))

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"{talking.case.reference}-brief.png" in disposition
    assert "Vries" not in disposition
    assert b"".join(response.streaming_content) == PNG


def test_the_letter_is_404_for_a_teacher_of_another_class(client, talking, people):
    client.force_login(people["smw"])
    letter = SimpleUploadedFile("tekening.png", PNG, content_type="image/png")
    client.post(url("victim_talk", talking), {**talk_data(talking), "letter_upload": letter})
    client.force_login(people["teacher7"])

    assert client.get(url("letter", talking)).status_code == 404


def test_a_letter_of_another_kind_is_refused(client, talking, people):
    client.force_login(people["smw"])
    letter = SimpleUploadedFile("brief.exe", b"MZ", content_type="application/octet-stream")

    response = client.post(
        url("victim_talk", talking), {**talk_data(talking), "letter_upload": letter}
    )

    assert "pdf, jpg of png" in response.content.decode()
    assert talking.victim_talk is None


# --- the group -------------------------------------------------------------------------------


def group_data(pupils, roles):
    data = {"lid-TOTAL_FORMS": "8", "lid-INITIAL_FORMS": "0"}
    for n, (pupil, role) in enumerate(zip(pupils, roles, strict=True)):
        data[f"lid-{n}-pupil"] = pupil.pk
        data[f"lid-{n}-role"] = role
    return data


@pytest.fixture
def grouping(traject):
    return walk_traject(traject, T.VICTIM_ASSIGNMENT)


def test_too_small_a_group_is_a_form_error(client, grouping, people):
    client.force_login(people["smw"])
    pupils = extra_pupils(grouping, 4)

    response = client.post(url("group", grouping), group_data(pupils, ["helpful"] * 4))

    assert response.status_code == 200
    assert "minstens 5 leerlingen" in response.content.decode()
    assert not grouping.group_members.exists()


def test_a_group_of_five_is_saved_with_its_warnings(client, grouping, people):
    client.force_login(people["smw"])
    pupils = extra_pupils(grouping, 5)
    roles = ["ringleader", "helpful", "helpful", "helpful", "helpful"]

    response = client.post(url("group", grouping), group_data(pupils, roles), follow=True)

    html = response.content.decode()
    assert grouping.group_members.count() == 5
    assert "deze heeft er 5" in html
    assert "niet in balans" in html


def test_the_victim_is_not_offered_for_the_group(client, grouping, people, victim):
    html = page(client, people["smw"], url("group", grouping))

    assert victim.full_name not in html


def test_a_teacher_cannot_compose_the_group(client, grouping, people):
    client.force_login(people["teacher5"])
    pupils = extra_pupils(grouping, 6)

    response = client.post(url("group", grouping), group_data(pupils, ["helpful"] * 6))

    assert response.status_code == 403
    assert not grouping.group_members.exists()


# --- the meeting and the follow-ups ----------------------------------------------------------


def test_the_meeting_form_shows_the_rules_and_an_idea_per_member(client, traject, people):
    walk_traject(traject, T.GROUP_MEETING)

    html = page(client, people["smw"], url("meeting", traject))

    assert "Gebruik het woord &#x27;pesten&#x27; niet." in html
    assert "Niemand krijgt de schuld" in html
    for member in traject.members():
        assert f"Idee van {member.pupil.full_name}" in html


def test_recording_the_meeting_keeps_each_idea_with_its_member(client, traject, people):
    walk_traject(traject, T.GROUP_MEETING)
    members = list(traject.members())
    data = {"held_on": timezone.localdate().isoformat(), "attendees": [m.pk for m in members]}
    data.update({f"idea_{m.pk}": f"Idee {m.position}" for m in members})
    client.force_login(people["smw"])

    client.post(url("meeting", traject), data)

    ideas = traject.current_round.meeting().ideas
    assert {(i.member_id, i.text) for i in ideas.all()} == {
        (m.pk, f"Idee {m.position}") for m in members
    }


def test_the_follow_up_page_shows_the_schedule_and_round(client, traject, people):
    walk_traject(traject, T.FOLLOW_UP)

    html = page(client, people["smw"], url("follow_up", traject))

    assert "Nabesprekingen van ronde 1 (van hoogstens 5)" in html
    assert "8 tot 14 dagen" in html
    assert "10 tot 14 dagen" in html


def test_recording_the_victims_follow_up(client, traject, people):
    walk_traject(traject, T.FOLLOW_UP)
    client.force_login(people["teacher5"])
    data = {
        "held_on": traject.current_round.meeting().held_on.isoformat(),
        "what_changed": "Speelt weer mee.",
        "how_now": "Goed.",
        "improved": "yes",
        "notes": "",
        "early_reason": "Eerder vanwege de vakantie.",
    }

    client.post(url("follow_up_victim", traject), data)

    assert traject.current_round.follow_up_for(None).improved == "yes"


def test_a_member_of_another_traject_is_404(client, traject, people, school, follower):
    walk_traject(traject, T.FOLLOW_UP)
    other = new_case(school, people["teacher5"], follower, extra_pupils(traject, 1)[0])
    walk(other, State.SUPPORT_GROUP, people)
    client.force_login(people["smw"])
    member = traject.members().first()

    response = client.get(reverse("noblame:follow_up_member", args=[other.pk, member.pk]))

    assert response.status_code == 404


def test_the_beheerder_has_no_guidance_admin(client, people):
    beheerder = people["beheerder"]
    beheerder.user_permissions.set(Permission.objects.filter(codename__endswith="_guidance"))
    client.force_login(beheerder)

    response = client.get(reverse("admin:noblame_guidance_changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_new_school_starts_with_the_default_settings_and_guidance(other_school):
    from noblame.models import SchoolSettings

    assert SchoolSettings.objects.get(school=other_school).max_rounds == 5
    assert Guidance.objects.filter(school=other_school).count() == len(Guidance.Talk)
