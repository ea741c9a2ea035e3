"""Access records in the admin: read-only, nobody edits or removes the log."""

from django.contrib import admin

from audit.models import AccessRecord


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "roles", "action", "object_type", "object_id", "school")
    list_filter = ("action", "object_type", "school")
    search_fields = ("username", "object_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
