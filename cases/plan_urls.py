"""URLs of the plan van aanpak and the pupil dossier (included by ``cases.urls``)."""

from django.urls import path

from cases import plan_views

urlpatterns = [
    path("casussen/<int:pk>/plan/", plan_views.plan_edit, name="plan_edit"),
    path("plannen/<int:pk>/", plan_views.plan_detail, name="plan"),
    path("plannen/<int:pk>/tekenen/<int:signatory_pk>/", plan_views.plan_sign, name="plan_sign"),
    path("plannen/<int:pk>/scan/", plan_views.plan_scan, name="plan_scan"),
    path("plannen/<int:pk>/pdf/", plan_views.plan_pdf, name="plan_pdf"),
    path("plannen/<int:pk>/afdrukken/", plan_views.plan_print, name="plan_print"),
    path("handtekeningen/<int:pk>/", plan_views.plan_signature, name="plan_signature"),
    path("scans/<int:pk>/", plan_views.plan_scan_download, name="plan_scan_file"),
    path("leerlingen/<int:pk>/dossier/", plan_views.pupil_dossier, name="dossier"),
]
