from django.contrib import admin

from noblame.models import Traject
from schools.admin import SchoolScopedAdmin


@admin.register(Traject)
class TrajectAdmin(SchoolScopedAdmin):
    school_field = "case__school"
    list_display = ["case", "state", "round"]
    list_filter = ["state"]
    readonly_fields = ["case", "state", "round", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
