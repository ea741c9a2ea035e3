"""Admin views of cases for the beheerder. ``state`` is read-only: the only way to
change it is a transition through ``cases.services.case_transition``."""

from django.contrib import admin

from cases.models import Case, CasePupil, StateChange
from schools.admin import SchoolScopedAdmin


class CasePupilInline(admin.TabularInline):
    model = CasePupil
    extra = 0
    autocomplete_fields = ["pupil"]


class StateChangeInline(admin.TabularInline):
    model = StateChange
    extra = 0
    can_delete = False
    readonly_fields = ["transition", "source", "target", "by", "at", "remark"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(SchoolScopedAdmin):
    list_display = ["reference", "school", "state", "signal_date", "place"]
    list_filter = ["school", "state", "place", "is_digital"]
    search_fields = ["reference"]
    # The coaches come from the signed plan van aanpak (services.plan_sign locks and applies it).
    readonly_fields = [
        "reference",
        "state",
        "cycle",
        "logged_by",
        "created_at",
        "coach_bully",
        "coach_victim",
        "coach_group",
    ]
    fields = [
        "reference",
        "school",
        "state",
        "cycle",
        "reporter_kind",
        "reporter_name",
        "signal_date",
        "place",
        "description",
        "is_digital",
        "logged_by",
        "created_at",
        "responsible_teacher",
        "ib",
        "smw",
        "coach_bully",
        "coach_victim",
        "coach_group",
        "outcome",
    ]
    inlines = [CasePupilInline, StateChangeInline]

    def has_add_permission(self, request):
        # New cases start as a signal in the app, through services.case_create.
        return False

    def has_delete_permission(self, request, obj=None):
        return False
