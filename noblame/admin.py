"""Admin for the beheerder: the school's No Blame settings and talk guidance.

Trajects are shown read-only: they move only through ``noblame.services``.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from noblame.defaults import GUIDANCE
from noblame.models import Guidance, SchoolSettings, Traject, TrajectStateChange
from schools.admin import SchoolScopedAdmin


class TrajectStateChangeInline(admin.TabularInline):
    model = TrajectStateChange
    fields = ["at", "transition", "source", "target", "round", "by", "remark"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Traject)
class TrajectAdmin(SchoolScopedAdmin):
    school_field = "case__school"
    list_display = ["case", "state", "round", "closed_at"]
    list_filter = ["state"]
    fields = ["case", "state", "round", "created_at", "closed_at", "close_reason"]
    readonly_fields = fields
    inlines = [TrajectStateChangeInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SchoolSettings)
class SchoolSettingsAdmin(SchoolScopedAdmin):
    list_display = [
        "school",
        "check_in_days",
        "victim_follow_up_min_days",
        "victim_follow_up_max_days",
        "group_follow_up_min_days",
        "group_follow_up_max_days",
        "max_rounds",
    ]
    fields = ["school", *list_display[1:]]
    readonly_fields = ["school"]

    def has_add_permission(self, request):
        return False  # every school gets its settings when it is created

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Guidance)
class GuidanceAdmin(SchoolScopedAdmin):
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
