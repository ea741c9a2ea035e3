"""The signal form and its pupil picker: fast for the teacher, never showing other pupils."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.access import visible_pupils
from cases.models import Case
from tests.conftest import make_pupil

# A real 1x1 PNG: an upload is decoded, a PNG header alone is refused.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


@pytest.fixture
def groep7_pupil(school, groep7):
    return make_pupil(school, groep7, "Sanne", "Groen")


def signal(victim, bully=None, **extra):
    data = {
        "pupil": [victim.pk] + ([bully.pk] if bully else []),
        f"role_{victim.pk}": "victim",
        "signal_date": "2026-11-02",
        "place": "playground",
        "description": "Wordt uitgelachen bij het buitenspelen.",
        "reporter_kind": "teacher",
        "victim_signs": ["victim_alone"],
    }
    if bully:
        data[f"role_{bully.pk}"] = "bully"
    data.update(extra)
    return data


def test_visible_pupils_for_a_teacher_are_those_of_their_classes(
    teacher5, ib, victim, groep7_pupil, ib_other
):
    assert list(visible_pupils(teacher5)) == [victim]
    assert set(visible_pupils(ib)) == {victim, groep7_pupil}
    assert list(visible_pupils(ib_other)) == []


def test_the_search_finds_only_pupils_the_teacher_may_see(client, teacher5, victim, groep7_pupil):
    client.force_login(teacher5)

    html = client.post(reverse("cases:pupil_search"), {"q": "san"}).content.decode()

    assert "Sanne de Vries" in html
    assert "Sanne Groen" not in html


def test_the_search_matches_first_and_last_name_together(client, ib, victim, groep7_pupil):
    client.force_login(ib)

    html = client.post(reverse("cases:pupil_search"), {"q": "sanne vri"}).content.decode()

    assert "Sanne de Vries" in html
    assert "Sanne Groen" not in html


def test_the_search_leaves_out_pupils_already_chosen(client, teacher5, victim):
    client.force_login(teacher5)

    html = client.post(
        reverse("cases:pupil_search"), {"q": "san", "pupil": victim.pk}
    ).content.decode()

    assert "Sanne de Vries" not in html


def test_picking_a_pupil_of_another_class_is_refused(client, teacher5, groep7_pupil):
    client.force_login(teacher5)

    response = client.get(reverse("cases:pupil_row"), {"id": groep7_pupil.pk})

    assert response.status_code == 404


def test_the_first_pupil_picked_is_the_victim(client, teacher5, victim):
    client.force_login(teacher5)

    html = client.get(reverse("cases:pupil_row"), {"id": victim.pk}).content.decode()

    assert '<option value="victim" selected>' in html
    assert f"Rol van {victim.full_name}" in html


def test_a_teacher_logs_a_signal(client, teacher5, victim, bully):
    client.force_login(teacher5)

    response = client.post(reverse("cases:signal_new"), signal(victim, bully))

    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.responsible_teacher == teacher5
    assert case.warning_signs == ["victim_alone"]
    assert {(cp.pupil, cp.role) for cp in case.case_pupils.all()} == {
        (victim, "victim"),
        (bully, "bully"),
    }


def test_a_signal_without_a_victim_is_refused_and_keeps_what_was_typed(
    client, teacher5, victim, bully
):
    client.force_login(teacher5)
    data = signal(victim, bully, **{f"role_{victim.pk}": "bystander"})

    response = client.post(reverse("cases:signal_new"), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "gepeste" in html
    assert "geef die de rol" in html
    assert "Wordt uitgelachen bij het buitenspelen." in html
    assert f'name="role_{bully.pk}"' in html
    assert not Case.objects.exists()


def test_a_pupil_the_teacher_may_not_see_is_dropped(client, teacher5, victim, groep7_pupil):
    client.force_login(teacher5)
    data = signal(victim, **{"pupil": [victim.pk, groep7_pupil.pk]})
    data[f"role_{groep7_pupil.pk}"] = "bully"

    client.post(reverse("cases:signal_new"), data)

    assert list(Case.objects.get().pupils.all()) == [victim]


def test_a_date_in_the_future_is_refused(client, teacher5, victim):
    client.force_login(teacher5)

    response = client.post(reverse("cases:signal_new"), signal(victim, signal_date="2999-01-01"))

    assert "toekomst" in response.content.decode()
    assert not Case.objects.exists()


def test_evidence_is_kept_with_the_signal(client, teacher5, victim):
    client.force_login(teacher5)
    upload = SimpleUploadedFile("chat.png", PNG, content_type="image/png")

    client.post(reverse("cases:signal_new"), signal(victim, is_digital="on", evidence=upload))

    evidence = Case.objects.get().evidence.get()
    assert evidence.content_type == "image/png"
    assert "chat" not in evidence.file.name


def test_a_fake_image_is_refused_and_nothing_is_saved(client, teacher5, victim):
    client.force_login(teacher5)
    upload = SimpleUploadedFile("chat.png", b"MZ not really a png", content_type="image/png")

    response = client.post(reverse("cases:signal_new"), signal(victim, evidence=upload))

    assert "geen echt PNG-bestand" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", "١٢", ""])
def test_odd_pupil_ids_are_404_not_a_server_error(client, teacher5, value):
    client.force_login(teacher5)

    assert client.get(reverse("cases:pupil_row"), {"id": value}).status_code == 404
    assert (
        client.post(reverse("cases:pupil_search"), {"q": "san", "pupil": value}).status_code == 200
    )


def test_after_saving_the_teacher_lands_on_the_case_with_its_next_step(
    client, teacher5, victim, bully
):
    client.force_login(teacher5)

    response = client.post(reverse("cases:signal_new"), signal(victim, bully), follow=True)

    case = Case.objects.get()
    html = response.content.decode()
    assert response.redirect_chain == [(reverse("cases:detail", args=[case.pk]), 302)]
    assert f"De melding is opgeslagen als casus {case.reference}" in html
    assert "Gesprek met de gepeste leerling starten" in html
