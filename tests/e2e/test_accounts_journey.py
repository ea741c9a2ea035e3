"""An invitation in the browser: from the beheerder's page to the newcomer's first page,
with the codes an authenticator app would show computed here from the key on the page."""

import base64
import re

import pytest
from django.core import mail
from django_otp.oath import totp
from playwright.sync_api import expect

from accounts import services
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def app_code(secret_text: str) -> str:
    """What an authenticator app shows for the key typed over from the page."""
    key = base64.b32decode(secret_text.replace(" ", ""))
    return f"{totp(key):06d}"


def test_an_invited_ib_sets_a_password_and_an_app_and_reaches_the_start_page(
    site, settings, beheerder, school
):
    settings.ACCOUNTS_REQUIRE_2FA = True
    device = services.totp_device_to_confirm(beheerder)
    services.totp_confirm(beheerder, f"{totp(device.bin_key):06d}")
    device.refresh_from_db()
    device.last_t = -1  # the code used above may be shown again in this half minute
    device.save()

    # The beheerder logs in with password and code, and invites a new IB.
    page = site.go("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("beheerder")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile(r"/start/$"))
    site.go("/beheer/medewerkers/")
    page.get_by_role("link", name="Medewerker uitnodigen").click()
    page.get_by_label("E-mailadres").fill("nina.nieuw@regenboog.nl")
    page.get_by_label("Rol").select_option(label="intern begeleider")
    site.screenshot("accounts-invite")
    assert site.axe_violations() == []
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_role("status")).to_contain_text("nina.nieuw@regenboog.nl")
    expect(page.get_by_role("cell", name="open")).to_be_visible()
    site.logout()

    # The newcomer follows the link in the e-mail.
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    site.go("/" + link.split("://", 1)[1].split("/", 1)[1])
    expect(page.get_by_role("heading", name="Welkom bij Pestprotocol")).to_be_visible()
    assert site.axe_violations() == []
    page.get_by_label("Voornaam").fill("Nina")
    page.get_by_label("Achternaam").fill("Nieuw")
    page.get_by_label("Gebruikersnaam").fill("nina")
    page.get_by_label(re.compile(r"\bWachtwoord\W*$")).fill("Kastanjeboom-2026")
    page.get_by_label("Wachtwoord nogmaals").fill("Kastanjeboom-2026")
    page.get_by_role("button", name="Account aanmaken").click()

    # Setting up the app: the QR code is an image from the project; the key is typed over.
    expect(page.get_by_role("heading", name="Tweestapsverificatie instellen")).to_be_visible()
    qr = page.get_by_role("img", name="QR-code om de authenticator-app te koppelen")
    expect(qr).to_be_visible()
    # decode() waits for the image to load and rejects when it cannot be shown.
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    site.screenshot("accounts-setup")
    assert site.axe_violations() == []
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code").fill(app_code(secret))
    page.get_by_role("button", name="Bevestigen").click()

    expect(page.get_by_role("heading", name="Uw reservecodes")).to_be_visible()
    codes = page.get_by_role("list", name="Reservecodes").locator("code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    page.wait_for_url(re.compile(r"/start/$"))
    expect(page.get_by_role("link", name="Nina Nieuw")).to_be_visible()

    # Next time: the password alone is not enough; a backup code works once.
    site.logout()
    page = site.go("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("nina")
    page.get_by_label("Wachtwoord").fill("Kastanjeboom-2026")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Tweede stap: inlogcode")).to_be_visible()
    assert site.axe_violations() == []
    site.go("/start/")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    page.get_by_label("Gebruikersnaam").fill("nina")
    page.get_by_label("Wachtwoord").fill("Kastanjeboom-2026")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile(r"/start/$"))
    expect(page.get_by_role("status").first).to_contain_text("reservecode")
    site.go("/account/")
    expect(page.get_by_role("heading", name="Waar u bent ingelogd")).to_be_visible()
    expect(page.get_by_text("U heeft nog 9 reservecodes.")).to_be_visible()
    assert site.axe_violations() == []
