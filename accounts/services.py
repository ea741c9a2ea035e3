"""Every write of the accounts app: invitations, the second factor, sessions, reset limits.

Invitation services check through ``schools.scope`` that the acting beheerder manages the
school; the invitee's own steps (accepting, enrolling a device) act on their own account.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Invitation, LoginSession, ResetRequest, token_digest
from audit.actor import acting_as
from schools.models import Membership, Role, School
from schools.scope import may_edit_account, require_managed

# Roles a beheerder may invite someone for (schools.services grants the same ones).
INVITABLE_ROLES = (Role.TEACHER, Role.IB, Role.SMW, Role.DIRECTOR, Role.ADMIN)
BACKUP_CODE_COUNT = 10


# --- invitations ---------------------------------------------------------------------------


def invitation_create(
    *, by, email: str, school: School, role: str, first_name: str = "", last_name: str = ""
) -> Invitation:
    """Invite ``email`` for ``role`` at ``school`` and send the link. An earlier open
    invitation for the same address and school is withdrawn: only the newest link works."""
    require_managed(by, school)
    if role not in INVITABLE_ROLES:
        raise ValidationError(_("Voor deze rol kunt u hier niemand uitnodigen."))
    email = get_user_model().objects.normalize_email(email).strip()
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise ValidationError(
            _(
                "Er is al een account met dit e-mailadres. Geef die medewerker een rol "
                "via de lijst met medewerkers."
            )
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic(), acting_as(by):
        for earlier in Invitation.objects.filter(
            email__iexact=email, school=school, accepted_at=None, revoked_at=None
        ):
            earlier.revoked_at = now
            earlier.save(update_fields=["revoked_at"])
        invitation = Invitation.objects.create(
            email=email,
            first_name=first_name,
            last_name=last_name,
            school=school,
            role=role,
            token_hash=token_digest(token),
            invited_by=by,
            created_at=now,
            expires_at=now + datetime.timedelta(hours=settings.ACCOUNTS_INVITATION_HOURS),
        )
        transaction.on_commit(lambda: _send_invitation(invitation, token))
    return invitation


def _send_invitation(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "link": settings.SITE_URL + reverse("accounts:invitation", args=[token]),
        "hours": settings.ACCOUNTS_INVITATION_HOURS,
        "inviter": invitation.invited_by.get_full_name() or invitation.invited_by.username
        if invitation.invited_by
        else "",
    }
    subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_revoke(invitation: Invitation, *, by) -> None:
    require_managed(by, invitation.school_id)
    if invitation.accepted_at is not None:
        raise ValidationError(_("Deze uitnodiging is al aangenomen."))
    if invitation.revoked_at is None:
        with transaction.atomic(), acting_as(by):
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link belongs to (open or not), or None for an unknown token."""
    return (
        Invitation.objects.select_related("school")
        .filter(token_hash=token_digest(token or ""))
        .first()
    )


def invitation_refusal(invitation: Invitation | None) -> str | None:
    """Why a link no longer works, in Dutch, or None when it does."""
    if invitation is None or invitation.revoked_at is not None:
        return _("Deze uitnodiging bestaat niet (meer). Vraag de beheerder om een nieuwe.")
    if invitation.accepted_at is not None:
        return _(
            "Deze uitnodiging is al gebruikt. Log in met uw gebruikersnaam en wachtwoord, "
            "of vraag de beheerder om een nieuwe uitnodiging."
        )
    if invitation.expires_at <= timezone.now():
        return _("Deze uitnodiging is verlopen. Vraag de beheerder om een nieuwe uitnodiging.")
    return None


