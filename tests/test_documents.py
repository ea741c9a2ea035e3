"""The one document renderer: only the project's own static files and data: URLs reach
WeasyPrint, stylesheets are parsed once, and every PDF of the product goes through it."""

import base64
import io
import socket
from pathlib import Path
from unittest import mock

import pypdf
import pytest
from django.conf import settings
from PIL import Image

from cases import documents
from cases.documents import render_pdf
from cases.models import State
from dossier.export import render_dossier_pdf
from noblame import printables
from noblame.models import Traject, TrajectState
from plans.documents import PLAN_STYLESHEETS, render_plan_pdf
from tests.noblame_walk import record_meeting, record_victim_talk, walk_traject
from tests.plan_helpers import case_in_stap4, full_plan
from tests.walk import new_case, walk

STATIC = Path(settings.BASE_DIR) / "static"
DOCUMENT_CSS = STATIC / "css" / "plan_document.css"


def fetch(url) -> bytes:
    response = documents._fetcher()(url)
    try:
        return response.read()
    finally:
        response.close()


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""
    refused = mock.Mock(side_effect=AssertionError("a document tried the network"))
    monkeypatch.setattr(socket, "create_connection", refused)
    monkeypatch.setattr(socket.socket, "connect", refused)
    return refused


# --- the fetcher -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["file:///static/css/plan_document.css", DOCUMENT_CSS.as_uri()],
    ids=["static-url", "file-in-static-folder"],
)
def test_the_fetcher_serves_a_project_static_file(url):
    assert fetch(url) == DOCUMENT_CSS.read_bytes()


def test_the_fetcher_serves_data_urls():
    assert fetch("data:text/plain;base64,aGFsbG8=") == b"hallo"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x.png",
        "https://example.org/x.css",
        "file:///etc/passwd",
        "file:///static/../../etc/passwd",
        f"file://{STATIC}/../pestprotocol/settings.py",
        "ftp://example.org/x.png",
    ],
)
def test_the_fetcher_refuses_everything_else(url, no_network):
    with pytest.raises(ValueError, match="static files"):
        documents._fetcher()(url)


# --- the renderer ------------------------------------------------------------------------


def images_in(pdf: bytes) -> int:
    return sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_an_external_image_is_left_out_without_being_fetched(no_network):
    html = (
        '<p>Tekst</p><img src="http://example.org/x.png"><img src="file:///etc/passwd">'
        '<link rel="stylesheet" href="https://example.org/x.css">'
    )

    pdf = render_pdf(html)

    assert pdf.startswith(b"%PDF-")
    assert images_in(pdf) == 0
    no_network.assert_not_called()


def test_a_data_image_is_rendered():
    png = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 30, 30)).save(png, "PNG")
    html = f'<img src="data:image/png;base64,{base64.b64encode(png.getvalue()).decode()}">'

    assert images_in(render_pdf(html)) == 1


@pytest.mark.parametrize("src", ["favicon.svg", "/static/favicon.svg"])
def test_a_static_image_is_found_by_its_static_name(src, monkeypatch):
    found = []
    real = documents.static_file
    monkeypatch.setattr(documents, "static_file", lambda url: found.append(real(url)) or found[-1])

    render_pdf(f'<img src="{src}">')

    assert found == [(STATIC / "favicon.svg").resolve()]


def test_the_title_and_page_numbers_come_from_the_html():
    html = (
        "<html><head><title>Titel van het stuk</title><style>@page { @bottom-center "
        '{ content: "pagina " counter(page) " van " counter(pages) } }</style></head>'
        "<body><p>Een</p><p style='break-before: page'>Twee</p></body></html>"
    )

    reader = pypdf.PdfReader(io.BytesIO(render_pdf(html)))

    assert reader.metadata.title == "Titel van het stuk"
    assert "pagina 2 van 2" in reader.pages[1].extract_text()


def test_stylesheets_and_fonts_are_prepared_once_per_process(monkeypatch):
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    monkeypatch.setattr(documents, "_prepared_sets", {})
    css = mock.Mock(wraps=CSS)
    fonts = mock.Mock(wraps=FontConfiguration)
    monkeypatch.setattr("weasyprint.CSS", css)
    monkeypatch.setattr("weasyprint.text.fonts.FontConfiguration", fonts)

    for _n in range(3):
        render_pdf("<p>Een plan</p>", stylesheets=PLAN_STYLESHEETS)

    assert css.call_count == len(PLAN_STYLESHEETS)
    assert fonts.call_count == 1


# --- every document goes through it ------------------------------------------------------


@pytest.fixture
def plan(school, people, victim, bully):
    return full_plan(case_in_stap4(school, people, victim, bully), people)


@pytest.fixture
def met(school, people, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.SUPPORT_GROUP, people)
    traject = Traject.objects.get(case=case)
    walk_traject(traject, TrajectState.VICTIM_TALK)
    record_victim_talk(traject)
    walk_traject(traject, TrajectState.GROUP_MEETING)
    members = list(traject.members())
    record_meeting(traject, ideas=dict.fromkeys(members, "Samen spelen in de pauze."))
    return traject


@pytest.fixture
def weasyprint_html(monkeypatch):
    from weasyprint import HTML

    spy = mock.Mock(wraps=HTML)
    monkeypatch.setattr("weasyprint.HTML", spy)
    return spy


def assert_rendered_by_render_pdf(spy):
    assert spy.call_count == 1
    assert spy.call_args.kwargs["url_fetcher"] is documents._fetcher()


def test_the_plan_goes_through_the_renderer(plan, weasyprint_html):
    render_plan_pdf(plan)

    assert_rendered_by_render_pdf(weasyprint_html)


def test_the_dossier_export_goes_through_the_renderer(
    school, people, victim, bully, weasyprint_html
):
    new_case(school, people["teacher5"], victim, bully)

    render_dossier_pdf(victim)

    assert_rendered_by_render_pdf(weasyprint_html)


@pytest.mark.parametrize("make", [printables.invitation_list_pdf, printables.help_slips_pdf])
def test_the_printables_go_through_the_renderer(met, weasyprint_html, make):
    make(met)

    assert_rendered_by_render_pdf(weasyprint_html)
