from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from core.tools import Tool, register_tool

        from . import checks, receivers, tasks_context  # noqa: F401

        register_tool(
            Tool(
                key="audit",
                label=_("Audittrail"),
                description=_("Wie heeft wat wanneer en waarom geraadpleegd of gewijzigd, en is het logboek intact."),
                url_name="audit:index",
                perm="audit.review_audit",
                order=90,
            )
        )
