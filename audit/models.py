import contextlib
import contextvars

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

# --------------------------------------------------------------------------------------------------------------
# Blocking writes that bypass the audit (Open Zaak's BlockChangeMixin idea)
# --------------------------------------------------------------------------------------------------------------

_bulk_allowed = contextvars.ContextVar("audit_bulk_writes_allowed", default=False)


class UnauditedBulkWrite(ImproperlyConfigured):
    """QuerySet.update/delete/bulk_create/bulk_update on an audited model outside an audited path."""


@contextlib.contextmanager
def allow_bulk_writes():
    """Lift the block for code that records the change itself (audit.services.bulk_change_record), data migrations
    and test fixtures. Anything done inside is NOT audited unless you record it: prefer the `audited_*` methods."""
    token = _bulk_allowed.set(True)
    try:
        yield
    finally:
        _bulk_allowed.reset(token)


def _refuse(model, method):
    if not _bulk_allowed.get():
        raise UnauditedBulkWrite(
            f"{model._meta.label}.objects.{method}() bypasses the audit trail (auditlog sees no bulk writes). "
            f"Use the queryset's audited_{method}(reason=..., actor=...) or audit.services.bulk_change_record()."
        )


def _only_unaudited_fields(model, values) -> bool:
    """An update that touches only fields auditlog leaves out (bookkeeping such as a cache key) loses no trace."""
    from auditlog.registry import auditlog

    if not values or not auditlog.contains(model):
        return False
    excluded = set(auditlog.get_model_fields(model)["exclude_fields"])
    return set(values) <= excluded


class AuditedQuerySet(models.QuerySet):
    """For models registered with auditlog: bulk writes must leave a trace.

    `update()`, `delete()`, `bulk_create()` and `bulk_update()` raise `UnauditedBulkWrite`, because auditlog only
    sees `Model.save()`/`Model.delete()`. Use the audited variants, which run in one transaction with the write and
    record one auditlog LogEntry per object plus one BULK_CHANGE access event (all in the hash chain):

        class Signal(models.Model):
            objects = AuditedQuerySet.as_manager()

        Signal.objects.filter(expires_on__lt=today).audited_update(
            reason="Bewaartermijn verstreken", actor=None, status=Signal.Status.EXPIRED
        )
        Signal.objects.audited_bulk_create(rows, reason="Import BAG 2026-11")
        Signal.objects.audited_bulk_update(rows, ["status"], reason="Herindeling")
        Signal.objects.filter(pk__in=ids).audited_delete(reason="Dubbel ingevoerd")

    `Model.save()` and `Model.delete()` keep working (Django uses `_update`/the deletion collector internally, and
    auditlog records them). Inside `with allow_bulk_writes():` the block is lifted (migrations, fixtures).
    """

    def update(self, **kwargs):
        if not _only_unaudited_fields(self.model, kwargs):
            _refuse(self.model, "update")
        return super().update(**kwargs)

    def delete(self):
        _refuse(self.model, "delete")
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        _refuse(self.model, "bulk_create")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        _refuse(self.model, "bulk_update")
        return super().bulk_update(objs, fields, *args, **kwargs)

    # The audited paths -----------------------------------------------------------------------------------------

    def audited_update(self, *, reason: str, actor=None, **values) -> int:
        from django.db import transaction

        from .services import bulk_change_record

        with transaction.atomic():
            ids = list(self.values_list("pk", flat=True))
            with allow_bulk_writes():
                count = self.model._default_manager.filter(pk__in=ids).update(**values)
            bulk_change_record(model=self.model, object_ids=ids, action="update", actor=actor, changes=values,
                               reason=reason)
        return count

    def audited_delete(self, *, reason: str, actor=None) -> int:
        from django.db import transaction

        from .services import bulk_change_record

        with transaction.atomic():
            rows = [(obj.pk, str(obj)) for obj in self]
            with allow_bulk_writes():
                count, _detail = self.model._default_manager.filter(pk__in=[pk for pk, _ in rows]).delete()
            bulk_change_record(model=self.model, object_ids=[pk for pk, _ in rows], action="delete", actor=actor,
                               reason=reason, labels=dict(rows))
        return count

    def audited_bulk_create(self, objs, *, reason: str, actor=None, **kwargs):
        from django.db import transaction

        from .services import bulk_change_record

        with transaction.atomic():
            with allow_bulk_writes():
                created = self.bulk_create(objs, **kwargs)
            ids = [obj.pk for obj in created if obj.pk is not None]
            if len(ids) != len(created):
                raise UnauditedBulkWrite("bulk_create did not return primary keys; the created rows cannot be audited")
            bulk_change_record(model=self.model, object_ids=ids, action="create", actor=actor, reason=reason,
                               labels={obj.pk: str(obj) for obj in created})
        return created

    def audited_bulk_update(self, objs, fields, *, reason: str, actor=None, **kwargs) -> int:
        from django.db import transaction

        from .services import bulk_change_record

        objs = list(objs)
        with transaction.atomic():
            with allow_bulk_writes():
                count = self.bulk_update(objs, fields, **kwargs)
            bulk_change_record(model=self.model, object_ids=[obj.pk for obj in objs], action="update", actor=actor,
                               reason=reason, changes={"fields": list(fields)},
                               labels={obj.pk: str(obj) for obj in objs})
        return count


