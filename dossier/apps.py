from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossierConfig(AppConfig):
    """The pupil's dossier across cases, the parents' copy (right of access), retention."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dossier"
    verbose_name = _("Leerlingdossier")

    def ready(self):
        from cases.hooks import case_transitioned, outside_help_advised, recurrence_recorded
        from dossier import services
        from noblame.signals import traject_closed
        from plans.services import plan_locked

        case_transitioned.connect(services.on_case_transitioned, dispatch_uid="dossier-case")
        recurrence_recorded.connect(services.on_recurrence, dispatch_uid="dossier-recurrence")
        outside_help_advised.connect(
            services.on_outside_help_advised, dispatch_uid="dossier-outside-help"
        )
        plan_locked.connect(services.on_plan_locked, dispatch_uid="dossier-plan")
        traject_closed.connect(services.on_traject_closed, dispatch_uid="dossier-no-blame")
