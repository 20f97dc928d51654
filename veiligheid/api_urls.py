"""/api/v1/: NL API Design Rules (plural nouns, no trailing slash, API-Version header, OpenAPI 3)."""
from django.urls import include, path

urlpatterns = [
    path("", include("areas.api_urls")),
    path("", include("signals.api_urls")),
    path("", include("audit.api_urls")),
]
