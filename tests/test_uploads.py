"""The one upload check: what a file is comes from its content, for evidence, scans,
signatures and the No Blame letter alike."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from cases.evidence import evidence_store
from cases.models import State
from cases.uploads import check_upload, stored_name
from noblame.models import Traject, TrajectState
from plans.files import signature_check
from tests.noblame_walk import walk_traject
from tests.plan_helpers import case_in_stap4, full_plan
from tests.test_noblame_views import talk_data
from tests.walk import new_case, walk

EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode."
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
PUPIL_NAME = "Sanne de Vries"


def image(kind="PNG", size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width, height) -> bytes:
    """A PNG that announces ``width`` x ``height`` pixels and holds almost none of them."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)


def refusal(upload, **options) -> str:
    with pytest.raises(ValidationError) as refused:
        check_upload(upload, **options)
    return " ".join(refused.value.messages)


# --- the check itself ----------------------------------------------------------------------


def test_a_pdf_named_png_is_a_pdf():
    checked = check_upload(SimpleUploadedFile("scherm.png", PDF, content_type="image/png"))

    assert (checked.kind, checked.content_type, checked.extension) == (
        "pdf",
        "application/pdf",
        ".pdf",
    )


def test_a_jpeg_is_decoded_and_measured():
    checked = check_upload(SimpleUploadedFile("foto.jpg", image("JPEG")))

    assert checked.content_type == "image/jpeg"
    assert checked.dimensions == (40, 20)


def test_an_exe_renamed_png_is_refused():
    assert "a.png is geen echt PNG-bestand" in refusal(SimpleUploadedFile("a.png", EXE))


