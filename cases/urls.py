from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("casussen/", views.case_list, name="list"),
    path("casussen/<int:pk>/", views.case_detail, name="detail"),
    path("casussen/<int:pk>/stap/<str:name>/", views.case_fire, name="fire"),
]
