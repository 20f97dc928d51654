"""Register access models with django-auditlog. Personal credentials are never copied into history."""
from auditlog.registry import auditlog

from .models import Authorisation, Department, User

auditlog.register(Department)
auditlog.register(
    User,
    exclude_fields=["password", "last_login", "permissions_recheck_at", "permissions_version"],
    m2m_fields=set(),
)
auditlog.register(Authorisation)