def test_an_exe_by_its_own_name_is_refused():
    assert "kan hier niet worden bewaard" in refusal(SimpleUploadedFile("a.exe", EXE))


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_truncated_image_is_refused_even_after_weasyprint_relaxed_pillow(kind, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what importing it does
    whole = image(kind, size=(300, 300))

    message = refusal(SimpleUploadedFile("a.img", whole[: len(whole) // 2]))

    assert "beschadigd" in message


def test_a_png_header_alone_is_refused():
    assert "beschadigd" in refusal(SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32))


def test_an_image_with_too_many_pixels_is_refused_before_decoding():
    upload = SimpleUploadedFile("a.png", png_header_only(8000, 8000))

    assert "te grote afbeelding" in refusal(upload)


def test_the_size_cap_holds_and_is_named():
    content = PDF + b"x" * (2048 - len(PDF))

    assert check_upload(SimpleUploadedFile("a.pdf", content), max_bytes=2048).size == 2048
    message = refusal(SimpleUploadedFile("a.pdf", content + b"x"), max_bytes=2048)
    assert "a.pdf is groter dan 2 kB" in message


def test_an_empty_file_is_refused():
    assert "a.pdf is leeg" in refusal(SimpleUploadedFile("a.pdf", b""))


def test_a_kind_not_asked_for_is_refused():
    message = refusal(SimpleUploadedFile("a.png", PDF), kinds=("png",))

    assert "a.png is geen echt PNG-bestand" in message


def test_a_name_with_a_percent_sign_is_shown_as_it_is():
    assert "100%(x)s.png is geen echt PNG-bestand" in refusal(
        SimpleUploadedFile("100%(x)s.png", EXE)
    )


def test_a_signature_must_be_a_real_png():
    with pytest.raises(ValidationError, match="geen PNG-afbeelding"):
        signature_check(PDF)
    with pytest.raises(ValidationError, match="kon niet worden gelezen"):
        signature_check(image()[:-20])


def test_stored_names_are_random_and_under_the_prefix():
    first, second = stored_name("evidence/3"), stored_name("evidence/3/")

    assert first.startswith("evidence/3/")
    assert second.startswith("evidence/3/")
    assert first != second


# --- evidence ------------------------------------------------------------------------------


@pytest.fixture
def case(school, people, victim, bully):
    return new_case(school, people["teacher5"], victim, bully)


def test_an_exe_renamed_png_is_refused_as_evidence(client, people, case):
    client.force_login(people["teacher5"])

    response = client.post(
        reverse("cases:evidence_add", args=[case.pk]),
        {"files": SimpleUploadedFile("chat.png", EXE, content_type="image/png")},
        follow=True,
    )

    assert "chat.png is geen echt PNG-bestand" in response.content.decode()
    assert not case.evidence.exists()


def test_evidence_named_png_holding_a_pdf_is_kept_and_served_as_pdf(client, people, case):
    upload = SimpleUploadedFile(f"{PUPIL_NAME}.png", PDF, content_type="image/png")
    evidence = evidence_store(case, upload, by=people["teacher5"])
    client.force_login(people["teacher5"])

    response = client.get(reverse("cases:evidence", args=[case.pk, evidence.pk]))

    assert evidence.content_type == "application/pdf"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_stored_evidence_names_hold_nothing_of_the_upload_name(people, case):
    upload = SimpleUploadedFile(f"{PUPIL_NAME}.png", image())

    evidence = evidence_store(case, upload, by=people["teacher5"])

    assert "Sanne" not in evidence.file.name
    assert "Vries" not in evidence.file.name
    assert not evidence.file.name.endswith(".png")


# --- scans of the signed plan --------------------------------------------------------------


@pytest.fixture
def plan(school, people, victim, bully):
    return full_plan(case_in_stap4(school, people, victim, bully), people)


def post_scan(client, plan, upload):
    return client.post(
        reverse("plans:scan", args=[plan.pk]),
        {
            "scan": upload,
            "signatories": [str(s.pk) for s in plan.signatories.all()],
            "confirm": "on",
        },
    )


def test_an_exe_renamed_png_is_refused_as_a_scan(client, people, plan):
    client.force_login(people["teacher5"])

    response = post_scan(client, plan, SimpleUploadedFile("getekend.png", EXE))

    assert "getekend.png is geen echt PNG-bestand" in response.content.decode()
    assert not plan.scans.exists()


def test_a_scan_is_kept_as_what_its_content_is_under_a_random_name(client, people, plan):
    client.force_login(people["teacher5"])

    post_scan(client, plan, SimpleUploadedFile(f"{PUPIL_NAME}.png", PDF))

    scan = plan.scans.get()
    assert scan.content_type == "application/pdf"
    assert "Sanne" not in scan.file.name
    response = client.get(reverse("plans:scan_file", args=[scan.pk]))
    assert response["Content-Type"] == "application/pdf"


# --- the No Blame letter or drawing --------------------------------------------------------


@pytest.fixture
def talking(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.SUPPORT_GROUP, people)
    return walk_traject(Traject.objects.get(case=case), TrajectState.VICTIM_TALK)


def post_letter(client, traject, upload):
    return client.post(
        reverse("noblame:victim_talk", args=[traject.case_id]),
        {**talk_data(traject), "letter_upload": upload},
    )


def letter_url(traject):
    return reverse("noblame:letter", args=[traject.case_id])


def test_an_exe_renamed_png_is_refused_as_a_letter(client, people, talking):
    client.force_login(people["smw"])

    response = post_letter(client, talking, SimpleUploadedFile("tekening.png", EXE))

    assert "tekening.png is geen echt PNG-bestand" in response.content.decode()
    assert talking.victim_talk is None


def test_a_letter_is_stored_and_served_as_its_content_not_the_browsers_type(
    client, people, talking
):
    client.force_login(people["smw"])
    upload = SimpleUploadedFile(f"brief van {PUPIL_NAME}.png", PDF, content_type="image/png")
    post_letter(client, talking, upload)

    response = client.get(letter_url(talking))

    talk = talking.victim_talk
    assert talk.letter_content_type == "application/pdf"
    assert "Sanne" not in talk.letter.name
    assert response["Content-Type"] == "application/pdf"
    assert f"{talking.case.reference}-brief.pdf" in response["Content-Disposition"]


def test_a_letter_kept_before_the_check_is_served_by_its_content(client, people, talking):
    client.force_login(people["smw"])
    post_letter(client, talking, SimpleUploadedFile("tekening.png", image()))
    talk = talking.victim_talk
    # As the browser once said it was, from before letters were checked.
    talk.letter.save("tekening.png", ContentFile(EXE), save=False)
    talk.letter_content_type = "image/png"
    talk.save()

    response = client.get(letter_url(talking))

    assert response["Content-Type"] == "application/octet-stream"
    assert ".png" not in response["Content-Disposition"]
