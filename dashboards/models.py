from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from audit.models import AuditedQuerySet

VIEW_PERM = "dashboards.view_dashboard"
ADDRESS_LEVEL_PERM = "dashboards.view_address_level"


class DashboardQuerySet(AuditedQuerySet):
    def for_user(self, user):
        """Every rule of who sees which dashboard, in one place: the view permission on the dashboard, and for an
        address-level (restricted) dashboard also the address-level permission on that same dashboard. Holding only
        the ordinary permission on a restricted dashboard, however it came about, shows nothing."""
        from access.permissions import objects_for_user

        visible = objects_for_user(user, VIEW_PERM, self)
        address_level = objects_for_user(user, ADDRESS_LEVEL_PERM, Dashboard.objects.filter(address_level=True))
        return visible.filter(models.Q(address_level=False) | models.Q(pk__in=address_level.values("pk")))


class Dashboard(models.Model):
    """A dashboard is the scope of a dashboard-viewer grant; address-level ones are restricted (hennep)."""

    slug = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("naam"), max_length=120)
    description = models.TextField(_("omschrijving"), blank=True)
    address_level = models.BooleanField(
        _("gegevens op adresniveau"), default=False, help_text=_("Alleen met de rol 'Dashboard op adresniveau'.")
    )

    objects = DashboardQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")
        permissions = [
            ("view_address_level", _("Gegevens op adresniveau bekijken")),
            ("edit_interventions", _("Maatregelen bewerken")),
        ]

    def __str__(self):
        return self.name


class DashboardUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Dashboard, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
