"""Admin for the board's application manager (superuser): the board, its schools and who
holds which role where. Classes, pupils and guardians are kept in the beheer pages."""

from django.contrib import admin

from schools.models import Membership, School, SchoolBoard
from schools.services import SCHOOL_SETTINGS


@admin.register(SchoolBoard)
class SchoolBoardAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "town", "board"]
    list_filter = ["board"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        # A school's own settings are the beheerder's, through
        # ``schools.services.school_settings_save`` (the one way in); a new school starts
        # with the protocol's defaults.
        return SCHOOL_SETTINGS


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "school"]
    list_filter = ["school", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
