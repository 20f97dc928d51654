"""Ingest API routes: plain path() routes, no trailing slashes, plural nouns."""
from django.urls import path

from .api import ImportDetailView, ImportListView, ImportSourceListView

urlpatterns = [
    path("import-sources", ImportSourceListView.as_view(), name="api-import-source-list"),
    path("imports", ImportListView.as_view(), name="api-import-list"),
    path("imports/<int:pk>", ImportDetailView.as_view(), name="api-import-detail"),
]
