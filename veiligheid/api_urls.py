"""/api/v1/: NL API Design Rules (plural nouns, no trailing slash, API-Version header, OpenAPI 3)."""
from django.urls import include, path

from core.api_views import OpenApiView

urlpatterns = [
    path("openapi.json", OpenApiView.as_view(), name="api_schema"),
    path("", include("areas.api_urls")),
    path("", include("signals.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("dashboards.api_urls")),
    path("", include("ingest.api_urls")),
]
