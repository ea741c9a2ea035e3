"""Accounts: invitations for new staff, the user's login sessions, reset requests.

The second factor itself lives in django-otp's devices (TOTP app, backup codes).
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import Role, School


def token_digest(token: str) -> str:
    """Invitation tokens are stored only as their SHA-256: a copy of the database does
    not hold a working link."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A beheerder invites someone by e-mail for a role at a school; the link works once."""

    email = models.EmailField(_("e-mailadres"))
    first_name = models.CharField(_("voornaam"), max_length=150, blank=True)
    last_name = models.CharField(_("achternaam"), max_length=150, blank=True)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("school")
    )
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uitgenodigd door"),
    )
    created_at = models.DateTimeField(_("verstuurd op"), default=timezone.now)
    expires_at = models.DateTimeField(_("geldig tot"))
    accepted_at = models.DateTimeField(_("aangenomen op"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("account"),
    )

    class Meta:
        verbose_name = _("uitnodiging")
        verbose_name_plural = _("uitnodigingen")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(user__isnull=False),
                name="invitation_accepted_has_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}, {self.school})"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def status(self) -> str:
        if self.accepted_at:
            return _("aangenomen")
        if self.revoked_at:
            return _("ingetrokken")
        if self.expires_at <= timezone.now():
            return _("verlopen")
        return _("open")


class LoginSession(models.Model):
    """One logged-in session of a user, so they can see where they are logged in and end
    every session at once (and deactivation can)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("sessie")
        verbose_name_plural = _("sessies")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.ip_address or '?'}"

    @property
    def device_label(self) -> str:
        """Browser and system ("Edge op Windows") guessed from the user agent, for people."""
        agent = self.user_agent
        browser = next((name for key, name in BROWSERS if key in agent), _("onbekende browser"))
        system = next((name for key, name in SYSTEMS if key in agent), "")
        if not system:
            return str(browser)
        return _("%(browser)s op %(system)s") % {"browser": browser, "system": system}


# Order matters: Edge and Chrome also say "Safari"; Android also says "Linux".
BROWSERS = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
SYSTEMS = [
    ("iPad", "iPad"),
    ("iPhone", "iPhone"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]


class ResetRequest(models.Model):
    """A password reset request, counted for the rate limit (address kept only as a hash)."""

    email_digest = models.CharField(max_length=64, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("wachtwoordherstelverzoek")
        verbose_name_plural = _("wachtwoordherstelverzoeken")

    def __str__(self) -> str:
        return f"{self.ip_address or '?'} {self.requested_at:%Y-%m-%d %H:%M}"
