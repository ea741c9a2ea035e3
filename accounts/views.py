"""Accounts pages: login in two steps, invitations, setting up the second factor, the
user's own page with their sessions, and Django's password views in Dutch."""

import base64
import time
from io import BytesIO

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import policy, services, sso
from accounts.forms import AcceptInvitationForm, CodeForm, InvitationForm, SchoolSwitchForm
from accounts.models import Invitation
from pestprotocol.middleware import client_ip
from schools.scope import managed_schools, managed_staff
from schools.views import beheer_view

PENDING = "accounts_pending_login"
PENDING_SECONDS = 5 * 60  # between the password and the code


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- login in two steps --------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Password first. Someone with a second factor is not logged in yet: the session only
    remembers who passed the password, for a few minutes, until the code is given."""

    def form_valid(self, form):
        user = form.get_user()
        if user_has_device(user):
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_success_url(),
            }
            return redirect("accounts:two_factor")
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "password_alone": not settings.ACCOUNTS_REQUIRE_2FA,
            "sso_label": sso.label(),
        }


def _candidate(request):
    """Who is giving a code: the user who just passed the password step, or a logged-in
    user whose session has not been verified with a second factor."""
    if request.user.is_authenticated:
        return request.user, None
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


@require_http_methods(["GET", "POST"])
def two_factor(request):
    user, pending = _candidate(request)
    if user is None:
        messages.info(request, _("Log opnieuw in met uw gebruikersnaam en wachtwoord."))
        return redirect("login")
    if request.user.is_authenticated and (
        request.user.is_verified() or not user_has_device(request.user)
    ):
        return redirect(_next_url(request, reverse("home")))
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        request.session.pop(PENDING, None)
        return get_lockout_response(request, credentials=credentials)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            target = pending["next"] if pending else _next_url(request, reverse("home"))
            if pending:
                request.session.pop(PENDING, None)
                auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = StaticToken.objects.filter(device__user=user).count()
                messages.warning(
                    request,
                    _(
                        "U bent ingelogd met een reservecode. Er zijn er nog %(left)s over; "
                        "maak nieuwe aan via Mijn account."
                    )
                    % {"left": left},
                )
            return redirect(target)
        # A wrong code counts for django-axes as a wrong password: both lock alike.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if AxesProxyHandler.is_locked(request, credentials):
            request.session.pop(PENDING, None)
            return get_lockout_response(request, credentials=credentials)
        form.add_error(
            "code",
            _("Deze code klopt niet. Probeer de nieuwste code uit de app, of een reservecode."),
        )
    return render(request, "accounts/two_factor.html", {"form": form, "candidate": user})


# --- setting up the second factor ----------------------------------------------------------


def _secret_text(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Set up an authenticator app: scan the QR code, type the code it shows."""
    if user_has_device(request.user) and not request.user.is_verified():
        raise PermissionDenied  # the middleware sends them to the code page first
    device = services.totp_device_to_confirm(request.user)
    form = CodeForm(request.POST or None)
    target = _next_url(request, reverse("home"))
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.totp_confirm(
                request.user, form.cleaned_data["code"], keep_session=request.session.session_key
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("code", message)
        else:
            otp_login(request, device)
            messages.success(request, _("Tweestapsverificatie staat aan."))
            return render(request, "accounts/backup_codes.html", {"codes": codes, "next": target})
    return render(
        request,
        "accounts/setup.html",
        {
            "form": form,
            "secret": _secret_text(device),
            "required": policy.requires_second_factor(request.user),
            "replacing": user_has_device(request.user),
            "next": target,
        },
    )


@login_required
@require_http_methods(["GET"])
def setup_qr(request):
    """The QR code of the app being set up, drawn here (no outside service sees the key)."""
    if user_has_device(request.user) and not request.user.is_verified():
        raise PermissionDenied
    device = services.totp_device_to_confirm(request.user)
    out = BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


# --- the user's own page -------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def account(request):
    key = request.session.session_key
    sessions = [
        {"record": s, "current": s.session_key == key}
        for s in services.sessions_active(request.user)
    ]
    return render(
        request,
        "accounts/account.html",
        {
            "app": TOTPDevice.objects.filter(user=request.user, confirmed=True).first(),
            "backup_left": StaticToken.objects.filter(device__user=request.user).count(),
            "required": policy.requires_second_factor(request.user),
            "sessions": sessions,
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
            "max_hours": settings.ACCOUNTS_SESSION_MAX_HOURS,
        },
    )


@login_required
@require_POST
def backup_codes(request):
    try:
        codes = services.backup_codes_renew(request.user)
    except PermissionDenied:
        messages.error(request, _("Stel eerst een authenticator-app in."))
        return redirect("accounts:account")
    return render(
        request, "accounts/backup_codes.html", {"codes": codes, "next": reverse("accounts:account")}
    )


@login_required
@require_POST
def sessions_end(request):
    """Sign out everywhere else; with ``all`` this session ends too."""
    if request.POST.get("all"):
        services.sessions_end(request.user)
        return redirect("login")
    count = services.sessions_end(request.user, keep=request.session.session_key)
    messages.success(request, _("U bent op %(n)s andere plaatsen afgemeld.") % {"n": count})
    return redirect("accounts:account")


@login_required
@require_POST
def session_end(request, pk):
    record = get_object_or_404(services.sessions_active(request.user), pk=pk)
    if record.session_key == request.session.session_key:
        return redirect("logout")
    services.session_end(request.user, record.session_key)
    messages.success(request, _("Die sessie is beëindigd."))
    return redirect("accounts:account")


# --- invitations ---------------------------------------------------------------------------


@beheer_view("GET", "POST")
def staff_invite(request):
    form = InvitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("De uitnodiging is verstuurd naar %(email)s. De link werkt %(hours)s uur.")
                % {"email": invitation.email, "hours": settings.ACCOUNTS_INVITATION_HOURS},
            )
            return redirect("accounts:staff_invite")
    schools = managed_schools(request.user).order_by("name")
    invitations = (
        Invitation.objects.filter(school__in=schools)
        .select_related("school", "invited_by", "user")
        .order_by("-created_at")[:100]
    )
    return render(
        request,
        "accounts/staff_invite.html",
        {
            "form": form,
            "invitations": invitations,
            "schools": schools,
            "hours": settings.ACCOUNTS_INVITATION_HOURS,
            "sso_label": sso.label(),
        },
    )


