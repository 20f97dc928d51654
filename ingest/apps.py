from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = _("Gegevensleveringen")

    def ready(self):
        from auditlog.registry import auditlog

        from core.tools import Tool, register_tool

        from . import formats  # noqa: F401  (fills the format registry)
        from .models import ImportSource

        # ImportRun and RejectedRow are not registered: each run is one audit record (audit.services.import_run_record).
        auditlog.register(ImportSource)
        register_tool(
            Tool(
                key="ingest",
                label=_("Gegevensleveringen"),
                description=_("Bestanden van politie, gemeente en CBS inlezen en de verslagen bekijken."),
                url_name="ingest:sources",
                perm="ingest.manage_importsource",
                scope="ingest.ImportSource",
                order=40,
            )
        )
