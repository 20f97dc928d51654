"""The address-level (hennep) dashboard's export; its page is the dashboard page itself (views.dashboard_detail hands
an address-level dashboard to views_hennep.hennep_dashboard)."""
from django.urls import path

from . import views_hennep

urlpatterns = [
    path("<slug:slug>/adressen.csv", views_hennep.hennep_export, name="hennep_export"),
]
