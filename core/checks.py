from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def shared_cache_check(app_configs, **kwargs):
    """Sessions (cached_db) and permission snapshots live in the cache: several web processes need one shared cache,
    or a logout in one process leaves the session valid in the others until it times out."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if "LocMemCache" not in backend and "DummyCache" not in backend:
        return []
    return [
        Warning(
            "The cache is per process (LocMemCache): with several web processes a logout is not seen by the others.",
            hint="Set CACHE_URL (or a Redis CELERY_BROKER_URL) so that all web processes share one Redis cache.",
            id="core.W001",
        )
    ]
