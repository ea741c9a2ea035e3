from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"

    def ready(self):
        from cases.access import forget_memberships
        from schools.models import Membership

        post_save.connect(forget_memberships, sender=Membership, dispatch_uid="cases_roles")
        post_delete.connect(forget_memberships, sender=Membership, dispatch_uid="cases_roles")
