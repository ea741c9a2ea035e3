from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("start/", views.start, name="start"),
    path("te-doen/", views.todo, name="todo"),
    path("overzicht/", views.dashboard, name="dashboard"),
    path("casussen/", views.case_list, name="list"),
    path("casussen/nieuw/", views.signal_new, name="signal_new"),
    path("leerlingen/zoeken/", views.pupil_search, name="pupil_search"),
    path("leerlingen/kiezen/", views.pupil_row, name="pupil_row"),
    path("casussen/<int:pk>/", views.case_detail, name="detail"),
    path("casussen/<int:pk>/stap/<str:name>/", views.case_fire, name="fire"),
    path("casussen/<int:pk>/stap/<str:name>/bevestigen/", views.case_confirm, name="confirm"),
    path("casussen/<int:pk>/gesprek/<str:kind>/", views.talk, name="talk"),
    path("casussen/<int:pk>/gesprek-plannen/", views.case_plan_talk, name="plan_talk"),
    path("casussen/<int:pk>/uitkomst/", views.case_outcome, name="outcome"),
    path("casussen/<int:pk>/coaches/", views.case_coaches, name="coaches"),
    path("casussen/<int:pk>/leerling/", views.case_add_pupil, name="add_pupil"),
    path("casussen/<int:pk>/bewijs/", views.evidence_add, name="evidence_add"),
    path("casussen/<int:pk>/bewijs/<int:evidence_pk>/", views.evidence_download, name="evidence"),
    path("casussen/<int:pk>/afdruk/<str:kind>/", views.case_printable, name="printable"),
]
