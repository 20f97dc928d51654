from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    default = True
    name = "access"
    verbose_name = _("Toegang en autorisaties")

    def ready(self):
        from audit.labels import providers_register, role_labels_register
        from core.tools import Tool, register_tool

        from . import audit_registry  # noqa: F401
        from .roles import ROLES

        role_labels_register({code: role.label for code, role in ROLES.items()})
        providers_register(department_names=_department_names, grants_of_person=_grants_of_person)

        register_tool(
            Tool(
                key="authorisations",
                label=_("Autorisatiebeheer"),
                description=_("Autorisaties toekennen, goedkeuren, verlengen en intrekken; wie mag wat zien."),
                url_name="access:admin_index",
                perm="access.administer_authorisations",
                order=90,
            )
        )


def _department_names():
    from .models import Department

    return Department.objects.order_by("name").values_list("name", flat=True)


def _grants_of_person(username):
    from .models import Authorisation

    return Authorisation.objects.filter(user__username=username).select_related("requested_by", "approved_by")[:100]


class PlatformAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "access.admin_site.PlatformAdminSite"
