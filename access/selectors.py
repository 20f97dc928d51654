"""Reads for access, shared by pages, API and exports."""
from datetime import timedelta

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from .models import Authorisation, User
from .roles import ROLES


def authorisation_list_for_user(*, user):
    """A person's own grants, newest first."""
    return Authorisation.objects.filter(user=user).select_related("requested_by", "approved_by", "revoked_by")


def user_list_with_grants(*, q: str = "", department=None):
    today = timezone.localdate()
    active = Authorisation.objects.effective_on(today).order_by("role")
    users = (
        User.objects.select_related("department")
        .prefetch_related(Prefetch("authorisations", queryset=active, to_attr="active_grants"))
        .annotate(pending=Count("authorisations", filter=Q(authorisations__status=Authorisation.Status.REQUESTED)))
        .order_by("username")
    )
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(email__icontains=q)
        )
    if department is not None:
        users = users.filter(department=department)
    return users


def authorisation_pending():
    return Authorisation.objects.filter(status=Authorisation.Status.REQUESTED).select_related("user", "requested_by")


def authorisation_expiring(*, days: int = 30):
    today = timezone.localdate()
    return (
        Authorisation.objects.effective_on(today)
        .filter(valid_until__lte=today + timedelta(days=days))
        .select_related("user")
        .order_by("valid_until")
    )


def user_visibility(*, user):
    """'What can this person see': per effective grant, the role, scope, what it opens and until when."""
    today = timezone.localdate()
    rows = []
    for grant in Authorisation.objects.effective_on(today).filter(user=user).order_by("role"):
        role = ROLES[grant.role]
        rows.append({"grant": grant, "role": role})
    return rows
