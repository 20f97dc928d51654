"""/api/v1/dashboards/{slug}/addresses: the address-level records (plain path(), no trailing slash)."""
from django.urls import path

from . import api_hennep

urlpatterns = [
    path("dashboards/<slug:slug>/addresses", api_hennep.AddressesView.as_view(), name="api-dashboard-addresses"),
]
