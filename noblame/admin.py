"""Admin for the board's application manager: each school's No Blame settings (to read;
the beheerder changes them in the beheer pages) and talk guidance. Trajects are case
content and are not in the admin at all."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from noblame.defaults import GUIDANCE
from noblame.models import Guidance, SchoolSettings
from noblame.services import SETTINGS_FIELDS


@admin.register(SchoolSettings)
class SchoolSettingsAdmin(admin.ModelAdmin):
    list_display = fields = ["school", *SETTINGS_FIELDS]

    def has_add_permission(self, request):
        return False  # every school gets its settings when it is created

    def has_change_permission(self, request, obj=None):
        # Shown, not changed here: the school's beheerder changes them in the beheer pages,
        # through ``noblame.services.school_settings_save`` (the one way in).
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Guidance)
class GuidanceAdmin(admin.ModelAdmin):
    list_display = ["talk", "school"]
    list_filter = ["school", "talk"]
    fields = ["school", "talk", "opening", "questions", "avoid"]
    readonly_fields = ["school", "talk"]
    actions = ["reset_to_default"]

    def has_add_permission(self, request):
        return False  # every school gets a text for every talk when it is created

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Terugzetten naar de standaardtekst"))
    def reset_to_default(self, request, queryset):
        for guidance in queryset:
            for field, text in GUIDANCE[guidance.talk].items():
                setattr(guidance, field, text)
            guidance.save()
        messages.success(request, _("De standaardtekst staat weer klaar."))
