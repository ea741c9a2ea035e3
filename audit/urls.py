from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("toegangslog/", views.access_log, name="log"),
]
