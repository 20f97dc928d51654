from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase


class Dashboard(models.Model):
    """A dashboard is the scope of a dashboard-viewer grant; address-level ones are restricted (hennep)."""

    slug = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("naam"), max_length=120)
    description = models.TextField(_("omschrijving"), blank=True)
    address_level = models.BooleanField(
        _("gegevens op adresniveau"), default=False, help_text=_("Alleen met de rol 'Dashboard op adresniveau'.")
    )

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
