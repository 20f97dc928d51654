from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        from auditlog.registry import auditlog

        from core.tools import Tool, register_tool

        from . import receivers
        from .models import AlertSubscription, Category, Dashboard, Intervention, Source, Target, Theme

        receivers.connect()
        auditlog.register(Dashboard)
        auditlog.register(Theme, m2m_fields={"categories"})
        auditlog.register(Intervention, m2m_fields={"buurten", "categories", "themes"})
        auditlog.register(Target)
        auditlog.register(Source)
        auditlog.register(Category)
        auditlog.register(AlertSubscription)
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
