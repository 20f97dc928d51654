from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard_list, name="list"),
    path("<slug:slug>/", views.dashboard_detail, name="detail"),
]
