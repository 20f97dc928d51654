from drf_spectacular.views import SpectacularJSONAPIView

from access.api import PlatformPermission


class OpenApiView(SpectacularJSONAPIView):
    """The OpenAPI 3 document at /api/v1/openapi.json; any logged-in user (session or token) may read it."""

    permission_classes = [PlatformPermission]
    required_permissions = {"GET": None}
