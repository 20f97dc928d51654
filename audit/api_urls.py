from django.urls import path

from . import api

urlpatterns = [
    path("audit/events", api.AccessEventList.as_view(), name="audit-events"),
]
