"""/api/v1/dashboards: plain path() routes, no trailing slash."""
from django.urls import path

from . import api

urlpatterns = [
    path("dashboards", api.DashboardListView.as_view(), name="api-dashboard-list"),
    path("dashboards/<slug:slug>/buurten", api.BuurtenView.as_view(), name="api-dashboard-buurten"),
    path("dashboards/<slug:slug>/trend", api.TrendView.as_view(), name="api-dashboard-trend"),
    path("dashboards/<slug:slug>/dagdelen", api.DagdelenView.as_view(), name="api-dashboard-dagdelen"),
]
