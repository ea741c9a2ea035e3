"""Accounts: second login step, invitations, the user's own page, passwords."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import sso, views

app_name = "accounts"

urlpatterns = [
    path("inloggen/code/", views.two_factor, name="two_factor"),
    path("inloggen/schoolaccount/", sso.SSOStartView.as_view(), name="sso_start"),
    path("inloggen/schoolaccount/terug/", sso.SSOCallbackView.as_view(), name="sso_callback"),
    path("uitnodiging/<str:token>/", views.invitation, name="invitation"),
    path("account/", views.account, name="account"),
    path("account/tweestapsverificatie/", views.setup, name="setup"),
    path("account/tweestapsverificatie/qr.svg", views.setup_qr, name="setup_qr"),
    path("account/reservecodes/", views.backup_codes, name="backup_codes"),
    path("account/sessies/afmelden/", views.sessions_end, name="sessions_end"),
    path("account/sessies/<int:pk>/afmelden/", views.session_end, name="session_end"),
    path("account/wachtwoord/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/wachtwoord/gewijzigd/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("wachtwoord-vergeten/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "wachtwoord-vergeten/verstuurd/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "wachtwoord-herstellen/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "wachtwoord-herstellen/klaar/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("beheer/medewerkers/uitnodigen/", views.staff_invite, name="staff_invite"),
    path(
        "beheer/medewerkers/uitnodigingen/<int:pk>/intrekken/",
        views.staff_invite_revoke,
        name="staff_invite_revoke",
    ),
    path(
        "beheer/medewerkers/tweestapsverificatie/",
        views.staff_two_factor,
        name="staff_two_factor",
    ),
    path("beheer/medewerkers/schoolaccount/", views.staff_sso, name="staff_sso"),
    path(
        "beheer/medewerkers/<int:pk>/tweestapsverificatie-herstellen/",
        views.staff_two_factor_reset,
        name="staff_two_factor_reset",
    ),
]
