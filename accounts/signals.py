"""Login sessions follow logins and logouts; a deactivated account loses every session."""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver
from django_otp import user_has_device

from accounts import services
from pestprotocol.middleware import client_ip

LOGIN_AT = "accounts_login_at"
SEEN_AT = "accounts_seen_at"  # when the session list's "last seen" was last written
# The session's user had no second factor at login (or when last asked). Setting one up
# ends the user's other sessions (accounts.services.totp_confirm), so it cannot go stale.
NO_DEVICE = "accounts_no_device"


@receiver(user_logged_in, dispatch_uid="accounts-session-record")
def _record_session(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    request.session[LOGIN_AT] = request.session[SEEN_AT] = time.time()
    if not user_has_device(user):
        request.session[NO_DEVICE] = user.pk
    services.session_record(
        user,
        request.session,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


@receiver(user_logged_out, dispatch_uid="accounts-session-forget")
def _forget_session(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        services.session_forget(key)


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts-deactivated")
def _end_sessions_of_deactivated(sender, instance, **kwargs):
    if not instance.is_active:
        services.sessions_end(instance)
