from django.urls import path

from . import views

urlpatterns = [
    path("<slug:slug>/", views.dashboard_detail, name="detail"),
]
