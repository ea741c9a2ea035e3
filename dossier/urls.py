"""URLs of the pupil's dossier and the right-of-access export."""

from django.urls import path

from dossier import views

app_name = "dossier"

urlpatterns = [
    path("leerlingen/<int:pk>/dossier/", views.pupil_dossier, name="pupil"),
    path("leerlingen/<int:pk>/inzage/", views.pupil_export_preview, name="export_preview"),
    path("leerlingen/<int:pk>/inzage.pdf", views.pupil_export, name="export"),
]
