"""Single sign-on against a real OpenID Connect provider run by the test (oidc-provider-mock
on a local port): the library does the whole code flow with signed ID tokens."""

from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from oidc_provider_mock import run_server_in_thread

from accounts import services
from accounts.models import Invitation
from schools.models import Membership, Role

HOME = reverse("cases:start")


@pytest.fixture(scope="module")
def provider():
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso(settings, provider, school):
    settings.SSO_PROVIDER = "oidc"
    settings.SSO_CLIENT_ID = "pestprotocol"
    settings.SSO_CLIENT_SECRET = "geheim"
    settings.SSO_AUTHORIZATION_URL = f"{provider}/oauth2/authorize"
    settings.SSO_TOKEN_URL = f"{provider}/oauth2/token"
    settings.SSO_USERINFO_URL = f"{provider}/userinfo"
    settings.SSO_JWKS_URL = f"{provider}/jwks"
    settings.SSO_ALLOWED_DOMAINS = []
    # The provider's single signing key carries no key id (real providers' keys do).
    settings.OIDC_VERIFY_KID = False
    school.single_sign_on = True
    school.save()
    return school


def sign_in(client, address):
    """Start at our login, pick ``address`` at the provider, come back with the code."""
    start = client.get(reverse("accounts:sso_start"))
    assert start.status_code == 302
    authorize = requests.post(start.url, data={"sub": address}, allow_redirects=False, timeout=10)
    assert authorize.status_code == 302, authorize.text
    back = urlsplit(authorize.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


@pytest.mark.django_db
def test_an_existing_staff_member_signs_in_with_the_school_account(client, sso, ib):
    response = sign_in(client, ib.email)

    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    assert client.session["_auth_user_id"] == str(ib.pk)


@pytest.mark.django_db(transaction=True)
def test_an_invited_address_signs_in_and_the_invitation_is_used(client, sso, beheerder):
    invitation = services.invitation_create(
        by=beheerder, email="nina@regenboog.nl", school=sso, role=Role.IB
    )

    response = sign_in(client, "Nina@Regenboog.nl")

    assert response.status_code == 302
    user = User.objects.get(email="nina@regenboog.nl")
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, school=sso, role=Role.IB).exists()
    invitation.refresh_from_db()
    assert invitation.user == user
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_unknown_address_is_refused_and_no_account_is_made(client, sso):
    response = sign_in(client, "vreemde@example.org")

    assert response.url == reverse("login")
    assert "niet inloggen" in client.get(response.url).content.decode()
    assert not User.objects.filter(email="vreemde@example.org").exists()
    assert client.get(HOME).status_code == 302


@pytest.mark.django_db
def test_a_school_without_single_sign_on_lets_nobody_in_that_way(client, sso, ib):
    sso.single_sign_on = False
    sso.save()

    sign_in(client, ib.email)

    assert client.get(HOME).status_code == 302


@pytest.mark.django_db
def test_a_deactivated_account_is_refused(client, sso, inactive_ib):
    sign_in(client, inactive_ib.email)

    assert client.get(HOME).status_code == 302


@pytest.mark.django_db
def test_an_expired_invitation_does_not_sign_in(client, sso, beheerder):
    services.invitation_create(by=beheerder, email="laat@regenboog.nl", school=sso, role=Role.IB)
    Invitation.objects.update(expires_at="2000-01-01T00:00:00Z")

    sign_in(client, "laat@regenboog.nl")

    assert not User.objects.filter(email="laat@regenboog.nl").exists()


@pytest.mark.django_db
def test_outside_the_allowed_domains_nobody_signs_in(client, sso, ib, settings):
    settings.SSO_ALLOWED_DOMAINS = ["regenboog.nl"]

    sign_in(client, ib.email)  # @example.nl

    assert client.get(HOME).status_code == 302


@pytest.mark.django_db
def test_the_second_factor_still_applies_after_single_sign_on(client, sso, ib, settings):
    settings.ACCOUNTS_REQUIRE_2FA = True

    sign_in(client, ib.email)

    assert client.get(HOME).url.startswith(reverse("accounts:setup"))


@pytest.mark.django_db
def test_the_login_page_offers_it_only_when_configured(client, sso, settings):
    assert "Inloggen met uw schoolaccount" in client.get(reverse("login")).content.decode()
    settings.SSO_PROVIDER = ""

    assert "schoolaccount" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("accounts:sso_start")).status_code == 404


def test_the_presets_point_at_microsoft_and_google(settings):
    from accounts.sso import oidc_settings

    settings.SSO_CLIENT_ID = "id"
    settings.SSO_PROVIDER, settings.SSO_TENANT = "entra", "bestuur-tenant"
    entra = oidc_settings()
    settings.SSO_PROVIDER = "google"
    google = oidc_settings()

    assert entra["OIDC_OP_AUTHORIZATION_ENDPOINT"].startswith(
        "https://login.microsoftonline.com/bestuur-tenant/"
    )
    assert google["OIDC_OP_JWKS_ENDPOINT"] == "https://www.googleapis.com/oauth2/v3/certs"
