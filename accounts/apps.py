from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from auditlog.registry import auditlog
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts import signals  # noqa: F401  (connects the session receivers)
        from accounts.models import Invitation

        # Change history of who invited whom and of second factors set up or reset, with
        # the actor; never the token or the key.
        auditlog.register(Invitation, exclude_fields=["token_hash"])
        for device in (TOTPDevice, StaticDevice):
            auditlog.register(device, include_fields=["user", "name", "confirmed"])
