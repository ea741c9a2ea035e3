from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _new_school(sender, instance, created, raw=False, **kwargs):
    """A new school starts with the default No Blame settings and guidance."""
    if created and not raw:
        from noblame.defaults import ensure_school_defaults

        ensure_school_defaults(instance)


class NoblameConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "noblame"
    verbose_name = _("No Blame-aanpak")

    def ready(self):
        from cases import hooks
        from noblame import services, todo
        from schools.models import School

        post_save.connect(_new_school, sender=School, dispatch_uid="noblame_new_school")
        hooks.case_transitioned.connect(services.on_case_transitioned, dispatch_uid="noblame")
        hooks.provide("no_blame_outcome", services.case_outcome)
        hooks.provide("no_blame_history", services.no_blame_history)
        hooks.provide("timeline", services.timeline_items)
        hooks.provide("todo", todo.todo_items)
        hooks.provide("todo_count", todo.todo_count)
        hooks.add_case_panel("noblame/_traject_panel.html")
