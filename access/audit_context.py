"""access -> audit, one way: the permission a request was let in with goes into the audit context (audit.context),
with the lookup of the grant behind it, so every event the request writes names the Authorisation that allowed it."""
from audit.context import permission_set

from .permissions import grant_for


def required_permission_record(*, user, perm: str) -> None:
    permission_set(user=user, permission=perm, grant_lookup=lambda: grant_for(user, perm))
