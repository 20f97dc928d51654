from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared plumbing of the platform (exports, ...): no models, no views of its own."""

    name = "core"
    verbose_name = "Kern"

    def ready(self):
        from . import checks  # noqa: F401
