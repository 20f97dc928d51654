from django.urls import include, path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard_list, name="list"),
    # fixed words first, so they never read as a dashboard slug
    path("", include("dashboards.urls_analysis")),  # opvallend, attenderingen, hotspots, dagrapport
    path("", include("dashboards.urls_interventions")),  # maatregelen, effect, doelen
    path("", include("dashboards.urls_figures")),  # dashboard, buurt page, exports
    path("", include("dashboards.urls_hennep")),  # the address-level dashboard's export (views_hennep)
]