@beheer_view("POST")
def staff_invite_revoke(request, pk):
    invitation = get_object_or_404(
        Invitation.objects.filter(school__in=managed_schools(request.user)), pk=pk
    )
    try:
        services.invitation_revoke(invitation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("De uitnodiging is ingetrokken; de link werkt niet meer."))
    return redirect("accounts:staff_invite")


@beheer_view("POST")
def staff_two_factor(request):
    form = SchoolSwitchForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Kies een school die u beheert."))
        return redirect("accounts:staff_invite")
    school, required = form.cleaned_data["school"], form.cleaned_data["required"]
    services.school_set_teacher_two_factor(school, by=request.user, required=required)
    if required:
        text = _("Leerkrachten van %(school)s loggen voortaan in met tweestapsverificatie.")
    else:
        text = _("Voor leerkrachten van %(school)s is tweestapsverificatie niet meer verplicht.")
    messages.success(request, text % {"school": school.name})
    return redirect("accounts:staff_invite")


@beheer_view("POST")
def staff_two_factor_reset(request, pk):
    account = get_object_or_404(managed_staff(request.user), pk=pk)
    try:
        services.two_factor_reset(account, by=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("De tweestapsverificatie van %(name)s is hersteld.")
            % {"name": account.get_full_name() or account.username},
        )
    return redirect("schools:staff_edit", pk=account.pk)


@beheer_view("POST")
def staff_sso(request):
    form = SchoolSwitchForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Kies een school die u beheert."))
        return redirect("accounts:staff_invite")
    school, enabled = form.cleaned_data["school"], form.cleaned_data["required"]
    services.school_set_single_sign_on(school, by=request.user, enabled=enabled)
    if enabled:
        text = _("Medewerkers van %(school)s kunnen nu inloggen met hun schoolaccount.")
    else:
        text = _("Inloggen met het schoolaccount staat uit voor %(school)s.")
    messages.success(request, text % {"school": school.name})
    return redirect("accounts:staff_invite")


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    found = services.invitation_for_token(token)
    refusal = services.invitation_refusal(found)
    if refusal:
        return render(request, "accounts/invitation_refused.html", {"refusal": refusal}, status=410)
    form = AcceptInvitationForm(
        request.POST or None,
        email=found.email,
        initial={
            "first_name": found.first_name,
            "last_name": found.last_name,
            "username": found.email,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.invitation_accept(
                token,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Uw account is aangemaakt."))
            return redirect(f"{reverse('accounts:setup')}?next={reverse('home')}")
    return render(
        request,
        "accounts/invitation.html",
        {
            "form": form,
            "invitation": found,
            "sso_label": sso.label() if found.school.single_sign_on else None,
        },
    )


# --- passwords (Django's own views) --------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Same answer for a known and an unknown address; too many requests from one client
    or for one address get a wait message (alike for known and unknown addresses)."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if not services.reset_request_allowed(form.cleaned_data["email"], client_ip(self.request)):
            form.add_error(
                None,
                _("Er zijn te veel aanvragen gedaan. Probeer het over een uur opnieuw."),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("accounts:password_change_done")
