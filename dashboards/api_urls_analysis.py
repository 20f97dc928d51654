"""/api/v1/dashboards/{slug}/opvallend and /hotspots (see dashboards.api_analysis)."""
from django.urls import path

from .api_analysis import HotspotsView, OpvallendView

urlpatterns = [
    path("dashboards/<slug:slug>/opvallend", OpvallendView.as_view(), name="api-dashboard-opvallend"),
    path("dashboards/<slug:slug>/hotspots", HotspotsView.as_view(), name="api-dashboard-hotspots"),
]
