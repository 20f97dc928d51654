import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from audit.models import AuditedQuerySet

from .roles import role_choices


class Department(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=120, unique=True)
    phone = models.CharField(_("telefoon"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    objects = AuditedQuerySet.as_manager()  # bulk writes must leave a trace (audit.models.AuditedQuerySet)

    class Meta:
        ordering = ["name"]
        verbose_name = _("afdeling")
        verbose_name_plural = _("afdelingen")
        permissions = [
            ("manage_department_signals", _("Signalen van deze afdeling beheren en inzien")),
        ]

    def __str__(self):
        return self.name


def new_permissions_version() -> str:
    """A fresh random version token for User.permissions_version. Random rather than a counter: a database that is
    reset or restored from a backup never meets cache entries written for another state under the same number."""
    return secrets.token_hex(8)


class PlatformUserManager(UserManager.from_queryset(AuditedQuerySet)):
    """Django's user manager with the audited queryset: bulk writes of users must leave a trace."""


class User(AbstractUser):
    objects = PlatformUserManager()

    department = models.ForeignKey(
        Department, verbose_name=_("afdeling"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    job_title = models.CharField(_("functie"), max_length=120, blank=True)
    phone = models.CharField(_("telefoon"), max_length=40, blank=True)
    is_demo = models.BooleanField(
        _("demo-account"), default=False, help_text=_("Demo-accounts kunnen alleen inloggen op een demo-installatie.")
    )
    # The next moment at which the set of effective grants changes (a grant starts or ends);
    # the permission middleware recomputes the user's permissions when it has passed.
    permissions_recheck_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set anew by every permission sync: the key of the user's cached permission snapshot (access.permissions), so
    # the request after a grant change, in any process, reads the new permissions.
    permissions_version = models.CharField(max_length=16, default=new_permissions_version, editable=False)

    class Meta:
        ordering = ["username"]
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    PERMISSION_CACHES = ("_platform_perm_snapshot", "_platform_anywhere_cache")
    # Written by the permission sync only (access.services, in one UPDATE). An instance loaded before a sync and saved
    # after it (a profile edit, a password change, the login's last_login) must not write the old values back: that
    # would bring back the cached permissions of before the change, and skip a due recheck.
    SYNC_FIELDS = ("permissions_recheck_at", "permissions_version")

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            skip = set(self.SYNC_FIELDS) | self.get_deferred_fields()  # deferred: not loaded, so not changed here
            kwargs["update_fields"] = [
                field.attname for field in self._meta.get_fields()
                if field.concrete and not field.many_to_many and not field.primary_key
                and field.attname not in skip and field.name not in skip
            ]
        super().save(*args, **kwargs)

    def refresh_from_db(self, *args, **kwargs):
        # Permission answers are cached on the instance for one request; a reload starts afresh.
        for attr in self.PERMISSION_CACHES:
            self.__dict__.pop(attr, None)
        super().refresh_from_db(*args, **kwargs)

    # Authorisation is never answered by Django's superuser/groups shortcut: only effective grants count.
    def has_perm(self, perm, obj=None):
        from .permissions import has_perm

        return has_perm(self, perm, obj)

    def has_perms(self, perm_list, obj=None):
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label):
        return False

    def __str__(self):
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class AuthorisationQuerySet(AuditedQuerySet):
    def effective_on(self, day):
        return self.filter(status=Authorisation.Status.ACTIVE, valid_from__lte=day, valid_until__gte=day)

    def open(self):
        """Requested or active: grants that count for separation-of-duties rules."""
        return self.filter(status__in=[Authorisation.Status.REQUESTED, Authorisation.Status.ACTIVE])


class Authorisation(models.Model):
    """One grant of one role to one person, for a purpose, for a limited period."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("aangevraagd")
        ACTIVE = "active", _("actief")
        REJECTED = "rejected", _("afgewezen")
        REVOKED = "revoked", _("ingetrokken")
        EXPIRED = "expired", _("verlopen")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("gebruiker"), on_delete=models.PROTECT, related_name="authorisations"
    )
    role = models.CharField(_("rol"), max_length=40, choices=role_choices())
    scope_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scope_id = models.PositiveBigIntegerField(null=True, blank=True)
    scope = GenericForeignKey("scope_type", "scope_id")
    scope_label = models.CharField(_("reikwijdte"), max_length=200, blank=True)
    purpose = models.TextField(_("doel en grondslag"))
    valid_from = models.DateField(_("geldig vanaf"))
    valid_until = models.DateField(_("geldig tot en met"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    # Empty only for the bootstrap grants of the first administrators (manage.py, never the web).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("aangevraagd door"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("aangevraagd op"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("goedgekeurd door"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("goedgekeurd op"), null=True, blank=True)
    decision_note = models.TextField(_("toelichting bij besluit"), blank=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ingetrokken door"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoke_reason = models.TextField(_("reden van intrekking"), blank=True)
    renewal_of = models.ForeignKey(
        "self", verbose_name=_("verlenging van"), null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )

    objects = AuthorisationQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("autorisatie")
        verbose_name_plural = _("autorisaties")
        permissions = [("administer_authorisations", _("Autorisaties beheren"))]
        indexes = [
            models.Index(fields=["user", "status", "valid_until"]),
            models.Index(fields=["status", "valid_until"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="authorisation_period"),
            models.CheckConstraint(
                condition=Q(scope_type__isnull=True, scope_id__isnull=True)
                | Q(scope_type__isnull=False, scope_id__isnull=False),
                name="authorisation_scope_complete",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} – {self.user}" + (f" ({self.scope_label})" if self.scope_label else "")

    @property
    def role_def(self):
        from .roles import ROLES

        return ROLES[self.role]


class DepartmentUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key table for department-scoped permissions (no generic join)."""

    content_object = models.ForeignKey(Department, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
        indexes = [models.Index(fields=["user", "permission", "content_object"])]
