"""The address signalling tool: each department flags addresses; others only learn *that* it does and whom to call.

Who may see which signal is decided in one place, `SignalQuerySet.for_user` (see selectors.py); nothing in this
module shortcuts on superuser or staff flags.
"""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditedQuerySet


class Category(models.Model):
    """One entry in a department's own catalogue of signal categories (e.g. woonfraude for Toezicht en Handhaving)."""

    department = models.ForeignKey(
        "access.Department", verbose_name=_("afdeling"), on_delete=models.PROTECT, related_name="signal_categories"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("naam"), max_length=120)
    active = models.BooleanField(_("in gebruik"), default=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["department__name", "name"]
        verbose_name = _("signaalcategorie")
        verbose_name_plural = _("signaalcategorieën")
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="signal_category_department_code")]

    def __str__(self):
        return self.name


class SignalQuerySet(AuditedQuerySet):
    """update/delete/bulk_* are refused (they bypass auditlog); use the audited_* variants of AuditedQuerySet."""

    def active(self, *, today=None):
        """Signals that count as a hit: status active and not past valid-until (even before the nightly job ran)."""
        today = today or timezone.localdate()
        return self.filter(status=Signal.Status.ACTIVE, valid_until__gte=today)

    def for_user(self, user):
        """THE Chinese wall: only signals of departments on which `user` holds an officer grant. Nothing else."""
        from access.models import Department
        from access.permissions import objects_for_user

        departments = objects_for_user(user, "access.manage_department_signals", Department)
        return self.filter(department__in=departments.values("pk"))


class Signal(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("actief")
        CLOSED = "closed", _("beëindigd")
        EXPIRED = "expired", _("verlopen")

    # The id in URLs and the API: not guessable, so ids cannot be enumerated across departments.
    public_id = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey(
        "access.Department", verbose_name=_("afdeling"), on_delete=models.PROTECT, related_name="signals"
    )
    address = models.ForeignKey("areas.Address", verbose_name=_("adres"), on_delete=models.PROTECT, related_name="signals")
    category = models.ForeignKey(Category, verbose_name=_("categorie"), on_delete=models.PROTECT, related_name="signals")
    details = models.TextField(_("toelichting"), blank=True)
    contact_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("contactpersoon"), on_delete=models.PROTECT, related_name="+"
    )
    case_reference = models.CharField(_("zaaknummer"), max_length=80, blank=True)
    contact_before_acting = models.BooleanField(_("eerst contact opnemen"), default=False)
    notify_on_search = models.BooleanField(_("melden als dit adres wordt gezocht"), default=False)
    valid_from = models.DateField(_("sinds"))
    valid_until = models.DateField(_("geldig tot en met"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("aangemaakt door"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)
    ended_at = models.DateTimeField(_("beëindigd op"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("beëindigd door"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_reason = models.TextField(_("reden van beëindiging"), blank=True)
    details_erased_at = models.DateTimeField(_("details gewist op"), null=True, blank=True)

    objects = SignalQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("signaal")
        verbose_name_plural = _("signalen")
        default_permissions = ()
        permissions = [
            ("search_address", _("Adres zoeken: zien welke afdelingen een signaal hebben")),
            ("bulk_check", _("Bulkcontrole: een lijst adressen tegelijk controleren")),
            ("view_hit_report", _("Uitdraai van adressen met signalen van meerdere afdelingen")),
        ]
        indexes = [
            # The hot path: hits on one address. Partial, so it only holds the (few) active signals per address.
            models.Index(
                fields=["address", "department"],
                condition=Q(status="active"),
                name="signal_active_address",
            ),
            models.Index(fields=["department", "status", "valid_until"], name="signal_department_status"),
            models.Index(fields=["status", "valid_until"], name="signal_status_until"),
            models.Index(fields=["status", "ended_at"], name="signal_status_ended"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="signal_period"),
        ]

    def __str__(self):
        # Deliberately without category or details: this string lands in audit records and logs.
        return f"{_('Signaal')} {str(self.public_id)[:8]}"

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE and self.valid_until >= timezone.localdate()

    @property
    def is_erased(self):
        return self.details_erased_at is not None


class Notification(models.Model):
    """An in-platform message to one user. Texts name an address and departments, never a signal's details."""

    class Kind(models.TextChoices):
        CO_OCCURRENCE = "co_occurrence", _("samenloop")
        SEARCHED = "searched", _("adres gezocht")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ontvanger"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("onderwerp"), max_length=200)
    text = models.TextField(_("bericht"))
    created_at = models.DateTimeField(_("ontvangen op"), default=timezone.now)
    read_at = models.DateTimeField(_("gelezen op"), null=True, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        default_permissions = ()
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox")]

    def __str__(self):
        return self.subject


class SearchTally(models.Model):
    """One row per search request of a user, for the anti-fishing limits: a single search (kind "search", counted
    against the searches per hour and per day), or a bulk check (kind "bulk", its `addresses` counted against the
    bulk addresses per day). The limits count these rows, so their cost is bounded by the limits however many
    addresses a bulk check held. Not the audit trail (that is audit.AccessEvent, which records every address): rows
    older than two days are pruned daily.
    """

    class Kind(models.TextChoices):
        SEARCH = "search", _("zoekvraag")
        BULK = "bulk", _("bulkcontrole")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request_id = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SEARCH)
    addresses = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("zoekvraag (teller)")
        verbose_name_plural = _("zoekvragen (teller)")
        indexes = [models.Index(fields=["user", "occurred_at"], name="search_tally_user_time")]
        constraints = [models.UniqueConstraint(fields=["user", "request_id"], name="search_tally_once_per_request")]

    def __str__(self):
        return f"{self.user_id} {self.occurred_at:%Y-%m-%d %H:%M}"
