from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.settings import api_settings


class OpenApiView(SpectacularJSONAPIView):
    """The OpenAPI 3 document at /api/v1/openapi.json; any logged-in user (session or token) may read it.

    drf-spectacular serves it to anyone by default; here the platform's own permission class decides, as for every
    other API view (REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES: access.api.PlatformPermission)."""

    permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES
    required_permissions = {"GET": None}
