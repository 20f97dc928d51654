from django.urls import path

from . import views

app_name = "signals"
urlpatterns = [
    path("zoeken/", views.search, name="search"),
    path("zoeken/suggesties/", views.suggest, name="suggest"),
    path("afdeling/", views.register, name="register"),
    path("afdeling/<slug:department>/", views.register_department, name="register_department"),
    path("afdeling/<slug:department>/nieuw/", views.signal_create_view, name="create"),
    path("signaal/<str:public_id>/", views.signal_detail, name="detail"),
    path("signaal/<str:public_id>/wijzigen/", views.signal_edit, name="edit"),
    path("signaal/<str:public_id>/verlengen/", views.signal_extend_view, name="extend"),
    path("signaal/<str:public_id>/beeindigen/", views.signal_close_view, name="close"),
    path("uitdraai/", views.hit_report_view, name="hit_report"),
    path("uitdraai/afdrukken/", views.hit_report_print, name="hit_report_print"),
    path("uitdraai.csv", views.hit_report_csv, name="hit_report_csv"),
    path("bulkcontrole/", views.bulk_check_view, name="bulk_check"),
    path("meldingen/", views.notifications, name="notifications"),
]
