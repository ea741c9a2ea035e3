"""What teachers, the IB and the SMW do in the browser, by the labels they read."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Case, State
from cases.talks import TalkKind
from tests.walk import new_case, walk

pytestmark = pytest.mark.e2e

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
    b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_teacher_logs_a_signal_with_evidence(site, people, victim, bully):
    page = site.login("juf.anna")
    page.get_by_role("link", name="Nieuwe melding").first.click()

    page.get_by_label("Zoek een leerling").fill("San")
    page.get_by_role("button", name="Sanne de Vries toevoegen").click()
    expect(page.get_by_label("Rol van Sanne de Vries")).to_have_value("victim")
    page.get_by_label("Zoek een leerling").fill("Daa")
    page.get_by_role("button", name="Daan Jansen toevoegen").click()
    page.get_by_label("Rol van Daan Jansen").select_option(label="pester")
    page.get_by_label("Waar gebeurde het?").select_option(label="op het schoolplein")
    page.get_by_label("Wat is er gebeurd?").fill("Wordt elke pauze uitgescholden bij de schommels.")
    page.get_by_label("Staat vaak alleen op het plein").check()
    page.get_by_label("Het gaat (ook) om digitaal pesten").check()
    page.get_by_label("Bewijs, zoals screenshots").set_input_files(
        files=[{"name": "appgroep.png", "mimeType": "image/png", "buffer": PNG}]
    )
    site.screenshot("signal-form")
    page.get_by_role("button", name="Melding opslaan").click()

    case = Case.objects.get()
    expect(page.get_by_role("heading", name=case.reference)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(case.reference)
    assert case.evidence.get().original_name == "appgroep.png"
    assert {cp.role for cp in case.case_pupils.all()} == {"victim", "bully"}
    site.screenshot("case-after-signal")


def test_a_teacher_records_the_stap_1_talk_and_classifies(site, people, school, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    page = site.login("juf.anna")
    page.get_by_role("link", name=case.reference).first.click()

    page.get_by_role("button", name="Gesprek met de gepeste leerling starten").click()
    expect(page.get_by_role("button", name="Inschatting maken")).to_be_disabled()
    page.get_by_role("link", name=re.compile("Gesprek vastleggen: Stap 1")).click()
    expect(page.get_by_role("heading", name="Zo pakt u dit gesprek aan")).to_be_visible()
    page.get_by_label("Wat gebeurt er precies?").fill("Ze wordt uitgelachen en geduwd.")
    page.get_by_label("Hoe vaak gebeurt het?").fill("Bijna elke dag.")
    page.get_by_label("Sinds wanneer gebeurt het?").fill("Sinds de herfstvakantie.")
    page.get_by_role("group", name=re.compile("Wil de leerling")).get_by_label("ja").check()
    site.screenshot("talk-form")
    page.get_by_role("button", name="Gesprek opslaan").click()

    page.get_by_role("button", name="Inschatting maken").click()
    expect(page.get_by_role("heading", name=re.compile("plagen, ruzie of pesten"))).to_be_visible()
    site.screenshot("case-assessment")
    page.get_by_role("link", name="Eenmalig incident").click()
    expect(page.get_by_role("heading", name="Uw keuze: Eenmalig incident")).to_be_visible()
    page.get_by_label("Opmerking bij deze stap").fill("Eerste keer, beiden geschrokken.")
    site.screenshot("case-confirm-stap-2")
    page.get_by_role("button", name="Ja, bevestig: Eenmalig incident").click()

    expect(page.get_by_role("status")).to_contain_text("Stap 2.2: eenmalig incident")
    expect(page.get_by_text("Stap 2.2: evaluatiegesprek na twee weken").first).to_be_visible()
    case.refresh_from_db()
    assert case.state == State.ONE_OFF


def test_the_ib_finds_an_overdue_case_on_the_dashboard(site, people, school, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.ACTION_PLAN, people)  # talks are planned from stap 4 on
    services.talk_plan(
        case,
        TalkKind.OTHER,
        timezone.localdate() - datetime.timedelta(days=3),
        by=people["teacher5"],
    )
    page = site.login("ib")
    page.get_by_role("link", name="Overzicht").first.click()

    overdue = page.get_by_role("table", name="Te late vervolggesprekken")
    expect(overdue.get_by_role("row").filter(has_text=case.reference)).to_contain_text("te laat")
    page.get_by_label("Naam van een leerling").fill("Sanne")
    page.get_by_role("button", name="Toon casussen").click()
    expect(page.get_by_role("heading", name="1 casus")).to_be_visible()
    site.screenshot("dashboard")
    overdue.get_by_role("link", name=case.reference).click()

    expect(page.get_by_role("heading", name=case.reference)).to_be_visible()
    expect(page.get_by_text("te laat").first).to_be_visible()


def test_a_refused_action_shows_its_reason(site, people, school, victim, bully):
    case = new_case(school, people["teacher5"], victim, bully)
    walk(case, State.ASSESSMENT, people)
    page = site.login("juf.anna")
    site.go(f"/casussen/{case.pk}/")
    # Meanwhile the IB decides it is no bullying: the teacher's page is out of date.
    services.case_transition(Case.objects.get(pk=case.pk), "classify_no_bullying", by=people["ib"])

    page.get_by_role("link", name="Eenmalig incident").click()

    expect(page.get_by_role("alert")).to_contain_text("Dat kan nu niet")
    expect(page.get_by_role("alert")).to_contain_text("Stap 2.1: geen pesten, nog op te lossen")
    close = page.get_by_role("button", name="Afsluiten: opgelost")
    expect(close).to_be_disabled()
    expect(close).to_have_accessible_description(re.compile("Noteer eerst hoe het is opgelost"))
    site.screenshot("case-refused")


def test_the_smw_runs_a_no_blame_round(site, people, school, victim, bully):
    from noblame.models import TrajectState
    from tests.noblame_walk import traject_of, walk_traject

    case = walk(new_case(school, people["teacher5"], victim, bully), State.SUPPORT_GROUP, people)
    traject = walk_traject(traject_of(case), TrajectState.GROUP_MEETING)
    members = [m.pupil.full_name for m in traject.members()]
    page = site.login("smw")
    page.get_by_role("link", name="No Blame", exact=True).click()
    page.get_by_role("link", name=case.reference).click()
    tabs = page.get_by_role("main")

    # The meeting: an idea per member, written with the name of who will do it.
    tabs.get_by_role("link", name="Bijeenkomst", exact=True).click()
    for name in members:
        page.get_by_label(f"Idee van {name}").fill(f"{name.split()[0]} vraagt haar mee te spelen.")
    site.screenshot("noblame-meeting")
    page.get_by_role("button", name="Bijeenkomst vastleggen").click()
    tabs.get_by_role("link", name="Overzicht", exact=True).click()
    page.get_by_role("button", name="Bijeenkomst gehouden: naar de nabesprekingen").click()

    # The follow-ups: the victim first, then every member in the order set.
    tabs.get_by_role("link", name="Nabesprekingen", exact=True).click()
    page.get_by_role("row").filter(has_text="de gepeste leerling").get_by_role("link").click()
    page.get_by_label("Wat is er veranderd?").fill("In de pauze speelt ze weer mee.")
    page.get_by_label("Hoe gaat het nu?").fill("Beter, maar nog niet goed.")
    page.get_by_role("group", name=re.compile("genoeg verbeterd")).get_by_label("nee").check()
    # Held on the day of the meeting: before its window, so with a reason.
    page.get_by_label("Waarom eerder dan de termijn?").fill("Volgende week is de groep op kamp.")
    page.get_by_role("button", name="Nabespreking vastleggen").click()
    for name in members:
        tabs.get_by_role("link", name="Nabesprekingen", exact=True).click()
        page.get_by_role("row").filter(has_text=name).get_by_role("link").click()
        page.get_by_role("group", name=re.compile("deel gedaan")).get_by_label("ja").check()
        page.get_by_label("Wat heeft de leerling gedaan en gezien?").fill("Vroeg haar mee.")
        page.get_by_label("Hoe gaat het nu, volgens deze leerling?").fill("Goed.")
        page.get_by_label("Waarom eerder dan de termijn?").fill("Volgende week op kamp.")
        page.get_by_role("button", name="Nabespreking vastleggen").click()
    site.screenshot("noblame-follow-up")

    tabs.get_by_role("link", name="Overzicht", exact=True).click()
    page.get_by_role("button", name="Nog niet verbeterd: nieuwe ronde").click()

    expect(page.get_by_text("Ronde 2 van hoogstens 5")).to_be_visible()
    slips = page.get_by_role("link", name=re.compile("Hulpbriefjes per lid"))
    response = page.request.get(site.url + slips.get_attribute("href"))
    assert response.ok
    assert response.body().startswith(b"%PDF")
    traject.refresh_from_db()
    assert traject.round == 2
