"""Signals API routes: plain path() routes, no trailing slashes, plural nouns."""
from django.urls import path

from .api import AddressHitsView, HitReportView, SignalViewSet

urlpatterns = [
    path("addresses/<int:pk>/hits", AddressHitsView.as_view(), name="api-address-hits"),
    path("signals", SignalViewSet.as_view({"get": "list", "post": "create"}), name="api-signal-list"),
    path(
        "signals/<str:pk>",
        SignalViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-signal-detail",
    ),
    path("signals/<str:pk>/close", SignalViewSet.as_view({"post": "close"}), name="api-signal-close"),
    path("hit-report", HitReportView.as_view(), name="api-hit-report"),
]
