from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessEvent(models.Model):
    """One read or security event (NEN 7513): who, for which responsibility, what, on what, when, where, why, outcome."""

    class Action(models.TextChoices):
        LOGIN = "login", _("ingelogd")
        LOGIN_FAILED = "login_failed", _("inloggen mislukt")
        LOCKOUT = "lockout", _("account geblokkeerd")
        LOGOUT = "logout", _("uitgelogd")
        DENIED = "denied", _("toegang geweigerd")
        GRANT_REQUEST = "grant_request", _("autorisatie aangevraagd")
        GRANT_APPROVE = "grant_approve", _("autorisatie goedgekeurd")
        GRANT_REJECT = "grant_reject", _("autorisatie afgewezen")
        GRANT_REVOKE = "grant_revoke", _("autorisatie ingetrokken")
        GRANT_EXPIRE = "grant_expire", _("autorisatie verlopen")
        ADDRESS_SEARCH = "address_search", _("adres gezocht")
        SIGNAL_VIEW = "signal_view", _("signaal ingezien")
        DASHBOARD_VIEW = "dashboard_view", _("dashboard bekeken")
        EXPORT = "export", _("export")
        PRINT = "print", _("afdruk")
        UPLOAD = "upload", _("bestand aangeleverd")
        AUDIT_VIEW = "audit_view", _("audit ingezien")
        AUDIT_EXPORT = "audit_export", _("audit geëxporteerd")
        BULK_CHANGE = "bulk_change", _("bulkwijziging")
        RETENTION = "retention", _("bewaartermijn toegepast")

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("toegestaan")
        DENIED = "denied", _("geweigerd")
        ERROR = "error", _("fout")

    occurred_at = models.DateTimeField(_("tijdstip"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    actor_username = models.CharField(_("gebruiker"), max_length=150, blank=True)
    actor_department = models.CharField(_("afdeling"), max_length=120, blank=True)
    role = models.CharField(_("rol"), max_length=40, blank=True)
    authorisation_id = models.BigIntegerField(_("autorisatie"), null=True, blank=True)
    action = models.CharField(_("actie"), max_length=40, choices=Action.choices)
    outcome = models.CharField(_("uitkomst"), max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    object_type = models.CharField(_("objecttype"), max_length=100, blank=True)
    object_id = models.CharField(_("object-id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=255, blank=True)
    query = models.CharField(_("zoekvraag"), max_length=255, blank=True)
    purpose = models.CharField(_("doel"), max_length=255, blank=True)
    result_count = models.IntegerField(_("aantal resultaten"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    request_id = models.CharField(_("request-id"), max_length=64, blank=True)
    path = models.CharField(_("pad"), max_length=255, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("toegangsgebeurtenis")
        verbose_name_plural = _("toegangsgebeurtenissen")
        default_permissions = ()
        permissions = [("review_audit", _("Audittrail inzien"))]
        indexes = [
            models.Index(fields=["actor", "occurred_at"]),
            models.Index(fields=["action", "occurred_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"
