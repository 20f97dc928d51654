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


def login(client, user, password=PASSWORD, second_factor=True):
    """Log in through the real login page (axes needs a request), then pass the second factor through the real
    second-factor page with a code from the user's authenticator app (one is made for the user if absent): every
    session this opens has passed both factors. second_factor=False stops after the password."""
    if second_factor:
        authenticator(user)
    response = client.post("/inloggen/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content[:500]
    if second_factor:
        location = response["Location"]
        assert location.startswith("/inloggen/tweede-factor/"), location
        response = client.post(location, {"code": totp_code(user)})
        assert response.status_code == 302 and not response["Location"].startswith("/inloggen/"), (
            response.status_code, response.content[:500])
    return client


def authenticator(user):
    """The user's authenticator app (a confirmed django-otp TOTPDevice), made if absent."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test-app", confirmed=True)
    return device


def totp_code(user, device=None) -> str:
    """The code the user's authenticator app shows now, computed with django-otp's public TOTP function. A code is
    accepted once per 30-second step (django-otp's replay protection), and tests log the same person in several times
    within one step: the app's memory of the last step used is cleared first, as for a fresh app."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = device or authenticator(user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0,
                                                    throttling_failure_timestamp=None)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def pass_second_factor(client, user):
    """Mark a session opened with client.force_login as having passed the second factor, as the second-factor page
    does: django-otp's session key names the user's (confirmed) authenticator app, which OTPMiddleware checks on every
    request. tests/conftest.py applies it to every force_login, so that force_login keeps meaning "logged in"."""
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()
    return client


def demo_second_factor(client, username):
    """Pass the second factor of a demo account as the README tells a newcomer: the code `manage.py demo_code
    <username>` prints (the demo's sensitive accounts have an authenticator app with the documented demo secret)."""
    import io

    from django.core.management import call_command

    code = io.StringIO()
    call_command("demo_code", username, stdout=code, stderr=io.StringIO())
    response = client.post("/inloggen/tweede-factor/", {"code": code.getvalue().strip()})
    assert response.status_code == 302, response.content[:500]
    return client
