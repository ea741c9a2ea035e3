from django.urls import path

from noblame import views

app_name = "noblame"

urlpatterns = [
    path("no-blame/", views.traject_list, name="list"),
    path("beheer/scholen/<int:pk>/no-blame/", views.school_settings, name="school_settings"),
    path("casussen/<int:pk>/no-blame/", views.traject_detail, name="traject"),
    path("casussen/<int:pk>/no-blame/stap/<str:name>/", views.traject_fire, name="fire"),
    path("casussen/<int:pk>/no-blame/voorbereiding/", views.preparation, name="preparation"),
    path(
        "casussen/<int:pk>/no-blame/voorbereiding/bevestigen/",
        views.preparation_confirm,
        name="confirm",
    ),
    path(
        "casussen/<int:pk>/no-blame/voorbereiding/<int:participant_pk>/verwijderen/",
        views.participant_remove,
        name="participant_remove",
    ),
    path("casussen/<int:pk>/no-blame/gesprek/", views.victim_talk, name="victim_talk"),
    path("casussen/<int:pk>/no-blame/kiezen/zoeken/", views.pick_search, name="pick_search"),
    path("casussen/<int:pk>/no-blame/kiezen/", views.pick_row, name="pick_row"),
    path("casussen/<int:pk>/no-blame/gesprek/brief/", views.letter, name="letter"),
    path("casussen/<int:pk>/no-blame/terugkomen/", views.check_in, name="check_in"),
    path("casussen/<int:pk>/no-blame/steungroep/", views.group, name="group"),
    path(
        "casussen/<int:pk>/no-blame/steungroep/andere-groep/",
        views.other_class,
        name="other_class",
    ),
    path("casussen/<int:pk>/no-blame/bijeenkomst/", views.meeting, name="meeting"),
    path(
        "casussen/<int:pk>/no-blame/bijeenkomst/plannen/", views.meeting_plan, name="meeting_plan"
    ),
    path("casussen/<int:pk>/no-blame/nabespreking/", views.follow_up, name="follow_up"),
    path(
        "casussen/<int:pk>/no-blame/nabespreking/gepeste/",
        views.follow_up_victim,
        name="follow_up_victim",
    ),
    path(
        "casussen/<int:pk>/no-blame/nabespreking/lid/<int:member_pk>/",
        views.follow_up_member,
        name="follow_up_member",
    ),
    path("casussen/<int:pk>/no-blame/afdrukken/<str:kind>.pdf", views.printable, name="print"),
]
