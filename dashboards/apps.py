from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        from auditlog.registry import auditlog

        from core.tools import Tool, register_tool

        from .models import Dashboard

        auditlog.register(Dashboard)
        register_tool(
            Tool(
                key="dashboards",
                label=_("Dashboards"),
                description=_("Veiligheid per buurt: waar, wat, wanneer, en of een maatregel werkte."),
                url_name="dashboards:list",
                perm="dashboards.view_dashboard",
                scope="dashboards.Dashboard",
                order=10,
            )
        )
