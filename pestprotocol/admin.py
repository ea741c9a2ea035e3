"""Django's admin, for the board's technical application manager only.

The admin holds configuration: the board, its schools, who manages which school, the
No Blame settings and guidance texts. It is open to superusers alone; the beheerder of a
school works in the product's own beheer pages (``schools.views``), where every query and
save is scoped to the schools they manage. No case content is registered here.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ApplicationAdminSite(admin.AdminSite):
    site_header = _("Applicatiebeheer Pestprotocol")
    site_title = _("Applicatiebeheer")
    index_title = _("Configuratie van bestuur en scholen")

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def login(self, request, extra_context=None):
        """Everyone logs in through the product's login, with its second step (accounts)."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
        return super().login(request, extra_context)
