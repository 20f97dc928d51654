"""Pages of interventions (maatregelen), their effect, and targets (doelstellingen)."""
from django.urls import path

from . import views_interventions as views

urlpatterns = [
    path("maatregelen/", views.intervention_list, name="interventions"),
    path("maatregelen/nieuw/", views.intervention_create, name="intervention_create"),
    path("maatregelen/<int:pk>/", views.intervention_detail, name="intervention_detail"),
    path("maatregelen/<int:pk>/wijzigen/", views.intervention_edit, name="intervention_edit"),
    path("doelen/", views.target_list, name="targets"),
    path("doelen/nieuw/", views.target_create, name="target_create"),
]
