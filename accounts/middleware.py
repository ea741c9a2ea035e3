"""Two-factor and session-length rules for every request of a logged-in user.

``TwoFactorMiddleware`` runs after django-otp's ``OTPMiddleware``: a user who has a second
factor but has not used it in this session, or whose role requires one they have not set
up, reaches only the pages that lead there (and logout). No pupil page, no beheer page.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device

from accounts import policy
from accounts.models import LoginSession
from accounts.signals import LOGIN_AT, NO_DEVICE, SEEN_AT

# Open to a logged-in user who still has to give their second factor.
ALWAYS_OPEN = frozenset({"login", "logout", "set_language", "accounts:two_factor"})
# Open as well to a user who has no second factor yet but must set one up.
SETUP_OPEN = ALWAYS_OPEN | {"accounts:setup", "accounts:setup_qr", "accounts:invitation"}

SEEN_EVERY = 60  # seconds between updates of "last seen" in the session list


def _url_name(request) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name


def _to(name: str, request):
    return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


def _has_device(request, user) -> bool:
    if request.session.get(NO_DEVICE) == user.pk:
        return False
    if user_has_device(user):
        return True
    request.session[NO_DEVICE] = user.pk
    return False


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            name = _url_name(request)
            if _has_device(request, user):
                if name not in ALWAYS_OPEN:
                    return _to("accounts:two_factor", request)
            elif name not in SETUP_OPEN and policy.requires_second_factor(user):
                return _to("accounts:setup", request)
        return self.get_response(request)


class SessionLimitMiddleware:
    """Ends a session ``ACCOUNTS_SESSION_MAX_HOURS`` after login, however active, and keeps
    the "last seen" time of the session list (at most once a minute)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            login_at = request.session.setdefault(LOGIN_AT, now)
            if now - login_at > settings.ACCOUNTS_SESSION_MAX_HOURS * 3600:
                logout(request)
                messages.info(
                    request,
                    _("U bent na %(hours)s uur automatisch uitgelogd. Log opnieuw in.")
                    % {"hours": settings.ACCOUNTS_SESSION_MAX_HOURS},
                )
                return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
            if now - request.session.get(SEEN_AT, 0) > SEEN_EVERY:
                request.session[SEEN_AT] = now
                LoginSession.objects.filter(session_key=request.session.session_key).update(
                    last_seen=timezone.now()
                )
        return self.get_response(request)
