from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("jaarverslag/", views.school_report, name="school"),
    path("jaarverslag/jaarverslag.pdf", views.school_report_pdf, name="school_pdf"),
    path("jaarverslag/cijfers.csv", views.school_report_csv, name="school_csv"),
    path("bestuur/cijfers/", views.board_report, name="board"),
    path("bestuur/cijfers.pdf", views.board_report_pdf, name="board_pdf"),
    path("bestuur/cijfers.csv", views.board_report_csv, name="board_csv"),
]
