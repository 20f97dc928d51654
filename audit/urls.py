from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="index"),
    path("adres/", views.address_lookup, name="address"),
    path("persoon/", views.person_report, name="person"),
    path("afwijkend/", views.unusual, name="unusual"),
    path("wijzigingen/", views.change_list, name="changes"),
    path("integriteit/", views.integrity, name="integrity"),
    path("export.csv", views.export_csv, name="export"),
]
