from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo school board for development and the tests: ``manage.py seed_demo``."""

    name = "demo"
    verbose_name = _("Demogegevens")
