from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def chain_key_check(app_configs, **kwargs):
    """The hash chains are keyed; a key derived from SECRET_KEY breaks verification when SECRET_KEY is rotated."""
    if getattr(settings, "AUDIT_CHAIN_KEY", ""):
        return []
    return [
        Warning(
            "AUDIT_CHAIN_KEY is not set: the audit hash chains use a key derived from SECRET_KEY.",
            hint="Set AUDIT_CHAIN_KEY to a long random value that never changes (and keep it out of the database); "
            "rotating SECRET_KEY would otherwise make verify_audit report the whole log as tampered.",
            id="audit.W001",
        )
    ]


@register()
def retention_check(app_configs, **kwargs):
    """Audit records are kept at least five years; the PostgreSQL trigger refuses to delete younger ones anyway."""
    from django.core.checks import Error

    from .retention import MINIMUM_RETENTION_DAYS

    days = getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS)
    if days >= MINIMUM_RETENTION_DAYS:
        return []
    return [
        Error(
            f"AUDIT_RETENTION_DAYS={days} is shorter than the legal minimum of {MINIMUM_RETENTION_DAYS} days.",
            hint="Audit records (NEN 7513) are kept at least five years; raise AUDIT_RETENTION_DAYS.",
            id="audit.E002",
        )
    ]


def models_without_bulk_guard(models) -> list:
    """The models among `models` whose default manager lets bulk writes pass the audit by."""
    from .models import AuditedQuerySet

    return [model for model in models if not isinstance(model._default_manager.all(), AuditedQuerySet)]


@register()
def bulk_guard_check(app_configs, **kwargs):
    """Every model registered with auditlog refuses QuerySet.update/delete/bulk_* that auditlog cannot see."""
    from auditlog.registry import auditlog
    from django.core.checks import Error

    return [
        Error(
            f"{model._meta.label} is registered with auditlog but its manager does not use audit.models."
            f"AuditedQuerySet: QuerySet.update(), delete() and bulk_create() would change it without a trace.",
            hint="Give the model `objects = AuditedQuerySet.as_manager()` (or a queryset subclassing it).",
            obj=model,
            id="audit.E003",
        )
        for model in models_without_bulk_guard(auditlog.get_models())
    ]
