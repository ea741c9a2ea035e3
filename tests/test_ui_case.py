"""The case page: plain-word stap, the buttons this user may press, talks, evidence, refusals."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from cases.evidence import MAX_BYTES, evidence_store
from cases.models import Case, Notification, State
from cases.steps import TRANSITION_LABELS
from cases.talks import TalkKind
from tests.walk import new_case, walk

# A real 1x1 PNG: an upload is decoded, a PNG header alone is refused.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


@pytest.fixture
def case(school, teacher5, victim, bully):
    return new_case(school, teacher5, victim, bully)


def detail(client, case):
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_every_transition_has_a_dutch_label():
    declared = {
        (t.name, t.source)
        for t in Case().get_all_state_transitions()
        if t.name in services.TRANSITION_NAMES
    }

    assert declared == set(TRANSITION_LABELS)


def test_a_disabled_button_says_why(client, people, case):
    walk(case, State.VICTIM_TALK, people)
    client.force_login(people["teacher5"])

    html = detail(client, case)

    assert "Inschatting maken" in html
    assert 'disabled aria-describedby="why-assess"' in html
    assert "Leg eerst het gesprek vast" in html


def test_the_director_sees_the_buttons_disabled_with_the_reason(client, people, case):
    client.force_login(people["director"])

    html = detail(client, case)

    assert 'disabled aria-describedby="why-start_victim_talk"' in html
    assert "Dit kan alleen de leerkracht van de casus of de intern begeleider." in html


def test_pressing_a_button_moves_the_case(client, people, case):
    client.force_login(people["teacher5"])

    response = client.post(
        reverse("cases:fire", args=[case.pk, "start_victim_talk"]), {"remark": "Vandaag."}
    )

    case.refresh_from_db()
    assert response.status_code == 302
    assert case.state == State.VICTIM_TALK
    assert case.state_changes.get().remark == "Vandaag."


def test_a_refused_transition_says_why_on_the_page(client, people, case):
    walk(case, State.VICTIM_TALK, people)
    client.force_login(people["teacher5"])

    response = client.post(reverse("cases:fire", args=[case.pk, "assess"]), follow=True)

    html = response.content.decode()
    assert "Dat kan nu niet" in html
    assert "Leg eerst het gesprek vast" in html
    case.refresh_from_db()
    assert case.state == State.VICTIM_TALK


def test_firing_needs_a_post(client, people, case):
    client.force_login(people["teacher5"])

    response = client.get(reverse("cases:fire", args=[case.pk, "start_victim_talk"]))

    assert response.status_code == 405


def test_firing_on_a_case_out_of_sight_is_404(client, people, case):
    client.force_login(people["teacher7"])

    response = client.post(reverse("cases:fire", args=[case.pk, "start_victim_talk"]))

    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == State.SIGNALED


def test_the_talk_page_shows_the_guidance_beside_the_questions(client, people, case):
    walk(case, State.VICTIM_TALK, people)
    client.force_login(people["teacher5"])

    html = client.get(reverse("cases:talk", args=[case.pk, TalkKind.VICTIM])).content.decode()

    assert "Zo pakt u dit gesprek aan" in html
    assert "Wat gebeurt er precies?" in html


def talk_data(**extra):
    data = {
        "held_on": "2026-11-02",
        "q_what_happens": "Uitgelachen.",
        "q_how_often": "Dagelijks.",
        "q_since_when": "September.",
        "q_wants_change": "yes",
    }
    data.update(extra)
    return data


def test_recording_the_stap_1_talk_lets_the_case_move_on(client, people, case):
    walk(case, State.VICTIM_TALK, people)
    client.force_login(people["teacher5"])

    client.post(reverse("cases:talk", args=[case.pk, TalkKind.VICTIM]), talk_data())

    assert case.talk_is_recorded(TalkKind.VICTIM)
    assert services.transition_check(case, "assess", people["teacher5"]) == []


def test_a_missing_answer_is_shown_and_nothing_is_recorded(client, people, case):
    walk(case, State.VICTIM_TALK, people)
    client.force_login(people["teacher5"])

    response = client.post(
        reverse("cases:talk", args=[case.pk, TalkKind.VICTIM]), talk_data(q_how_often="")
    )

    assert response.status_code == 200
    assert "Uitgelachen." in response.content.decode()
    assert not case.talks.exists()


def test_editing_a_talk_adds_a_version(client, people, case):
    walk(case, State.ASSESSMENT, people)
    talk = case.talks.get(kind=TalkKind.VICTIM)
    client.force_login(people["teacher5"])
    url = reverse("cases:talk", args=[case.pk, TalkKind.VICTIM]) + f"?gesprek={talk.pk}"

    client.post(url, talk_data(q_how_often="Twee keer per week."))

    assert list(talk.versions.values_list("number", flat=True)) == [1, 2]
    assert talk.versions.get(number=2).answers["how_often"] == "Twee keer per week."


def test_the_director_may_not_record_a_talk(client, people, case):
    walk(case, State.VICTIM_TALK, people)
    client.force_login(people["director"])

    response = client.post(
        reverse("cases:talk", args=[case.pk, TalkKind.VICTIM]), talk_data(), follow=True
    )

    assert "Dit kan alleen de leerkracht van de casus" in response.content.decode()
    assert not case.talks.exists()


def test_an_unknown_talk_kind_is_404(client, people, case):
    client.force_login(people["teacher5"])

    assert client.get(reverse("cases:talk", args=[case.pk, "gossip"])).status_code == 404


def test_the_decision_aid_lists_earlier_cases_of_these_pupils(
    client, people, school, case, victim, bully
):
    earlier = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.ASSESSMENT, people)
    client.force_login(people["teacher5"])

    html = detail(client, case)

    assert "plagen, ruzie of pesten" in html
    assert earlier.reference in html


def test_the_outcome_is_noted_at_stap_2_1(client, people, case):
    walk(case, State.RESOLVED_OTHER, people)
    client.force_login(people["teacher5"])

    client.post(reverse("cases:outcome", args=[case.pk]), {"outcome": "Uitgepraat."})

    case.refresh_from_db()
    assert case.outcome == "Uitgepraat."


def test_opening_the_case_marks_its_notifications_read(client, people, case):
    Notification.objects.create(user=people["ib"], case=case, message="Casus in stap 3.")
    client.force_login(people["ib"])

    detail(client, case)

    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_a_teacher_plans_a_talk(client, people, case):
    walk(case, State.ACTION_PLAN, people)
    client.force_login(people["teacher5"])

    client.post(
        reverse("cases:plan_talk", args=[case.pk]),
        {"kind": TalkKind.EVALUATION, "planned_on": "2999-01-01"},
    )

    assert case.talks.filter(kind=TalkKind.EVALUATION, planned_on__year=2999).exists()


# --- evidence ----------------------------------------------------------------------------


def test_evidence_is_downloaded_as_an_attachment_by_who_may_see_it(client, people, case):
    evidence = evidence_store(
        case, SimpleUploadedFile("chat.png", PNG), by=people["teacher5"], description="app"
    )
    client.force_login(people["ib"])

    response = client.get(reverse("cases:evidence", args=[case.pk, evidence.pk]))

    assert response.status_code == 200
    name = f"{case.reference}-bewijs-1.png"  # never the uploaded chat.png
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert b"".join(response.streaming_content) == PNG


def test_evidence_is_404_for_someone_who_may_not_see_the_case(client, people, case):
    evidence = evidence_store(case, SimpleUploadedFile("chat.png", PNG), by=people["teacher5"])
    client.force_login(people["teacher7"])

    response = client.get(reverse("cases:evidence", args=[case.pk, evidence.pk]))

    assert response.status_code == 404


def test_evidence_of_another_case_is_404(client, people, school, case, victim, bully):
    other = new_case(school, people["teacher5"], victim, bully)
    evidence = evidence_store(other, SimpleUploadedFile("chat.png", PNG), by=people["teacher5"])
    client.force_login(people["teacher5"])

    response = client.get(reverse("cases:evidence", args=[case.pk, evidence.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("chat.gif", b"GIF89a", "alleen PNG, JPEG of PDF"),
        ("chat.pdf", b"MZ not a pdf", "geen echt PDF-bestand"),
        ("chat.jpg", b"", "leeg"),
        ("groot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_BYTES, "groter dan 10 MB"),
    ],
)
def test_bad_evidence_is_refused_with_a_reason(client, people, case, name, content, message):
    client.force_login(people["teacher5"])

    response = client.post(
        reverse("cases:evidence_add", args=[case.pk]),
        {"files": SimpleUploadedFile(name, content)},
        follow=True,
    )

    assert message in response.content.decode()
    assert not case.evidence.exists()


def test_the_director_may_not_add_evidence(client, people, case):
    client.force_login(people["director"])

    response = client.post(
        reverse("cases:evidence_add", args=[case.pk]), {"files": SimpleUploadedFile("a.png", PNG)}
    )

    assert response.status_code == 403
    assert not case.evidence.exists()


def test_an_odd_talk_id_is_404(client, people, case):
    client.force_login(people["teacher5"])
    url = reverse("cases:talk", args=[case.pk, TalkKind.OTHER])

    assert client.get(url, {"gesprek": "abc"}).status_code == 404
