"""The beheer pages: classes, pupils, guardians, staff roles, import and the new school year."""

from django.urls import include, path

from schools import views

app_name = "schools"

urlpatterns = [
    path("beheer/", views.home, name="home"),
    path("beheer/scholen/<int:pk>/", views.school_settings, name="school_settings"),
    path("beheer/scholen/<int:pk>/vakanties/", views.holiday_add, name="holiday_add"),
    path("beheer/vakanties/<int:pk>/verwijderen/", views.holiday_remove, name="holiday_remove"),
    path("beheer/groepen/", views.class_list, name="classes"),
    path("beheer/groepen/nieuw/", views.class_create, name="class_new"),
    path("beheer/groepen/<int:pk>/", views.class_edit, name="class_edit"),
    path("beheer/leerlingen/", views.pupil_list, name="pupils"),
    path("beheer/leerlingen/nieuw/", views.pupil_create, name="pupil_new"),
    path("beheer/leerlingen/<int:pk>/", views.pupil_edit, name="pupil_edit"),
    path("beheer/leerlingen/<int:pk>/ouders/nieuw/", views.guardian_add, name="guardian_add"),
    path(
        "beheer/leerlingen/<int:pk>/ouders/<int:relation_pk>/",
        views.guardian_edit,
        name="guardian_edit",
    ),
    path(
        "beheer/leerlingen/<int:pk>/ouders/<int:relation_pk>/ontkoppelen/",
        views.guardian_unlink,
        name="guardian_unlink",
    ),
    path("beheer/medewerkers/", views.staff_list, name="staff"),
    path("beheer/medewerkers/nieuw/", views.staff_create, name="staff_new"),
    path("beheer/medewerkers/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("beheer/nieuw-schooljaar/", views.new_year, name="new_year"),
    path("beheer/", include("schools.import_urls")),
]
