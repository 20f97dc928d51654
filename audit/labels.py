"""What the audit pages show of other apps' data, registered by the app that owns it (access registers its role
catalogue, its department names and a person's grants in its AppConfig.ready()), so audit shows them without
importing that app: access -> audit, one way."""

_ROLE_LABELS = {}
_PROVIDERS = {}


def role_labels_register(labels: dict) -> None:
    """{role code: label} of the role catalogue."""
    _ROLE_LABELS.update(labels)


def role_label(code: str) -> str:
    """The role's name (the stored code when the catalogue no longer has it)."""
    label = _ROLE_LABELS.get(code)
    return str(label) if label is not None else code


def providers_register(*, department_names=None, grants_of_person=None) -> None:
    """department_names(): today's department names; grants_of_person(username): that person's grants."""
    if department_names is not None:
        _PROVIDERS["department_names"] = department_names
    if grants_of_person is not None:
        _PROVIDERS["grants_of_person"] = grants_of_person


def department_names() -> list[str]:
    provider = _PROVIDERS.get("department_names")
    return list(provider()) if provider else []


def grants_of_person(username: str):
    provider = _PROVIDERS.get("grants_of_person")
    return provider(username) if provider else []
