from django.urls import path

from . import views

app_name = "ingest"
urlpatterns = [
    path("", views.source_list, name="sources"),
    path("bronnen/<slug:code>/", views.source_detail, name="source"),
    path("leveringen/<int:run_id>/", views.run_detail, name="run"),
    path("leveringen/<int:run_id>/afgekeurd.csv", views.run_rejected_csv, name="run_rejected_csv"),
]
