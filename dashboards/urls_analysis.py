"""Pages of the analysis part: /dashboards/opvallend/, attenderingen/, hotspots/ and <slug>/dagrapport/."""
from django.urls import path

from . import views_analysis as views

urlpatterns = [
    path("opvallend/", views.opvallend_page, name="opvallend"),
    path("attenderingen/", views.alerts_page, name="alerts"),
    path("attenderingen/gelezen/", views.alerts_read, name="alerts_read"),
    path("attenderingen/<int:pk>/verwijderen/", views.alert_delete, name="alert_delete"),
    path("hotspots/", views.hotspots_page, name="hotspots"),
    path("<slug:slug>/dagrapport/", views.dagrapport_page, name="dagrapport"),
]
