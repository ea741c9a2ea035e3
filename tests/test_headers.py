"""Response headers and error pages: CSP, no caching of pupil data, Dutch error pages."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.urls import include, path, reverse

from pestprotocol.middleware import NoStoreMiddleware
from tests.walk import new_case

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Rendered to PDF by WeasyPrint only, never served to a browser: CSP does not apply.
PDF_ONLY = (
    "noblame/print/",
    "cases/print/",
    "dossier/export/",
    "plans/document",
    "reports/document",
)


def boom(request):
    raise RuntimeError("kapot: geheime details uit de stacktrace")


urlpatterns = [path("kapot/", boom), path("", include("pestprotocol.urls"))]


def test_every_page_carries_the_content_security_policy(client, ib):
    client.force_login(ib)

    policy = client.get(reverse("cases:start"))["Content-Security-Policy"]

    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in policy


def test_pages_may_not_be_framed_or_sniffed(client, db):
    response = client.get(reverse("login"))

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_case_page_is_never_stored(client, school, teacher5, victim, bully):
    case = new_case(school, teacher5, victim, bully)
    client.force_login(teacher5)

    response = client.get(reverse("cases:detail", args=[case.pk]))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_login_page_is_never_stored(client, db):
    assert "no-store" in client.get(reverse("login"))["Cache-Control"]


def test_an_anonymous_redirect_is_left_alone(client, db):
    response = client.get(reverse("cases:start"))

    assert response.status_code == 302
    assert "no-store" not in response.get("Cache-Control", "")


def test_static_files_are_left_alone(rf, ib):
    request = rf.get(f"/{settings.STATIC_URL.strip('/')}/css/app.css")
    request.user = ib

    response = NoStoreMiddleware(lambda r: HttpResponse("css"))(request)

    assert "Cache-Control" not in response


def test_templates_hold_no_inline_script_or_style():
    """CSP blocks inline code: every script and style comes from a file under static/."""
    found = []
    for template in TEMPLATES.rglob("*.html"):
        name = template.relative_to(TEMPLATES).as_posix()
        if name.startswith(PDF_ONLY):
            continue
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if (
                re.search(r"<script(?![^>]*\bsrc=)[^>]*>", line)
                or re.search(r"<style\b", line)
                or re.search(r"\sstyle=", line)
                or re.search(r"\son[a-z]+\s*=", line)
                or "javascript:" in line
            ):
                found.append(f"{name}:{number}")
    assert found == []


# --- error pages -----------------------------------------------------------------------


def test_404_is_dutch(client, ib):
    client.force_login(ib)

    response = client.get("/bestaat-niet/")

    assert response.status_code == 404
    assert "Deze pagina is er niet" in response.content.decode()


def test_403_is_dutch_and_says_why(client, people):
    client.force_login(people["teacher5"])

    response = client.get(reverse("audit:log"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "Dit kunt u hier niet doen" in html
    assert "directie en de beheerder" in html


@pytest.mark.urls("tests.test_headers")
def test_a_crash_shows_the_dutch_500_page_without_a_traceback(client, ib):
    client.raise_request_exception = False
    client.force_login(ib)

    response = client.get("/kapot/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Er ging iets mis" in html
    assert "geheime details" not in html
    assert "Traceback" not in html
    assert "RuntimeError" not in html


def test_a_bad_request_gets_the_dutch_400_page(client, db):
    response = client.get(reverse("login"), headers={"host": "kwaadaardig.example.com"})

    assert response.status_code == 400
    assert "Dit verzoek kunnen we niet verwerken" in response.content.decode()


def test_an_expired_form_gets_a_dutch_page(ib):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(ib)

    response = client.post(reverse("logout"))

    assert response.status_code == 403
    assert "Dit formulier is verlopen" in response.content.decode()
