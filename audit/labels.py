"""Names for the codes the audit trail stores, registered by the app that owns them (access registers its role
catalogue in its AppConfig.ready()), so audit shows them without importing that app: access -> audit, one way."""

_ROLE_LABELS = {}


def role_labels_register(labels: dict) -> None:
    """{role code: label} of the role catalogue."""
    _ROLE_LABELS.update(labels)


def role_label(code: str) -> str:
    """The role's name (the stored code when the catalogue no longer has it)."""
    label = _ROLE_LABELS.get(code)
    return str(label) if label is not None else code
