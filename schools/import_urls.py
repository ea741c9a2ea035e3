"""The import pages, included by ``schools.urls`` under "beheer/" in the ``schools`` namespace."""

from django.urls import path

from schools import import_views

urlpatterns = [
    path("import/", import_views.import_upload, name="import_upload"),
    path("import/<int:pk>/kolommen/", import_views.import_mapping, name="import_mapping"),
    path("import/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("import/<int:pk>/doorvoeren/", import_views.import_apply, name="import_apply"),
    path("import/<int:pk>/annuleren/", import_views.import_cancel, name="import_cancel"),
]
