from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    default = True
    name = "access"
    verbose_name = _("Toegang en autorisaties")

    def ready(self):
        from . import audit_registry  # noqa: F401


class PlatformAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "access.admin.PlatformAdminSite"