# --------------------------------------------------------------------------------------------------------------
# Append-only audit tables
# --------------------------------------------------------------------------------------------------------------


class AppendOnlyError(PermissionError):
    """Audit rows are never changed or deleted by the application (only retention, through its own path)."""


class AppendOnlyQuerySet(models.QuerySet):
    """Rows are only ever inserted (one at a time or set-based); nothing changes or deletes them here. Retention's
    own path (audit.retention) deletes whole sealed segments past the retention period."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")

    def bulk_update(self, objs, fields, *args, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} is append-only")
        kwargs["force_insert"] = True
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} is append-only")


class CurrentTransactionId(models.Func):
    """Column default of the audit rows: on PostgreSQL the id of the inserting transaction (the key the sealer
    seals by, see audit.chain); NULL elsewhere (SQLite seals by row id)."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []


class AccessEvent(AppendOnlyModel):
    """One read or security event (NEN 7513): who, for which responsibility, what, on what, when, where, why, outcome.

    Append-only. `row_hash` is an HMAC over the row's canonical content, written with the row; `xact` the inserting
    transaction (PostgreSQL), by which the sealer puts the row into a segment of the access chain (audit.chain).
    Written only by audit.services (access_event_record, access_event_record_many).
    """

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
        API_TOKEN_CREATE = "token_create", _("API-token aangemaakt")
        API_TOKEN_REVOKE = "token_revoke", _("API-token ingetrokken")
        IMPORT = "import", _("gegevens ingelezen")
        # Accounts (access.accounts): an administrator never chooses another person's password.
        ACCOUNT_CREATE = "account_create", _("account aangemaakt")
        ACCOUNT_CHANGE = "account_change", _("account gewijzigd")
        ACCOUNT_DEACTIVATE = "account_deactivate", _("account gedeactiveerd")
        ACCOUNT_REACTIVATE = "account_reactivate", _("account geactiveerd")
        EMAIL_CHANGE = "email_change", _("e-mailadres gewijzigd")
        PASSWORD_LINK = "password_link", _("wachtwoordlink verstuurd")
        PASSWORD_SET = "password_set", _("wachtwoord ingesteld via link")
        PASSWORD_CHANGE = "password_change", _("wachtwoord gewijzigd")
        SESSIONS_END = "sessions_end", _("sessies beëindigd")
        # Second factor (access.twofactor): enrolment, wrong codes, recovery codes and an administrator's reset.
        TWOFACTOR_ENROL = "2fa_enrol", _("tweede factor ingesteld")
        TWOFACTOR_FAILED = "2fa_failed", _("tweede factor onjuist")
        TWOFACTOR_RECOVERY = "2fa_recovery", _("herstelcode gebruikt")
        TWOFACTOR_RECOVERY_NEW = "2fa_recovery_new", _("nieuwe herstelcodes gemaakt")
        TWOFACTOR_RESET = "2fa_reset", _("tweede factor gereset")

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
    # Tamper evidence (audit.chain): the row's own HMAC, and the inserting transaction the sealer keys segments by.
    row_hash = models.CharField(max_length=64, blank=True, editable=False)
    xact = models.BigIntegerField(null=True, blank=True, editable=False, db_default=CurrentTransactionId())

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("toegangsgebeurtenis")
        verbose_name_plural = _("toegangsgebeurtenissen")
        default_permissions = ()
        permissions = [("review_audit", _("Audittrail inzien"))]
        indexes = [
            models.Index(fields=["actor", "occurred_at"]),
            models.Index(fields=["action", "occurred_at"]),
            # The signals search limit counts one person's searches of the last hour/day on every search.
            models.Index(fields=["actor", "action", "occurred_at"], name="audit_event_actor_action_idx"),
            models.Index(fields=["object_type", "object_id"]),
            # Keyset pagination over (occurred_at, id), plain and per filter the auditor pages offer.
            models.Index(fields=["occurred_at", "id"], name="audit_event_keyset_idx"),
            models.Index(fields=["actor_username", "occurred_at"], name="audit_event_username_idx"),
            models.Index(fields=["actor_department", "occurred_at"], name="audit_event_dept_idx"),
            models.Index(fields=["outcome", "occurred_at"], name="audit_event_outcome_idx"),
            models.Index(fields=["query", "occurred_at"], name="audit_event_query_idx"),
            models.Index(fields=["request_id"], name="audit_event_request_idx"),
            models.Index(fields=["xact", "id"], name="audit_event_xact_idx"),  # the sealer's and verifier's key
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"

    @property
    def role_label(self) -> str:
        """The role's name in the catalogue (the stored code when the catalogue no longer has it)."""
        from .labels import role_label

        return role_label(self.role)


class ChainSegment(AppendOnlyModel):
    """One sealed segment of a chain: every row whose key lies in [key_from, key_to), sealed by audit.chain.seal_all.

    `digest` is an HMAC over the chain, `seq`, the previous segment's digest, the key range, the number of rows, the
    first and last id and a SHA-256 over the rows' hashes in id order.
    """

    chain = models.CharField(max_length=16)
    seq = models.BigIntegerField()
    key_from = models.BigIntegerField()
    key_to = models.BigIntegerField()
    count = models.BigIntegerField()
    first_id = models.BigIntegerField(null=True)
    last_id = models.BigIntegerField(null=True)
    prev_digest = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()
        ordering = ["chain", "seq"]
        verbose_name = _("verzegeld segment")
        verbose_name_plural = _("verzegelde segmenten")
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_segment_chain_seq_uniq")]

    def __str__(self):
        return f"{self.chain} segment {self.seq} ({self.count})"


class ChainCheckpoint(AppendOnlyModel):
    """Written by retention: the chain now starts at segment `first_seq`, whose prev_digest must equal
    `anchor_hash`; `removed` rows of the segments before it were deleted."""

    chain = models.CharField(max_length=16)
    first_seq = models.BigIntegerField()
    anchor_hash = models.CharField(max_length=64, blank=True)
    key_from = models.BigIntegerField(default=0)
    removed = models.BigIntegerField(default=0)
    cutoff = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    mac = models.CharField(max_length=64)

    class Meta:
        default_permissions = ()
        ordering = ["chain", "-first_seq"]
        verbose_name = _("ketencontrolepunt")
        indexes = [models.Index(fields=["chain", "first_seq"])]

    def __str__(self):
        return f"{self.chain} from #{self.first_seq}"
