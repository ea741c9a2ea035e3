"""Access records in the admin (superusers only): read-only, nobody edits or removes the log."""

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


# django-auditlog's own admin shows every change with its old and new values, case texts
# included: case content is never in the admin, so its page is taken out.
def _unregister_change_history():
    from auditlog import get_logentry_model

    model = get_logentry_model()
    if admin.site.is_registered(model):
        admin.site.unregister(model)


_unregister_change_history()
