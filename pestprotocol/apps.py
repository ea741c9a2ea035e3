from django.contrib.admin.apps import AdminConfig


class ApplicationAdminConfig(AdminConfig):
    """Django's admin with a site that only the board's superusers may enter."""

    default_site = "pestprotocol.admin.ApplicationAdminSite"
