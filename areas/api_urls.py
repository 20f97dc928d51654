"""/api/v1/addresses: plain path() routes (no trailing slash; the URL walk in tests checks every path())."""
from django.urls import path

from .api import AddressViewSet

urlpatterns = [
    path("addresses", AddressViewSet.as_view({"get": "list"}), name="api-address-list"),
    path("addresses/<int:pk>", AddressViewSet.as_view({"get": "retrieve"}), name="api-address-detail"),
]
