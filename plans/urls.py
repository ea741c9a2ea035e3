"""URLs of the plan van aanpak (stap 4)."""

from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("casussen/<int:pk>/plan/", views.plan_edit, name="edit"),
    path("plannen/<int:pk>/", views.plan_detail, name="detail"),
    path("plannen/<int:pk>/tekenen/<int:signatory_pk>/", views.plan_sign, name="sign"),
    path("plannen/<int:pk>/weigering/<int:signatory_pk>/", views.plan_refusal, name="refusal"),
    path("plannen/<int:pk>/scan/", views.plan_scan, name="scan"),
    path("plannen/<int:pk>/pdf/", views.plan_pdf, name="pdf"),
    path("plannen/<int:pk>/afdrukken/", views.plan_print, name="print"),
    path("handtekeningen/<int:pk>/", views.plan_signature, name="signature"),
    path("scans/<int:pk>/", views.plan_scan_download, name="scan_file"),
]
