"""Issue 15: each role's daily job on a portrait tablet (820 px), a landscape tablet
(1024 px) and a laptop (1366 px).

Every page of the walk fails on horizontal overflow of the page, a table or the menu,
on text cut off in a table, on a label overlapping its value (``layout.js``) and on
axe-core serious or critical findings. Screenshots of every page at every width go to
``test-artifacts/screenshots/tablet/`` (kept by CI as artefacts).

And the teacher's signal on an 820 px tablet: from the start page to the new case's
page in at most 8 taps besides typing; a tap on a select counts twice (open, choose).
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Case, State
from cases.talks import TalkKind
from tests.e2e.conftest import WIDTHS
from tests.walk import new_case, walk

pytestmark = pytest.mark.e2e

MAX_TAPS = 8


@pytest.fixture
def world(people, school, victim, bully, follower):
    """A case at stap 2, one in the No Blame approach and one at stap 4 with an overdue
    talk: the work of an ordinary week."""
    teacher = people["teacher5"]
    assessment = walk(new_case(school, teacher, victim, bully), State.ASSESSMENT, people)
    support = walk(new_case(school, teacher, follower, bully), State.SUPPORT_GROUP, people)
    planning = walk(new_case(school, teacher, victim, follower), State.ACTION_PLAN, people)
    services.talk_plan(
        planning, TalkKind.OTHER, timezone.localdate() - datetime.timedelta(days=2), by=teacher
    )
    return {"assessment": assessment, "support": support, "planning": planning, "victim": victim}


def daily_jobs(w):
    a, s, p, pupil = w["assessment"], w["support"], w["planning"], w["victim"]
    return {
        "juf.anna": [
            ("start", "/start/"),
            ("signal", "/casussen/nieuw/"),
            ("todo", "/te-doen/"),
            ("my-cases", "/casussen/"),
            ("case-stap-2", f"/casussen/{a.pk}/"),
            ("confirm-stap-2", f"/casussen/{a.pk}/stap/classify_repeated/bevestigen/"),
            ("talk", f"/casussen/{a.pk}/gesprek/{TalkKind.OTHER}/"),
            ("dossier", f"/leerlingen/{pupil.pk}/dossier/?casus={a.pk}"),
        ],
        "ib": [
            ("start", "/start/"),
            ("dashboard", "/overzicht/"),
            ("todo", "/te-doen/"),
            ("cases", "/casussen/"),
            ("case-stap-4", f"/casussen/{p.pk}/"),
            ("plan", f"/casussen/{p.pk}/plan/"),
            ("dossier", f"/leerlingen/{pupil.pk}/dossier/"),
            ("parents-copy", f"/leerlingen/{pupil.pk}/inzage/"),
        ],
        "smw": [
            ("start", "/start/"),
            ("noblame", "/no-blame/"),
            ("traject", f"/casussen/{s.pk}/no-blame/"),
            ("victim-talk", f"/casussen/{s.pk}/no-blame/gesprek/"),
            ("case-stap-3", f"/casussen/{s.pk}/"),
        ],
        "directie": [
            ("start", "/start/"),
            ("dashboard", "/overzicht/"),
            ("parents-copy", f"/leerlingen/{pupil.pk}/inzage/"),
        ],
    }


@pytest.mark.parametrize("username", ["juf.anna", "ib", "smw", "directie"])
def test_the_daily_job_fits_at_820_1024_and_1366(site, page, world, username):
    site.login(username)
    problems = []
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for name, path in daily_jobs(world)[username]:
            site.go(path)
            where = f"{username} {name} at {width}px"
            assert page.locator("h1").count() == 1, where
            site.screenshot(f"tablet/{username}-{name}-{width}")
            problems += [f"{where}: {p}" for p in site.layout_problems()]
            problems += [f"{where}: {v}" for v in site.axe_violations()]

    assert problems == [], "\n".join(problems)


class Taps:
    """Counts what a person taps; typing is free. A select is opened and then chosen."""

    def __init__(self):
        self.count = 0

    def tap(self, locator):
        self.count += 1
        locator.click()

    def choose(self, locator, label):
        self.count += 2
        locator.select_option(label=label)


def test_a_teacher_logs_a_signal_on_a_tablet_in_at_most_8_taps(site, page, people, victim, bully):
    page.set_viewport_size({"width": 820, "height": WIDTHS[820]})
    site.login("juf.anna")
    taps = Taps()

    taps.tap(page.get_by_role("main").get_by_role("link", name="Nieuwe melding"))
    page.get_by_label("Zoek een leerling").fill("San")
    taps.tap(page.get_by_role("button", name="Sanne de Vries toevoegen"))
    # Wait until her row is in (htmx) before the next search, so the two never race.
    expect(page.get_by_label("Rol van Sanne de Vries")).to_be_visible()
    page.get_by_label("Zoek een leerling").fill("Daa")
    taps.tap(page.get_by_role("button", name="Daan Jansen toevoegen"))
    taps.choose(page.get_by_label("Rol van Daan Jansen"), "pester")
    taps.choose(page.get_by_label("Waar gebeurde het?"), "op het schoolplein")
    page.get_by_label("Wat is er gebeurd?").fill("Wordt elke pauze uitgescholden.")
    taps.tap(page.get_by_role("button", name="Melding opslaan"))

    case = Case.objects.get()
    expect(page.get_by_role("heading", name=case.reference)).to_be_visible()
    expect(
        page.get_by_role("button", name="Gesprek met de gepeste leerling starten")
    ).to_be_visible()
    site.screenshot("tablet/signal-landed-820")
    assert taps.count <= MAX_TAPS, f"{taps.count} taps"
