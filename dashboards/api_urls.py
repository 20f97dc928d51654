"""/api/v1/ endpoints of the dashboards (each needs the dashboard's grant; see the modules for the rules)."""
from django.urls import include, path

urlpatterns = [
    path("", include("dashboards.api_urls_figures")),  # dashboards, buurten, trend, dagdelen
    path("", include("dashboards.api_urls_analysis")),  # opvallend, hotspots
    path("", include("dashboards.api_urls_interventions")),  # interventions, effect, targets
    path("", include("dashboards.api_urls_hennep")),  # addresses of the address-level dashboard
]
