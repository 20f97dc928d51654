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


# --- what the auditors do not read -----------------------------------------------------------------------------------
# The content of a department's signal is that department's alone, also in the change history (issue 12, finding 10).
# For the models below the auditors see who changed which record, when, and which fields, but not the recorded values
# (category, address, dates, contact officer, status) and not the object name auditlog stored (a former or future
# __str__ may carry an address or a category): the record is named "<noun> #<id> (<department>)" instead.
# Every channel that shows change records (the change-history page and its search) reads this one table.
# Model label -> the field that names the owning department, or None. The department is shown because judging an
# access needs it (was the person who changed the signal an officer of that department?); it is what a search shows
# anyway. Models not listed here show their values (authorisations, users, departments, dashboards, catalogues).
VALUES_WITHHELD = {
    "signals.Signal": "department",
    # Its subject names the address that was searched or that several departments flag; its text is not recorded.
    "signals.Notification": None,
}


def _key(label: str) -> str:
    return label.lower()


_WITHHELD = {_key(label): owner for label, owner in VALUES_WITHHELD.items()}


def values_withheld(label: str) -> bool:
    """Whether the change history withholds the values of this model ("signals.Signal" or "signals.signal")."""
    return _key(label) in _WITHHELD


def withheld_owner_field(label: str) -> str | None:
    """The field naming the owning department of a withheld model, or None."""
    return _WITHHELD.get(_key(label))


def withheld_models() -> list[tuple[str, str]]:
    """(app_label, model_name) of every withheld model, lower case as in django_content_type."""
    return [tuple(key.split(".", 1)) for key in _WITHHELD]
