from django.urls import path

from . import views

urlpatterns = [
    path("<slug:slug>/", views.dashboard_detail, name="detail"),
    path("<slug:slug>/buurt/<str:code>/", views.buurt_detail, name="buurt"),
    path("<slug:slug>/export.<str:fmt>", views.dashboard_export, name="export"),
]
