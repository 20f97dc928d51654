"""Who may see what in the audit app: only the auditor role, for every URL the app has."""
import pytest
from django.test import Client
from django.urls import reverse

from access import roles as R
from dashboards.models import Dashboard
from tests.factories import grant, login, make_user

pytestmark = pytest.mark.django_db

PAGES = ["audit:index", "audit:address", "audit:person", "audit:unusual", "audit:changes", "audit:integrity",
         "audit:export"]
API = "/api/v1/audit/events"


def all_audit_urls():
    from audit import urls

    return {f"audit:{pattern.name}" for pattern in urls.urlpatterns}


def test_matrix_covers_every_audit_url():
    assert all_audit_urls() == set(PAGES)


def client_for(kind):
    if kind == "anonymous":
        return Client()
    user = make_user(kind)
    if kind == "admin":
        grant(user, R.AUTHORISATION_ADMIN)
    elif kind == "signal_search":
        grant(user, R.SIGNAL_SEARCH)
    elif kind == "dashboard_viewer":
        grant(user, R.DASHBOARD_VIEWER, scope=Dashboard.objects.create(slug="d", name="D"))
    elif kind == "auditor":
        grant(user, R.AUDITOR)
    return login(Client(), user)


# kind -> expected status for pages, for the API
MATRIX = {
    "anonymous": (302, (401, 403)),
    "no_grants": (403, (403,)),
    "admin": (403, (403,)),
    "signal_search": (403, (403,)),
    "dashboard_viewer": (403, (403,)),
    "auditor": (200, (200,)),
}


@pytest.mark.parametrize("kind", list(MATRIX))
def test_matrix(kind):
    client = client_for(kind)
    page_status, api_statuses = MATRIX[kind]
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == page_status, (kind, name)
        if page_status == 302:
            assert response["Location"].startswith("/inloggen/")
    assert client.post(reverse("audit:integrity")).status_code == page_status
    assert client.get(API).status_code in api_statuses


def test_write_methods_are_refused_even_for_the_auditor():
    client = client_for("auditor")
    for name in ["audit:index", "audit:export", "audit:address"]:
        assert client.post(reverse(name)).status_code == 405
    assert client.post(API).status_code in (403, 405)
    assert client.delete(API).status_code in (403, 405)


def test_an_expired_auditor_grant_closes_the_pages():
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from access.models import User

    client = client_for("auditor")
    assert client.get(reverse("audit:index")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=200)):
        fresh = login(Client(), User.objects.get(username="auditor"))
        assert fresh.get(reverse("audit:index")).status_code == 403
