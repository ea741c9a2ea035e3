"""Admin for the beheerder: schools, classes, pupils, guardians and staff roles.

A beheerder who is not a superuser sees only the schools where they hold the
admin role.
"""

from django.contrib import admin

from schools.models import (
    Guardian,
    GuardianRelation,
    Membership,
    Pupil,
    Role,
    School,
    SchoolBoard,
    SchoolClass,
)


def admin_school_ids(user):
    return Membership.objects.filter(user=user, role=Role.ADMIN).values("school_id")


class SchoolScopedAdmin(admin.ModelAdmin):
    """Limits the list to the user's schools through ``school_field``."""

    school_field = "school"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.school_field}__in": admin_school_ids(request.user)})


@admin.register(SchoolBoard)
class SchoolBoardAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(School)
class SchoolAdmin(SchoolScopedAdmin):
    school_field = "pk"
    list_display = ["name", "town", "board"]
    search_fields = ["name"]


@admin.register(SchoolClass)
class SchoolClassAdmin(SchoolScopedAdmin):
    list_display = ["name", "school_year", "school"]
    list_filter = ["school", "school_year"]
    filter_horizontal = ["teachers"]
    search_fields = ["name"]


class GuardianRelationInline(admin.TabularInline):
    model = GuardianRelation
    extra = 0
    autocomplete_fields = ["guardian"]


@admin.register(Pupil)
class PupilAdmin(SchoolScopedAdmin):
    list_display = ["last_name", "first_name", "school_class", "school", "left_on"]
    list_filter = ["school", "school_class"]
    search_fields = ["first_name", "last_name"]
    inlines = [GuardianRelationInline]


@admin.register(Guardian)
class GuardianAdmin(SchoolScopedAdmin):
    school_field = "pupils__school"
    list_display = ["last_name", "first_name", "email", "phone"]
    search_fields = ["first_name", "last_name", "email"]

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()


@admin.register(Membership)
class MembershipAdmin(SchoolScopedAdmin):
    list_display = ["user", "role", "school"]
    list_filter = ["school", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
