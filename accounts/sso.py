"""Single sign-on through OpenID Connect (mozilla-django-oidc), for schools that turn it on.

The provider comes from the environment (settings ``SSO_*``): Microsoft Entra ID, Google
Workspace, or any OpenID Connect provider by its endpoints. The address the provider
vouches for is matched to an active staff account of a school with single sign-on on, or
to an open invitation for such a school (which it then accepts). It never creates an
account on its own, and roles stay in the product. The second factor rules apply after
it as after a password (``accounts.middleware``).
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts import services

LABELS = {
    "entra": gettext_lazy("Inloggen met Microsoft"),
    "google": gettext_lazy("Inloggen met Google"),
    "oidc": gettext_lazy("Inloggen met uw schoolaccount"),
}


def _endpoints() -> dict[str, str]:
    provider = settings.SSO_PROVIDER
    if provider == "entra":
        base = f"https://login.microsoftonline.com/{settings.SSO_TENANT}"
        return {
            "authorization": f"{base}/oauth2/v2.0/authorize",
            "token": f"{base}/oauth2/v2.0/token",
            "userinfo": "https://graph.microsoft.com/oidc/userinfo",
            "jwks": f"{base}/discovery/v2.0/keys",
        }
    if provider == "google":
        return {
            "authorization": "https://accounts.google.com/o/oauth2/v2/auth",
            "token": "https://oauth2.googleapis.com/token",
            "userinfo": "https://openidconnect.googleapis.com/v1/userinfo",
            "jwks": "https://www.googleapis.com/oauth2/v3/certs",
        }
    return {
        "authorization": settings.SSO_AUTHORIZATION_URL,
        "token": settings.SSO_TOKEN_URL,
        "userinfo": settings.SSO_USERINFO_URL,
        "jwks": settings.SSO_JWKS_URL,
    }


def enabled() -> bool:
    return settings.SSO_PROVIDER in LABELS and bool(settings.SSO_CLIENT_ID)


def label() -> str | None:
    return LABELS[settings.SSO_PROVIDER] if enabled() else None


def oidc_settings() -> dict:
    """mozilla-django-oidc's settings, made from ours."""
    endpoints = _endpoints()
    return {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": endpoints["authorization"],
        "OIDC_OP_TOKEN_ENDPOINT": endpoints["token"],
        "OIDC_OP_USER_ENDPOINT": endpoints["userinfo"],
        "OIDC_OP_JWKS_ENDPOINT": endpoints["jwks"],
        "OIDC_RP_CLIENT_ID": settings.SSO_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": settings.SSO_CLIENT_SECRET,
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_RP_SCOPES": "openid email profile",
        "OIDC_USE_PKCE": True,
        "OIDC_CREATE_USER": False,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:sso_callback",
        "LOGIN_REDIRECT_URL": settings.LOGIN_REDIRECT_URL,
        "LOGIN_REDIRECT_URL_FAILURE": settings.LOGIN_URL,
    }


def _get_settings(attr, *default):
    if enabled():
        ours = oidc_settings()
        if attr in ours:
            return ours[attr]
    return import_from_settings(attr, *default)


def address_from_claims(claims: dict) -> str | None:
    """The e-mail address the provider vouches for. Google says whether it checked it;
    Entra ID gives the sign-in name of an account of the board's own tenant."""
    if claims.get("email_verified") is False:
        return None
    address = claims.get("email") or claims.get("preferred_username") or claims.get("upn")
    if not address or "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1].lower()
    allowed = [d.lower() for d in settings.SSO_ALLOWED_DOMAINS]
    if allowed and domain not in allowed:
        return None
    return address


class StaffOIDCBackend(OIDCAuthenticationBackend):
    """Signs in a known or invited staff member; answers nothing while SSO is off."""

    get_settings = staticmethod(_get_settings)

    def __init__(self, *args, **kwargs):
        if enabled():
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        if not enabled() or request is None or "code" not in request.GET:
            return None
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        address = address_from_claims(claims)
        return services.sso_account(address) if address else None

    def get_user(self, user_id):
        user = super().get_user(user_id) if enabled() else None
        return user if user is not None and user.is_active else None


class SSOStartView(OIDCAuthenticationRequestView):
    get_settings = staticmethod(_get_settings)

    def __init__(self, *args, **kwargs):
        if enabled():
            super().__init__(*args, **kwargs)

    def get(self, request):
        if not enabled():
            raise Http404
        return super().get(request)


class SSOCallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(_get_settings)

    def get(self, request):
        if not enabled():
            raise Http404
        return super().get(request)

    def login_failure(self):
        messages.error(
            self.request,
            _(
                "Met dit account kunt u hier niet inloggen. Vraag de beheerder van uw school "
                "om een uitnodiging, of log in met uw gebruikersnaam en wachtwoord."
            ),
        )
        return redirect(self.failure_url)
