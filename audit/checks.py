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
