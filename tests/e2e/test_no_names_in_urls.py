"""The browser sends no pupil's name in a URL (issue 17): what it requests is what the web
server's access log and the browser's history keep. The live server is Django's; the
request URLs recorded here are its request lines."""

import re
from urllib.parse import unquote_plus

import pytest
from playwright.sync_api import expect

from schools.models import Pupil
from tests.walk import new_case

pytestmark = pytest.mark.e2e


def pupil_names() -> set[str]:
    names = set()
    for first, last in Pupil.objects.values_list("first_name", "last_name"):
        names |= {first, last, last.split()[-1]}
    return {name.casefold() for name in names if len(name) >= 3}


def test_searching_and_filtering_by_name_keeps_the_name_out_of_urls(
    site, people, school, victim, bully
):
    new_case(school, people["teacher5"], victim, bully)
    requested = []
    site.page.on("request", lambda request: requested.append(request.url))

    # A teacher picks the pupil in the signal form by typing the name.
    page = site.login("juf.anna")
    page.get_by_role("link", name="Nieuwe melding").first.click()
    page.get_by_label("Zoek een leerling").fill("Sanne de Vries")
    page.get_by_role("button", name="Sanne de Vries toevoegen").click()
    expect(page.get_by_label("Rol van Sanne de Vries")).to_have_value("victim")
    page.get_by_label("Zoek een leerling").fill("Jansen")
    expect(page.get_by_role("button", name="Daan Jansen toevoegen")).to_be_visible()
    site.logout()

    # The IB filters the dashboard by the pupil's name.
    page = site.login("ib")
    page.get_by_role("link", name="Overzicht").first.click()
    page.get_by_label("Naam van een leerling").fill("Sanne de Vries")
    page.get_by_role("button", name="Toon casussen").click()
    expect(page.get_by_role("heading", name="1 casus")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Sanne de Vries (groep 5)")).to_be_checked()
    assert re.search(rf"[?&]leerling={victim.pk}\b", page.url)
    assert not site.axe_violations()

    names = pupil_names()
    leaks = [url for url in requested if any(n in unquote_plus(url).casefold() for n in names)]
    assert any("/leerlingen/zoeken/" in url for url in requested)
    assert not leaks, leaks
