"""Test helpers that build people and grants through the real services (four eyes, audit, guardian sync)."""
from datetime import timedelta

from django.utils import timezone

from access import roles as R
from access.models import Authorisation, Department, User
from access.services import authorisation_approve, authorisation_bootstrap, authorisation_request

PASSWORD = "Test-wachtwoord-2026"


def make_department(code="toezicht-handhaving", name=None, **kw):
    dept, _ = Department.objects.get_or_create(code=code, defaults={"name": name or code.replace("-", " ").title(), **kw})
    return dept


def make_user(username, department=None, password=PASSWORD, **kw):
    if isinstance(department, str):
        department = make_department(department)
    user = User(username=username, department=department, email=f"{username}@gemeente.example", **kw)
    user.set_password(password)
    user.save()
    return user


def admins():
    """Two authorisation administrators (bootstrapped, like the first administrators of a new installation)."""
    first = User.objects.filter(username="admin-a").first()
    if first is None:
        first = make_user("admin-a", first_name="Adam", last_name="Eerste")
        authorisation_bootstrap(
            user=first, role=R.AUTHORISATION_ADMIN, purpose="Inrichting", valid_until=timezone.localdate() + timedelta(days=200)
        )
    second = User.objects.filter(username="admin-b").first()
    if second is None:
        second = make_user("admin-b", first_name="Bert", last_name="Tweede")
        authorisation_bootstrap(
            user=second, role=R.AUTHORISATION_ADMIN, purpose="Inrichting", valid_until=timezone.localdate() + timedelta(days=200)
        )
    return first, second


def grant(user, role_code, scope=None, days=180, purpose="Test: nodig voor het werk", valid_from=None):
    """An active grant of role_code to user, requested by one administrator and approved by another."""
    first, second = admins()
    requester, approver = (first, second) if user.pk != first.pk else (second, first)
    if user.pk == second.pk:
        requester, approver = first, second
        # nobody approves for themselves: a third administrator approves grants for admin-b
        approver = _third_admin()
    g = authorisation_request(
        requested_by=requester,
        user=user,
        role=role_code,
        scope=scope,
        purpose=purpose,
        valid_from=valid_from,
        valid_until=timezone.localdate() + timedelta(days=days),
    )
    if g.status == Authorisation.Status.REQUESTED:
        g = authorisation_approve(grant=g, approved_by=approver)
    user.refresh_from_db()
    return g


def _third_admin():
    third = User.objects.filter(username="admin-c").first()
    if third is None:
        third = make_user("admin-c")
        authorisation_bootstrap(
            user=third, role=R.AUTHORISATION_ADMIN, purpose="Inrichting", valid_until=timezone.localdate() + timedelta(days=200)
        )
    return third


def login(client, user, password=PASSWORD):
    """Log in through the real login page (axes needs a request)."""
    response = client.post("/inloggen/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content[:500]
    return client
