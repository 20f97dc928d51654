"""Responses with personal or sensitive data are never stored by a browser or a proxy.

Everything behind a login on this platform is sensitive (signals, the register, hits, figures, the audit trail), so
every response to a logged-in user and every API response gets `Cache-Control: no-store` (Django's
add_never_cache_headers), unless its view set a Cache-Control of its own. Static files are served before this
middleware runs and keep their long-lived caching.
"""
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False) or request.path.startswith("/api/"):
            add_never_cache_headers(response)
        return response
