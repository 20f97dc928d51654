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
