from django.apps import AppConfig


class NoblameConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "noblame"
