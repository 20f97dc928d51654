"""/api/v1/ routes of interventions, their effect, and targets (plain path() routes, no trailing slashes)."""
from django.urls import path

from .api_interventions import InterventionDetailView, InterventionEffectView, InterventionListView, TargetListView

urlpatterns = [
    path("interventions", InterventionListView.as_view(), name="api-intervention-list"),
    path("interventions/<int:pk>", InterventionDetailView.as_view(), name="api-intervention-detail"),
    path("interventions/<int:pk>/effect", InterventionEffectView.as_view(), name="api-intervention-effect"),
    path("targets", TargetListView.as_view(), name="api-target-list"),
]