def invitation_accept(token: str, *, username: str, first_name: str, last_name: str, password: str):
    """Create the account an open invitation is for, with its role; the link then stops
    working. Refuses a used, withdrawn, expired or unknown link."""
    user_model = get_user_model()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(token_hash=token_digest(token or ""))
            .first()
        )
        refusal = invitation_refusal(invitation)
        if refusal:
            raise ValidationError(refusal)
        if user_model.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("Deze gebruikersnaam is al in gebruik. Kies een andere."))
        if user_model.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("Er is al een account met dit e-mailadres."))
        user = user_model(
            username=username, first_name=first_name, last_name=last_name, email=invitation.email
        )
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        with acting_as(invitation.invited_by):
            user.save()
            Membership.objects.create(user=user, school=invitation.school, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.user = user
        invitation.save(update_fields=["accepted_at", "user"])
    return user


def sso_account(address: str):
    """The account single sign-on may sign in for ``address``: an active account of a
    school with single sign-on on, or else the account an open invitation for such a
    school becomes (without a password of its own). None for anyone else: SSO never
    creates an account on its own."""
    user_model = get_user_model()
    accounts = list(
        user_model.objects.filter(
            email__iexact=address,
            is_active=True,
            memberships__school__single_sign_on=True,
        ).distinct()[:2]
    )
    if len(accounts) == 1:
        return accounts[0]
    if accounts:
        return None  # two accounts share the address: let neither in by guesswork
    if user_model.objects.filter(email__iexact=address).exists():
        return None  # deactivated, or not at a school with single sign-on
    now = timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(
                email__iexact=address,
                school__single_sign_on=True,
                accepted_at=None,
                revoked_at=None,
                expires_at__gt=now,
            )
            .order_by("-created_at")
            .first()
        )
        if invitation is None or user_model.objects.filter(username__iexact=address).exists():
            return None
        user = user_model(
            username=address,
            email=invitation.email,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
        user.set_unusable_password()
        with acting_as(invitation.invited_by):
            user.save()
            Membership.objects.create(user=user, school=invitation.school, role=invitation.role)
        invitation.accepted_at = now
        invitation.user = user
        invitation.save(update_fields=["accepted_at", "user"])
    return user


def school_set_single_sign_on(school: School, *, by, enabled: bool) -> None:
    """Whether the staff of ``school`` may sign in with the board's school account."""
    require_managed(by, school)
    with transaction.atomic(), acting_as(by):
        school.single_sign_on = enabled
        school.save(update_fields=["single_sign_on"])


# --- the second factor ---------------------------------------------------------------------


def totp_device_to_confirm(user) -> TOTPDevice:
    """The authenticator-app device being set up (not yet confirmed); made when needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator-app"), confirmed=False)
    return device


def totp_confirm(
    user, code: str, *, keep_session: str | None = None
) -> tuple[TOTPDevice, list[str]]:
    """Confirm the device being set up with a code from the app. Replaces an earlier app,
    gives a fresh set of backup codes (returned once) and ends the user's other sessions:
    one that began with the password alone must not outlive the new second factor."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise ValidationError(_("Begin opnieuw met het instellen van de app."))
    if not device.verify_token((code or "").strip().replace(" ", "")):
        raise ValidationError(
            _("Deze code klopt niet. Controleer de tijd op uw telefoon en probeer het opnieuw.")
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _backup_codes_replace(user)
        sessions_end(user, keep=keep_session)
    return device, codes


def backup_codes_renew(user) -> list[str]:
    """A new set of backup codes; the old ones stop working. Only with an app set up."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise PermissionDenied
    with transaction.atomic():
        return _backup_codes_replace(user)


def _backup_codes_replace(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Reservecodes"), confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def two_factor_reset(account, *, by) -> None:
    """A beheerder removes a colleague's app and backup codes (a lost phone); they set up
    a new one at their next login. Every session of the account ends."""
    if not may_edit_account(by, account):
        raise PermissionDenied(_("Dit account heeft ook een rol op een school die u niet beheert."))
    with transaction.atomic(), acting_as(by):
        for device in [
            *TOTPDevice.objects.filter(user=account),
            *StaticDevice.objects.filter(user=account),
        ]:
            device.delete()  # one change-history entry each
        sessions_end(account)


def school_set_teacher_two_factor(school: School, *, by, required: bool) -> None:
    """Whether the teachers of ``school`` must sign in with a second factor as well."""
    require_managed(by, school)
    with transaction.atomic(), acting_as(by):
        school.teachers_need_two_factor = required
        school.save(update_fields=["teachers_need_two_factor"])


# --- sessions ------------------------------------------------------------------------------


def _session_store(key: str) -> SessionBase:
    engine = import_string(settings.SESSION_ENGINE + ".SessionStore")
    return engine(session_key=key)


def session_record(user, session: SessionBase, *, ip_address: str | None, user_agent: str) -> None:
    """Remember a new login session of ``user`` (called when they log in). A session that
    was just flushed (another user logged in before) gets its key here."""
    if session.session_key is None:
        session.save()
    LoginSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "ip_address": ip_address,
            "user_agent": user_agent[:300],
            "created_at": timezone.now(),
            "last_seen": timezone.now(),
        },
    )


def session_forget(session_key: str) -> None:
    LoginSession.objects.filter(session_key=session_key).delete()


def sessions_active(user):
    """The user's sessions that may still be in use (within the idle timeout and the
    absolute maximum)."""
    now = timezone.now()
    return LoginSession.objects.filter(
        user=user,
        last_seen__gt=now - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE),
        created_at__gt=now - datetime.timedelta(hours=settings.ACCOUNTS_SESSION_MAX_HOURS),
    )


def sessions_end(user, *, keep: str | None = None) -> int:
    """End every session of ``user`` (except ``keep``, the current one, if given)."""
    records = LoginSession.objects.filter(user=user)
    if keep:
        records = records.exclude(session_key=keep)
    keys = list(records.values_list("session_key", flat=True))
    for key in keys:
        _session_store(key).delete()
    records.delete()
    return len(keys)


def session_end(user, session_key: str) -> None:
    """End one session of ``user`` (from the list on their own page)."""
    if not LoginSession.objects.filter(user=user, session_key=session_key).exists():
        raise PermissionDenied
    _session_store(session_key).delete()
    session_forget(session_key)


# --- password reset limits -----------------------------------------------------------------


def reset_request_allowed(email: str, ip_address: str | None) -> bool:
    """Count a password reset request; False once the address or the client asked too
    often in the last hour. Answers alike for known and unknown addresses."""
    digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()
    now = timezone.now()
    hour_ago = now - datetime.timedelta(hours=1)
    with transaction.atomic():
        ResetRequest.objects.filter(requested_at__lt=now - datetime.timedelta(days=1)).delete()
        by_address = ResetRequest.objects.filter(email_digest=digest, requested_at__gt=hour_ago)
        by_ip = ResetRequest.objects.filter(ip_address=ip_address, requested_at__gt=hour_ago)
        if by_address.count() >= settings.ACCOUNTS_RESET_PER_ADDRESS or (
            ip_address and by_ip.count() >= settings.ACCOUNTS_RESET_PER_IP
        ):
            return False
        ResetRequest.objects.create(email_digest=digest, ip_address=ip_address, requested_at=now)
    return True
