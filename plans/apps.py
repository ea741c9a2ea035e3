from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    """The plan van aanpak (stap 4): written, signed by everyone involved, locked, filed."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = _("Plan van aanpak")

    def ready(self):
        from cases import hooks
        from plans import services

        hooks.provide("plan_signed", services.signed_problems)
        hooks.provide("signed_plan", services.latest_locked_plan)
        hooks.provide("timeline", services.timeline_items)
        hooks.provide("cases_with_signed_plan", services.cases_with_signed_plan)
        hooks.add_case_panel("plans/_case_panel.html")
