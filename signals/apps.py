from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = _("Signalering")

    def ready(self):
        from auditlog.registry import auditlog

        from core.tools import Tool, register_tool

        from .models import Category, Notification, Signal

        # Free-text fields never go into history (personal data); the erased tombstone keeps its id.
        auditlog.register(Signal, exclude_fields=["details", "close_reason", "case_reference", "updated_at"])
        auditlog.register(Category)
        auditlog.register(Notification, exclude_fields=["text"])

        register_tool(
            Tool(
                key="signals-search",
                label=_("Adres zoeken"),
                description=_("Zien welke afdelingen een signaal op een adres hebben en wie u kunt bellen."),
                url_name="signals:search",
                perm="signals.search_address",
                order=20,
            )
        )
        register_tool(
            Tool(
                key="signals-register",
                label=_("Signalen van mijn afdeling"),
                description=_("Signalen van uw afdeling plaatsen, wijzigen, verlengen en beëindigen."),
                url_name="signals:register",
                perm="access.manage_department_signals",
                scope="access.Department",
                order=21,
            )
        )
        register_tool(
            Tool(
                key="signals-hit-report",
                label=_("Uitdraai"),
                description=_("Adressen met signalen van meerdere afdelingen: alleen aantallen en afdelingen."),
                url_name="signals:hit_report",
                perm="signals.view_hit_report",
                order=22,
            )
        )
        register_tool(
            Tool(
                key="signals-notifications",
                label=_("Meldingen"),
                description=_("Meldingen over samenloop op uw gesignaleerde adressen."),
                url_name="signals:notifications",
                perm="access.manage_department_signals",
                scope="access.Department",
                order=23,
            )
        )
