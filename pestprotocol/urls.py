"""Root URLs: authentication, the admin, language switch and the apps."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import LoginView
from pestprotocol.operations import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:start"), name="home"),
    # For the load balancer and monitoring: database and file store answer (no data).
    path("gezond/", health, name="health"),
    path("inloggen/", LoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Configuration for the board's application manager (superusers only).
    path("applicatiebeheer/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("schools.urls")),
    path("", include("audit.urls")),
    path("", include("cases.urls")),
    path("", include("noblame.urls")),
    path("", include("plans.urls")),
    path("", include("dossier.urls")),
    path("", include("reports.urls")),
]
