"""The platform's admin site, in its own module so that Django's lazy default site never imports access.admin
half-way (that created a second site instance and lost the registrations)."""
from django.contrib import admin
from django.db.models.base import ModelBase

from .permissions import has_perm

# Only the platform's own reference data appears here. Third-party apps (auditlog, axes, authtoken, auth groups)
# register admin pages on import; those are ignored: audit history is read on the auditor pages, tokens are personal.
PLATFORM_ADMIN_APPS = {"access", "areas", "dashboards", "ingest"}


class PlatformAdminSite(admin.AdminSite):
    site_header = "Veiligheidsplatform – technisch beheer"

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        ours = [model for model in models if model._meta.app_label in PLATFORM_ADMIN_APPS]
        if ours:
            super().register(ours, admin_class, **options)

    def has_permission(self, request):
        return request.user.is_active and has_perm(request.user, "access.administer_authorisations")
